"""Login security as plain functions: lockouts (django-axes) and two-factor login (django-otp).

The views only call these; who may call them is decided in ``access/policy.py``. Every action a
manager takes on someone else's login (unlock, removing a lost phone) is written to Django's
admin log on that user, so ``/beheer/`` shows who did it and when in the user's history.
"""

from __future__ import annotations

import datetime
import ipaddress
from base64 import b32encode
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from access.policy import implicit_role_names, role_names
from accounts.models import TwoFactorPolicy

BACKUP_CODE_COUNT = 8
APP_DEVICE_NAME = "Authenticator-app"
BACKUP_DEVICE_NAME = "Herstelcodes"


def _record(by: User, user: User, message: str) -> None:
    LogEntry.objects.log_actions(user_id=by.pk, queryset=[user], action_flag=CHANGE, change_message=message)


# --- Lockouts --------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The address a lockout is kept for. Behind ``TRUSTED_PROXY_COUNT`` proxies it is the entry
    that many places from the right of X-Forwarded-For: each proxy appends the address it was
    called from, so entries further left are whatever the client chose to send."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def cool_off_minutes() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def current_lockouts(now: datetime.datetime | None = None) -> QuerySet[AccessAttempt]:
    """Username/address pairs that are locked out now: enough failures within the cool-off."""
    now = now or timezone.now()
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    return attempts.order_by("-attempt_time")


def lockouts_with_end(now: datetime.datetime | None = None) -> list[tuple[AccessAttempt, datetime.datetime | None]]:
    """Each current lockout with when it ends by itself (a failure during it starts it again)."""
    cool_off = get_cool_off()
    return [(a, a.attempt_time + cool_off if cool_off else None) for a in current_lockouts(now)]


def unlock(attempt: AccessAttempt, by: User) -> int:
    """Lift the lockout of this username from this address; the count of attempts removed."""
    count = AxesProxyHandler.reset_attempts(ip_address=attempt.ip_address, username=attempt.username)
    user = User.objects.filter(username=attempt.username).first()
    if user is not None:
        _record(by, user, _("Login unlocked (address %(ip)s).") % {"ip": attempt.ip_address})
    return count


# --- Two-factor policy -----------------------------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """A manager requires a second factor for one of the user's roles."""
    if not user.is_authenticated:
        return False
    # One query on every page of a logged-in user (the middleware asks), joined to the groups; a
    # superuser also counts for the roles it has without their group (the manager's).
    mine = Q(group__user=user) | Q(group__name__in=implicit_role_names(user))
    return TwoFactorPolicy.objects.filter(mine, required=True).exists()


def required_roles() -> set[str]:
    return set(TwoFactorPolicy.objects.filter(required=True).values_list("group__name", flat=True))


@transaction.atomic
def set_required_roles(names: set[str], by: User) -> None:
    """Require a second factor for exactly the roles in ``names`` (their group names)."""
    for role in role_names():
        group, _created = Group.objects.get_or_create(name=role)
        policy, created = TwoFactorPolicy.objects.get_or_create(group=group)
        required = role in names
        if created or policy.required != required:
            policy.required = required
            policy.changed_by = by
            policy.save()


class Step(StrEnum):
    VERIFY = "verify"
    ENROL = "enrol"


def pending_step(user: Any) -> Step | None:
    """What a logged-in user who has not given a code yet must do before anything else."""
    if not user.is_authenticated or getattr(user, "otp_device", None) is not None:
        return None
    # The app is the device that counts: backup codes only come with it (one query per page).
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return Step.VERIFY
    if two_factor_required(user):
        return Step.ENROL
    return None


# --- Enrolment, verification, switching off --------------------------------------------------


def new_key() -> str:
    return random_hex(20)


def secret_for_display(key: str) -> str:
    """The base32 secret in groups of four, for typing it into an app that cannot scan."""
    secret = b32encode(bytes.fromhex(key)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def config_url(user: User, key: str) -> str:
    return TOTPDevice(user=user, key=key).config_url


def _clean(token: str) -> str:
    return "".join(token.split())


@transaction.atomic
def confirm_enrolment(user: User, key: str, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """The app's first code proves the phone has the secret: then the device and a set of
    backup codes are stored. None when the code is wrong (nothing is saved)."""
    token = _clean(token)
    if not token.isdigit() or len(token) != 6:
        return None
    totp = TOTP(bytes.fromhex(key))
    if not totp.verify(int(token), tolerance=1):
        return None
    # Replacing an earlier (lost) set of devices: the new phone is the only one.
    remove_devices(user)
    # last_t stops the same code from being used again for the first login.
    device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t())
    return device, new_backup_codes(user)


def new_backup_codes(user: User) -> list[str]:
    """Replace the user's backup codes with a new set; each code works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice | None
    locked_until: datetime.datetime | None = None


def verify(user: User, token: str, backup: bool = False) -> Verification:
    """Check a code from the app (or a backup code) with django-otp's throttling: after each
    wrong code the next try must wait twice as long (1, 2, 4 … seconds)."""
    model = StaticDevice if backup else TOTPDevice
    token = _clean(token).lower()
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                return Verification(None, (info or {}).get("locked_until"))
            if token and device.verify_token(token):
                return Verification(device)
    return Verification(None)


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def app_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def remove_devices(user: User) -> int:
    totp, _d = TOTPDevice.objects.filter(user=user).delete()
    static, _d = StaticDevice.objects.filter(user=user).delete()
    return totp + static


def reset_devices(user: User, by: User) -> int:
    """A manager removes a user's devices (a lost phone); the user enrols again at next login
    when a role requires it. Not one's own: that is switched off on one's own page, with a code."""
    if user.pk == by.pk:
        raise PermissionDenied(_("Your own second factor is switched off on your own page, with a code."))
    with transaction.atomic():
        count = remove_devices(user)
        _record(by, user, _("Two-factor devices removed (lost or replaced phone)."))
    return count


def users_with_two_factor() -> QuerySet[User]:
    return (
        User.objects.filter(totpdevice__confirmed=True)
        .distinct()
        .order_by("username")
        .prefetch_related("totpdevice_set")
    )
