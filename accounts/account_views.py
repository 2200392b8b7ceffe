"""The public pages around the password: "Wachtwoord vergeten?" with its throttle. Choosing the
password (from an invitation or a reset link) is Django's own view with the portal's templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from accounts import services as accounts
from accounts.forms import ForgottenPasswordForm
from accounts.login_security import client_ip

HTTP_TOO_MANY_REQUESTS = 429


class ForgottenPasswordView(auth_views.PasswordResetView):
    """The same answer for every address (known or not); too many requests for one address or
    from one client within the window get a Dutch page with 429 and no mail."""

    form_class = ForgottenPasswordForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: ForgottenPasswordForm) -> HttpResponse:
        if not accounts.reset_request_allowed(form.cleaned_data["email"], client_ip(self.request)):
            context = {"minutes": accounts.window_minutes()}
            template = "registration/password_reset_throttled.html"
            return render(self.request, template, context, status=HTTP_TOO_MANY_REQUESTS)
        return super().form_valid(form)
