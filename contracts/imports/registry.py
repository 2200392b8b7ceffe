"""The one list of invoice import formats. The import form takes its accepted types and size from
here, the view lets it choose the format of each upload, and the import page and the README
describe exactly the formats registered here (tests/contracts/test_import_formats.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from contracts.imports.base import ImportFormat, ImportProblem, ImportResult, Upload


class FormatRegistry:
    def __init__(self) -> None:
        self._formats: list[ImportFormat] = []

    def register(self, cls: type[ImportFormat]) -> type[ImportFormat]:
        """Class decorator: the format is offered from now on, after the ones registered before it."""
        self._formats.append(cls())
        return cls

    def __iter__(self) -> Iterator[ImportFormat]:
        return iter(self._formats)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self._formats]

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for f in self._formats for e in f.extensions))

    @property
    def max_bytes(self) -> int:
        return max(f.max_bytes for f in self._formats)

    @property
    def documented(self) -> list[ImportFormat]:
        """One format per section of documentation, in the order registered."""
        first: dict[str, ImportFormat] = {}
        for f in self._formats:
            first.setdefault(f.documentation, f)
        return list(first.values())

    def format_for(self, upload: Upload) -> ImportFormat | None:
        return next((f for f in self._formats if f.recognises(upload)), None)

    def import_upload(self, upload: Upload, *, by) -> ImportResult:
        """Import the upload as the format that recognises it; otherwise say why it cannot be."""
        chosen = self.format_for(upload)
        if chosen is not None:
            return chosen.import_file(upload, by=by)
        for candidate in self._formats:
            if (problem := candidate.refusal(upload)) is not None:
                return ImportResult.refused(problem)
        message = _("Choose a file of type %(types)s.") % {"types": ", ".join(self.extensions)}
        return ImportResult.refused(ImportProblem(0, "", message))


FORMATS = FormatRegistry()
