"""Two-factor login: until a user who has (or must have) a second factor has given a code, every
page sends them to that step. Placed after AuthenticationMiddleware and django-otp's
OTPMiddleware, so ``request.user.otp_device`` says whether this session gave a code."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.login_security import Step, pending_step

STEP_URLS = {Step.VERIFY: "account:two_factor_verify", Step.ENROL: "account:two_factor_enrol"}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _exempt(self, path: str) -> bool:
        """The steps themselves, logging out and static files; everything else (also /beheer/)
        waits for the code."""
        allowed = [reverse(name) for name in STEP_URLS.values()] + [reverse("logout")]
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path in allowed or path.startswith(static)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending_step(request.user)
        # The templates hide the menu while a step is pending: its links would only lead back here.
        request.two_factor_pending = step
        if step is not None and not self._exempt(request.path_info):
            target = reverse(STEP_URLS[step])
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
