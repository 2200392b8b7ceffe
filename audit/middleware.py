"""Put the request's user where the audit signal handlers find it, and take it away afterwards:
a worker thread that serves the next request (or a management command) must not inherit it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import acting_as


class CurrentUserMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # request.user is lazy: nothing is read from the session unless something is recorded.
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
