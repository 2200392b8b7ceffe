"""Reading the national messages of iJw/iWmo release 3.2 (301, 323, 325; youth and Wmo) as a
stream: every message is validated against its schema and read element by element, so memory
stays flat however many performances a message holds.

A message is read twice when it is imported: once to validate it and check what it says, once to
save it. No client data leaves this module unpseudonymised: an error message never repeats a
value from the message (it could be a citizen number, a name or a birth date)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from contracts.imports.base import ImportProblem
from contracts.models import Law

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ISTANDAARDEN = "http://www.istandaarden.nl"


@dataclass(frozen=True)
class MessageType:
    """One kind of message: "JW301" is the youth allocation, "WMO325" the Wmo return."""

    name: str

    @property
    def code(self) -> str:  # "301", "323", "325"
        return self.name[-3:]

    @property
    def standard(self) -> str:  # "ijw" or "iwmo"
        return "ijw" if self.name.startswith("JW") else "iwmo"

    @property
    def law(self) -> str:
        return Law.YOUTH if self.standard == "ijw" else Law.WMO

    @property
    def law_label(self) -> str:
        return str(Law(self.law).label)

    @property
    def namespace(self) -> str:
        return f"{ISTANDAARDEN}/{self.standard}/3_2/{self.name.lower()}/schema"

    @property
    def base_namespace(self) -> str:
        return f"{ISTANDAARDEN}/{self.standard}/3_2/basisschema/schema"

    @property
    def namespaces(self) -> dict[str, str]:
        return {"m": self.namespace, "b": self.base_namespace}

    @property
    def schema_path(self) -> Path:
        return SCHEMA_DIR / self.standard / f"{self.name}.xsd"

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"


MESSAGE_TYPES = {t.namespace: t for t in map(MessageType, ("JW301", "WMO301", "JW323", "WMO323", "JW325", "WMO325"))}


def _parser_options() -> dict:
    # No entity is expanded, no DTD loaded, nothing fetched: a message is data from outside.
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def message_type(data: bytes, codes: tuple[str, ...] = ("301", "323", "325")) -> MessageType | ImportProblem:
    """The kind of message, from its root element alone; or why it is not one of the kinds
    ``codes`` that is read here."""
    context = etree.iterparse(io.BytesIO(data), events=("start",), remove_comments=True, **_parser_options())
    try:
        _event, root = next(context)
    except (etree.XMLSyntaxError, StopIteration) as exc:
        line = getattr(exc, "lineno", 0) or 0
        return ImportProblem(line, "", _("The file is not valid XML: %(error)s") % {"error": redact(str(exc))})
    if root.getroottree().docinfo.doctype:
        message = _(
            "The message contains a document type declaration (DTD), which iJw and iWmo messages never "
            "have; it is refused for safety."
        )
        return ImportProblem(0, "", message)
    found = MESSAGE_TYPES.get(etree.QName(root).namespace or "")
    if found is None or found.code not in codes:
        names = [t.name for t in MESSAGE_TYPES.values() if t.code in codes]
        listed = _("%(names)s or %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}
        return ImportProblem(0, "", _("This is not a %(names)s message (iJw/iWmo release 3.2).") % {"names": listed})
    return found


@cache
def schema(message: MessageType) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(message.schema_path)))


def elements(data: bytes, message: MessageType, *tags: str, validate: bool = False) -> Iterator[etree._Element]:
    """The message's elements named ``tags`` (local names in the message's namespace), each once it
    is complete; what was read before it is let go. With ``validate`` the schema is checked as the
    stream goes and the first difference raises MessageInvalid."""
    wanted = {message.tag(t) for t in tags}
    options = {"schema": schema(message)} if validate else {}
    context = etree.iterparse(io.BytesIO(data), events=("end",), remove_comments=True, **options, **_parser_options())
    line, complete = 0, False
    try:
        for _event, element in context:
            line = element.sourceline or line
            if element.tag in wanted:
                yield element
                element.clear(keep_tail=True)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
            complete = element.getparent() is None
    except etree.XMLSyntaxError as exc:
        if validate:  # a file that is not even well-formed is said to be so, not to differ from the schema
            for _element in elements(data, message, validate=False):
                pass
        raise MessageInvalid(exc.lineno or line, message, str(exc)) from None
    if not complete:
        # With a schema, lxml ends a broken stream quietly: read it again without one for the reason.
        if validate:
            yield from ()
            for _element in elements(data, message, validate=False):
                pass
        raise MessageInvalid(line, message, str(_("the file ends before the message does")))


class MessageInvalid(Exception):
    """The message is not well-formed or does not match its schema (the first difference)."""

    def __init__(self, line: int, message: MessageType, detail: str) -> None:
        super().__init__(detail)
        if detail.startswith("Element "):
            text = _("does not match the %(name)s schema: %(error)s") % {"name": message.name, "error": redact(detail)}
        else:
            text = _("The file is not valid XML: %(error)s") % {"error": redact(detail)}
        self.problem = ImportProblem(line, "", text)


_QUOTED = re.compile(r"\{[^{}]*\}|(Element |facet |attribute |pattern |type )'[^']*'|'[^']*'")
_NAMESPACE = re.compile(r"\{[^{}]*\}(?=[A-Za-z])")
_DIGITS = re.compile(r"\d{8,}")
_WHERE = re.compile(r" \(<string>, line \d+\)")


def redact(detail: str) -> str:
    """A parser's message without any value from the message: element names, facets and the
    schema's own sets stay; every quoted value and every long number becomes "…"."""
    detail = _WHERE.sub("", _NAMESPACE.sub("", detail))

    def keep(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith("{") or match.group(1):
            return text
        return "'…'"

    return _DIGITS.sub("…", _QUOTED.sub(keep, detail))


def text(element: etree._Element, path: str, message: MessageType) -> str:
    return (element.findtext(path, namespaces=message.namespaces) or "").strip()
