"""Storage for uploaded documents that must not be reachable by URL."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT`` (outside the web root, read at use so tests can move it).

    There is no URL: a view checks who asks and streams the file."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


def private_pdf(file: FieldFile, filename: str, missing: str) -> FileResponse:
    """A stored PDF as a download, once the caller's view has checked who asks; 404 ``missing``
    when none was attached."""
    if not file:
        raise Http404(missing)
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
