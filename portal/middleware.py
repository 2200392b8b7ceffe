"""Request guards that apply to every page: an oversized body is refused (413) before anything
reads it, and a lost database connection is shown as what it is: nothing was saved, try again (503)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("portal.database")


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


def database_unavailable_response() -> HttpResponse:
    """Rendered without the request: the context processors would query the lost database."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


class DatabaseUnavailableMiddleware:
    """Turns OperationalError/InterfaceError from a view into the Dutch 503 page.

    Every write of the portal runs in a transaction, which the database rolls back when the
    connection breaks, so the page can say that nothing was saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s; the transaction was rolled back.",
            request.method,
            request.path,
            exc_info=exception,
        )
        if not connection.in_atomic_block:
            # A broken connection is dropped so that the session middleware, after this, and
            # the next request connect afresh instead of failing on the dead one.
            connection.close_if_unusable_or_obsolete()
        return database_unavailable_response()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database outside a view (the session or the user, loaded by the
    middleware) gets the same 503 page; anything else the plain 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        return database_unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html"))
