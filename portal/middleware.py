"""Request guards that apply to every page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def request_size_limit(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse a body larger than MAX_REQUEST_BYTES with 413 before anything reads it.

    Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file uploads of any size
    to disk; the import forms check the size only after the whole file arrived. This stops an
    oversized upload at the door. It runs before CSRF's process_view, the first to read a body.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return render(request, "413.html", {"max_bytes": settings.MAX_REQUEST_BYTES}, status=413)
        return get_response(request)

    return middleware
