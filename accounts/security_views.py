"""Pages of login security: the lockout page, two-factor verification and enrolment, the
user's own two-factor settings, and the manager's pages (lockouts, policy, lost phones)."""

from __future__ import annotations

import segno
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from access.policy import Capability, requires
from accounts import login_security as security
from accounts.forms import BackupCodeForm, OneTimeCodeForm, TwoFactorPolicyForm
from accounts.login_security import Step, two_factor_required

PENDING_KEY = "two_factor_pending_key"
NEW_CODES = "two_factor_new_codes"
# Where a user sent to enrolment was going: offered as "continue" once the backup codes are seen.
CONTINUE_TO = "two_factor_continue_to"
HTTP_TOO_MANY_REQUESTS = 429


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this for a locked-out login: the login page with the reason, 429."""
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    message = _(
        "Too many failed login attempts: logging in with this username from this address is blocked "
        "for %(minutes)d minutes. Try again after that, or ask a manager (leidinggevende) to unlock it."
    ) % {"minutes": security.cool_off_minutes()}
    context = {"form": form, "lockout_message": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=HTTP_TOO_MANY_REQUESTS)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _throttled(locked_until) -> str:
    return _("Too many wrong codes. Wait until %(time)s and try again.") % {
        "time": time_format(localtime(locked_until), "H:i:s")
    }


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login: a code from the app, or one of the backup codes."""
    step = security.pending_step(request.user)
    if step is None:
        return redirect(_next_url(request))
    if step == Step.ENROL:
        return redirect("account:two_factor_enrol")
    backup = "backup_code" in request.POST
    form = OneTimeCodeForm(request.POST if request.method == "POST" and not backup else None)
    backup_form = BackupCodeForm(request.POST if backup else None)
    bound = backup_form if backup else form
    if request.method == "POST" and bound.is_valid():
        token = bound.cleaned_data["backup_code" if backup else "code"]
        result = security.verify(request.user, token, backup=backup)
        if result.device is not None:
            otp_login(request, result.device)
            return redirect(_next_url(request))
        error = _throttled(result.locked_until) if result.locked_until else _("This code is not correct.")
        bound.add_error("backup_code" if backup else "code", error)
    context = {"form": form, "backup_form": backup_form, "next": _next_url(request)}
    return render(request, "account/two_factor_verify.html", context)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then confirm with the first code."""
    if security.has_two_factor(request.user):
        # A second phone would need the first one's code: go through the verification instead.
        if security.pending_step(request.user) == Step.VERIFY:
            return redirect("account:two_factor_verify")
        messages.info(request, _("Two-factor verification is already on for your account."))
        return redirect("account:two_factor")
    key = request.session.get(PENDING_KEY) or security.new_key()
    request.session[PENDING_KEY] = key
    form = OneTimeCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        enrolled = security.confirm_enrolment(request.user, key, form.cleaned_data["code"])
        if enrolled is not None:
            device, codes = enrolled
            del request.session[PENDING_KEY]
            otp_login(request, device)
            request.session[NEW_CODES] = codes
            if request.GET.get("next"):
                request.session[CONTINUE_TO] = _next_url(request)
            messages.success(request, _("Two-factor verification is on. Keep your backup codes safe."))
            return redirect("account:two_factor")
        form.add_error("code", _("This code is not correct. Check the time on your phone and try the new code."))
    qr = segno.make(security.config_url(request.user, key), error="m")
    svg = qr.svg_inline(scale=5, border=2, title=_("QR code for the authenticator app"))
    svg = svg.replace("<svg ", '<svg role="img" ', 1)  # the <title> is its text alternative
    context = {
        "form": form,
        "qr_svg": mark_safe(svg),  # segno writes the SVG itself; no user text in it but the escaped title
        "secret": security.secret_for_display(key),
        "required": security.pending_step(request.user) == Step.ENROL,
    }
    return render(request, "account/two_factor_enrol.html", context)


@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "device": security.app_device(user),
        "required": two_factor_required(user),
        "backup_left": security.backup_codes_left(user),
        "new_codes": request.session.pop(NEW_CODES, None),
        "continue_to": request.session.pop(CONTINUE_TO, None),
        "form": OneTimeCodeForm(),
    }
    return render(request, "account/two_factor.html", context)


@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    if two_factor_required(request.user):
        messages.error(request, _("Your role requires two-factor verification; it cannot be switched off."))
        return redirect("account:two_factor")
    form = OneTimeCodeForm(request.POST)
    result = security.verify(request.user, form.cleaned_data["code"]) if form.is_valid() else None
    if result is None or result.device is None:
        text = _throttled(result.locked_until) if result and result.locked_until else _("This code is not correct.")
        messages.error(request, _("Two-factor verification is still on: %(reason)s") % {"reason": text})
        return redirect("account:two_factor")
    security.remove_devices(request.user)
    messages.success(request, _("Two-factor verification is off for your account."))
    return redirect("account:two_factor")


@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not security.has_two_factor(request.user):
        return redirect("account:two_factor")
    request.session[NEW_CODES] = security.new_backup_codes(request.user)
    messages.success(request, _("New backup codes made; the old ones no longer work."))
    return redirect("account:two_factor")


# --- The manager's pages ---------------------------------------------------------------------


@require_GET
@requires(Capability.MANAGE_LOGIN_SECURITY)
def lockouts(request: HttpRequest) -> HttpResponse:
    context = {
        "lockouts": security.lockouts_with_end(),
        "minutes": security.cool_off_minutes(),
        "limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "account/lockouts.html", context)


@require_POST
@requires(Capability.MANAGE_LOGIN_SECURITY)
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    security.unlock(attempt, by=request.user)
    messages.success(
        request,
        _("%(username)s can log in again from %(ip)s.") % {"username": attempt.username, "ip": attempt.ip_address},
    )
    return redirect("account:lockouts")


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_LOGIN_SECURITY)
def policy(request: HttpRequest) -> HttpResponse:
    form = TwoFactorPolicyForm(
        request.POST if request.method == "POST" else None, initial={"roles": sorted(security.required_roles())}
    )
    if form.is_valid():
        security.set_required_roles(set(form.cleaned_data["roles"]), by=request.user)
        messages.success(request, _("The two-factor policy has been saved."))
        return redirect("account:two_factor_policy")
    return render(request, "account/two_factor_policy.html", {"form": form})


@require_GET
@requires(Capability.MANAGE_LOGIN_SECURITY)
def two_factor_users(request: HttpRequest) -> HttpResponse:
    return render(request, "account/two_factor_users.html", {"users": security.users_with_two_factor()})


@require_POST
@requires(Capability.MANAGE_LOGIN_SECURITY)
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    security.reset_devices(user, by=request.user)
    messages.success(
        request,
        _("The two-factor devices of %(username)s have been removed.") % {"username": user.get_username()},
    )
    return redirect("account:two_factor_users")
