"""Reading the national messages of iJw/iWmo release 3.2 (301, 323, 325; youth and Wmo) as a
stream: every message is validated against its schema and read element by element, so memory
stays flat however many performances a message holds.

A 301 and a 323 are read, checked and saved in one pass inside one transaction; a 325 is checked
in a first pass and saved in a second. No client data leaves this module unpseudonymised: an error
message never repeats a value from the message (it could be a citizen number, a name or a birth
date)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
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

    @cached_property
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
    try:
        namespace = etree.QName(root).namespace or ""
    except ValueError:  # a root element cut off in its name
        return ImportProblem(0, "", _("The file is not valid XML: %(error)s") % {"error": _("the file ends too soon")})
    found = MESSAGE_TYPES.get(namespace)
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
    root = message.tag("Bericht")
    options = {"schema": schema(message)} if validate else {}
    # Only the wanted elements and the root reach Python: the parser skips the other ~20 per line.
    context = etree.iterparse(
        io.BytesIO(data), events=("end",), tag=[*wanted, root], remove_comments=True, **options, **_parser_options()
    )
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
            elif element.getparent() is None:
                complete = True
    except etree.XMLSyntaxError as exc:
        if validate:  # a file that is not even well-formed is said to be so, not to differ from the schema
            for _element in elements(data, message, validate=False):
                pass
        raise MessageInvalid(exc.lineno or line, message, str(exc)) from None
    if not complete:
        # With a schema, lxml ends a broken stream quietly: read it again without one for the reason.
        if validate:
            for _element in elements(data, message, validate=False):
                pass
        raise MessageInvalid(line, message, str(_("the file ends before the message does")))


def values(element: etree._Element) -> dict[str, str | list[str | None] | None]:
    """Local name -> text of each child of ``element``; for a child with children (a period, an
    amount with debit/credit) the list of their texts in the schema's order. One walk over the
    children instead of a namespaced search per field."""
    found: dict[str, str | list[str | None] | None] = {}
    for child in element:
        if isinstance(child.tag, str):  # not a processing instruction
            name = child.tag.rpartition("}")[2]
            found[name] = [g.text for g in child if isinstance(g.tag, str)] if len(child) else child.text
    return found


class MessageInvalid(Exception):
    """The message is not well-formed or does not match its schema (the first difference)."""

    def __init__(self, line: int, message: MessageType, detail: str) -> None:
        super().__init__(detail)
        if detail.startswith("Element "):
            error = in_dutch(detail) or redact(detail)
            text = _("does not match the %(name)s schema: %(error)s") % {"name": message.name, "error": error}
        else:
            text = _("The file is not valid XML: %(error)s") % {"error": redact(detail)}
        self.problem = ImportProblem(line, "", text)


_QUOTED = re.compile(r"\{[^{}]*\}|(Element |facet |attribute |pattern |type )'[^']*'|'[^']*'")
_NAMESPACE = re.compile(r"\{[^{}]*\}(?=[A-Za-z])")
_DIGITS = re.compile(r"\d{8,}")
_WHERE = re.compile(r" \(<string>, line \d+\)|, line \d+, column \d+")


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


def _pattern_in_words(pattern: str) -> str:
    """The schema's patterns that users meet, in words; any other as the schema writes it."""
    if found := re.fullmatch(r"\[0-9\]\{(\d+)\}", pattern):
        return _("exactly %(count)s digits") % {"count": found[1]}
    if pattern in ("([a-zA-Z0-9])+", "[a-zA-Z0-9]+"):
        return _("letters and digits only, without spaces or hyphens")
    return pattern


_ELEMENT = re.compile(r"^Element '([^']*)': (.*?)\.?$", re.DOTALL)
_REASONS = [
    (
        re.compile(r"This element is not expected\. Expected is (?:one of )?\( ?(.*?) ?\)"),
        lambda m: _("this element is not expected here; expected: %(names)s") % {"names": m[1]},
    ),
    (re.compile(r"This element is not expected"), lambda m: _("this element is not expected here")),
    (
        re.compile(r"Missing child element\(s\)\. Expected is (?:one of )?\( ?(.*?) ?\)"),
        lambda m: _("an element is missing; expected: %(names)s") % {"names": m[1]},
    ),
    (
        re.compile(r"\[facet 'enumeration'\].*?the set (\{.*\})"),
        lambda m: _("the value is not one of the codes %(codes)s") % {"codes": m[1]},
    ),
    (
        re.compile(r"\[facet 'pattern'\].*?the pattern '(.*)'"),
        lambda m: _("the value does not have the form %(pattern)s") % {"pattern": m[1]},
    ),
    (
        re.compile(r"\[facet '(?:maxLength|length)'\].*?(?:maximum )?length of '(\d+)'\.?$"),
        lambda m: _("the value is longer than %(max)s characters") % {"max": m[1]},
    ),
    (re.compile(r"\[facet 'minLength'\]"), lambda m: _("the value is too short or empty")),
    (
        re.compile(r"\[facet 'maxInclusive'\].*?\('?([^')]*)'?\)"),
        lambda m: _("the value is greater than %(max)s") % {"max": m[1]},
    ),
    (
        re.compile(r"\[facet 'minInclusive'\].*?\('?([^')]*)'?\)"),
        lambda m: _("the value is less than %(min)s") % {"min": m[1]},
    ),
    (
        re.compile(r"is not a valid value of the (?:local )?(?:atomic|union|list) type(?: '([^']*)')?"),
        lambda m: _("the value is not a valid %(type)s") % {"type": m[1]} if m[1] else _("the value is not valid here"),
    ),
    (
        re.compile(r"Character content other than whitespace is not allowed"),
        lambda m: _("text is not allowed here, only elements"),
    ),
    (
        re.compile(r"No matching global declaration available for the validation root"),
        lambda m: _("this is not the root element of this kind of message"),
    ),
    (
        re.compile(r"The attribute '([^']*)' is not allowed"),
        lambda m: _("the attribute %(name)s is not allowed") % {"name": m[1]},
    ),
]


def in_dutch(detail: str) -> str | None:
    """A schema difference as the parser words it, said in Dutch from what the schema holds (the
    element, its codes, pattern or limits), never with the value from the message: "element
    Eenheid: the value is not one of the codes {...}". None when it is not recognised."""
    found = _ELEMENT.match(_WHERE.sub("", _NAMESPACE.sub("", detail)))
    if not found:
        return None
    element, reason = found.groups()
    for pattern, say in _REASONS:
        if matched := pattern.search(reason):
            return _("element %(element)s: %(reason)s") % {"element": element, "reason": say(matched)}
    return None
