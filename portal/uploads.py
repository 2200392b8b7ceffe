"""Checks for uploads: decision documents are PDF by content, not only by name, and not too large;
imported data files have an accepted type and size."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def clean_pdf_upload(upload):
    """The upload when it is a PDF of at most DECISION_FILE_MAX_BYTES; a ValidationError in Dutch otherwise."""
    if not upload or not hasattr(upload, "read"):
        return upload
    if upload.size > settings.DECISION_FILE_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is %(size)s; at most %(max)s is accepted.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.DECISION_FILE_MAX_BYTES)}
        )
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":  # the name says .pdf; the content must agree
        raise forms.ValidationError(_("The file is not a PDF document."))
    return upload


def clean_data_upload(upload, *, extensions: tuple[str, ...], max_bytes: int, too_large=None, wrong_type=None):
    """The upload when its name has one of the extensions and it is at most max_bytes: the one
    check of every import form (invoices, population counts, realised amounts).

    For imports that are parsed and never stored: the parser checks the content line by line,
    this refuses what is plainly not such a file before it is read into memory. A form whose
    page has always said it in its own words passes them as too_large and wrong_type."""
    if not upload or not hasattr(upload, "read"):
        return upload
    if upload.size > max_bytes:
        raise forms.ValidationError(
            too_large
            or _("The file is %(size)s; at most %(max)s is accepted.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)}
        )
    if not upload.name.lower().endswith(extensions):
        raise forms.ValidationError(
            wrong_type or _("Choose a file of type %(types)s.") % {"types": ", ".join(extensions)}
        )
    return upload


class InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps every uploaded file in memory, whatever its size (the view limits the size first):
    for uploads that name people, which must never be written to a temporary file."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True


def upload_too_large(request, max_bytes: int) -> bool:
    """Whether a request announces more than ``max_bytes`` of upload (plus room for the form), so
    it can be refused before it is read into memory. A missing or malformed length is not."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes + 64 * 1024
