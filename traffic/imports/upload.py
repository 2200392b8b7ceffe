"""One upload: a message or a ZIP of messages as the national exchange delivers them."""

from __future__ import annotations

import io
import lzma
import os
import zipfile
import zlib
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.imports import ImportProblem
from contracts.imports.base import NO_PSEUDONYM_KEY
from contracts.imports.declarations import import_declaration
from contracts.imports.messages import MessageType, message_type
from portal.pseudonyms import Pseudonymiser
from traffic.imports.allocations import import_allocations
from traffic.imports.returns import import_return
from traffic.models import Allocation

MAX_FILES = 30
MAX_BYTES = 100 * 1024 * 1024  # one upload, and what a ZIP may unpack to
TOO_LARGE = gettext_lazy("The file is larger than 100 MB.")
ORDER = {"301": 0, "323": 1, "325": 2}
# What reading a damaged member can raise: zipfile's own errors, but also the decompressors' and a
# bad seek ("negative seek value") when a local header points before the start of the file.
UNREADABLE = (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError, zlib.error)
UNREADABLE += (lzma.LZMAError,)


@dataclass
class FileResult:
    """What the import did with one message: its summary, or why nothing of it was saved."""

    name: str
    kind: str = ""
    summary: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    unknown_allocations: list[str] = field(default_factory=list)
    url: str = ""  # what it made: the invoice of a declaration, the page of an answer

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class TrafficResult:
    files: list[FileResult] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)  # the upload refused whole

    @property
    def imported(self) -> int:
        return sum(1 for f in self.files if f.ok)

    @property
    def refused(self) -> int:
        return sum(1 for f in self.files if not f.ok)


def import_upload(name: str, data: bytes, *, by) -> TrafficResult:
    if len(data) > MAX_BYTES:
        return TrafficResult(problems=[ImportProblem(0, "", str(TOO_LARGE))])
    if zipfile.is_zipfile(io.BytesIO(data)) or name.lower().endswith(".zip"):
        members = unpack(data)
        if isinstance(members, ImportProblem):
            return TrafficResult(problems=[members])
    else:
        members = [(name, data)]
    # Two members may share a name (in different folders): each keeps its own kind.
    typed = [(n, d, message_type(d)) for n, d in members]
    typed.sort(key=lambda m: ORDER.get(getattr(m[2], "code", ""), 3))
    return TrafficResult(files=[_import_one(n, d, kind, by=by) for n, d, kind in typed])


def import_message(data: bytes, *, by, name: str = "") -> FileResult:
    """One message of any kind the traffic holds."""
    return _import_one(name, data, message_type(data), by=by)


def _import_one(name: str, data: bytes, kind: MessageType | ImportProblem, *, by) -> FileResult:
    if isinstance(kind, ImportProblem):
        return FileResult(name, problems=[kind])
    try:
        keys = Pseudonymiser()
    except ImproperlyConfigured:
        return FileResult(name, kind.name, problems=[ImportProblem(0, "", str(NO_PSEUDONYM_KEY))])
    if kind.code == "301":
        summary, problems = import_allocations(data, kind, keys, by=by)
        return FileResult(name, kind.name, summary, problems)
    if kind.code == "325":
        summary, problems, invoice = import_return(data, kind, keys, by=by)
        url = reverse("traffic:answer", args=[invoice.pk]) if invoice else ""
        return FileResult(name, kind.name, summary, problems, url=url)
    return _declaration(name, data, kind, by=by)


def _declaration(name: str, data: bytes, kind: MessageType, *, by) -> FileResult:
    result = import_declaration(data, kind, by=by)
    if not result.ok:
        return FileResult(name, kind.name, problems=result.problems)
    (invoice,) = result.created
    known = set(
        Allocation.objects.filter(
            municipality=invoice.municipality, law=invoice.law, number__in=result.assignment_numbers
        ).values_list("number", flat=True)
    )
    lines = invoice.lines.count()
    summary = _("Declaration %(number)s of %(provider)s for %(municipality)s: %(lines)d performances.") % {
        "number": invoice.invoice_number,
        "provider": invoice.provider,
        "municipality": invoice.municipality,
        "lines": lines,
    }
    return FileResult(
        name,
        kind.name,
        summary,
        unknown_allocations=sorted(result.assignment_numbers - known),
        url=invoice.get_absolute_url(),
    )


def _packing_residue(name: str) -> bool:
    """What a Mac or Windows adds when it zips a folder (__MACOSX/, ._name, .DS_Store, Thumbs.db):
    not a message, and not what the user meant to send; left out without a word."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db")


def unpack(data: bytes) -> list[tuple[str, bytes]] | ImportProblem:
    """The messages of a ZIP; refused whole when it is broken, holds more than 30 files or
    anything but XML messages, or unpacks past the upload limit (whatever its directory says)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir() and not _packing_residue(i.filename)]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # e.g. "zip file version 11.5"
        return ImportProblem(0, "", _("The ZIP file is damaged or not a ZIP file."))
    if not infos:
        return ImportProblem(0, "", _("The ZIP file holds no messages."))
    if len(infos) > MAX_FILES:
        return ImportProblem(
            0,
            "",
            _("The ZIP file holds %(count)d files; at most %(max)d messages are taken at once.")
            % {"count": len(infos), "max": MAX_FILES},
        )
    others = [i.filename for i in infos if not i.filename.lower().endswith(".xml")]
    if others:
        return ImportProblem(
            0,
            "",
            _("The ZIP file holds files that are not XML messages: %(names)s.") % {"names": ", ".join(others[:5])},
        )
    return _read_members(archive, infos)


def _read_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[tuple[str, bytes]] | ImportProblem:
    past_limit = ImportProblem(0, "", _("The ZIP file unpacks to more than 100 MB; it is refused whole."))
    if sum(i.file_size for i in infos) > MAX_BYTES:
        return past_limit
    members, budget = [], MAX_BYTES
    for info in infos:
        try:
            with archive.open(info) as member:
                content = member.read(budget + 1)  # a directory may understate the size
        except UNREADABLE:
            return ImportProblem(
                0, "", _("The ZIP file is damaged, encrypted or packed in a way the portal cannot read.")
            )
        budget -= len(content)
        if budget < 0:
            return past_limit
        members.append((os.path.basename(info.filename), content))
    return members
