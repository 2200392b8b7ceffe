"""Accounts as plain functions: roles, the e-mails with a one-time link to choose a password
(invitation, forgotten password, a manager's reset), the throttle of "Wachtwoord vergeten?", and
the guards that keep superuser status, permissions and the manager role out of a manager's
reach on every path, not only in the admin's form.

Who may do what is decided in ``access/policy.py``; the admin (``accounts/admin.py``) and
the views (``accounts/account_views.py``) only call these.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, pre_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from access import policy
from accounts.models import PasswordResetRequest
from audit.context import current_user
from audit.services import record_transition

logger = logging.getLogger(__name__)

# What a mail server that is down, refuses or does not answer raises (socket errors are OSError).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


class LinkKind(StrEnum):
    """The template set of the mail: a new account's invitation, or a new password."""

    INVITATION = "invitation"
    RESET = "reset"


def record(by: User, account: User, message: str) -> None:
    """In the account's history in /beheer/ (as the login-security actions) and the audit trail."""
    LogEntry.objects.log_actions(user_id=by.pk, queryset=[account], action_flag=CHANGE, change_message=message)
    record_transition(account, {}, by=by, reason=message)


# --- Roles ---------------------------------------------------------------------------------


def role_names(account: User) -> set[str]:
    return set(account.groups.filter(name__in=policy.role_names()).values_list("name", flat=True))


@transaction.atomic
def set_roles(account: User, roles: Iterable[str], by: User) -> None:
    """Give the account exactly these portal roles. A role ``by`` may not assign (the manager
    role, for anyone but a superuser) stays as it was; changing it is refused. Access to
    /beheer/ (is_staff) follows the manager role."""
    wanted = set(roles)
    current = role_names(account)
    allowed = policy.assignable_role_names(by)
    if (wanted ^ current) - allowed:
        raise PermissionDenied(_("Only a superuser grants or removes the manager role."))
    account.groups.remove(*Group.objects.filter(name__in=current - wanted))
    account.groups.add(*Group.objects.filter(name__in=wanted - current))
    staff = account.is_superuser or policy.manager_group_name() in wanted
    if account.is_staff != staff:
        account.is_staff = staff
        account.save(update_fields=["is_staff"])


# --- E-mails with a link to choose a password ----------------------------------------------


def password_link(account: User) -> str:
    """The one-time link: Django's token is bound to the password (so it works once), the last
    login and the e-mail address, and expires after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    return settings.PORTAL_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def link_days() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)


def send_mail(to: str, template: str, context: dict[str, Any], html: bool = True) -> None:
    """``template``_subject.txt, _email.txt and (with ``html``) _email.html, in Dutch."""
    context = {"portal_url": settings.PORTAL_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        message = EmailMultiAlternatives(subject, render_to_string(f"{template}_email.txt", context), to=[to])
        if html:
            message.attach_alternative(render_to_string(f"{template}_email.html", context), "text/html")
    message.send()


def display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def send_password_link(account: User, by: User | None = None) -> LinkKind:
    """Mail the account a link to choose its password: an invitation while it has none yet, a
    reset otherwise. ``by``: the manager who sent it, recorded in the account's history. Raises
    one of MAIL_ERRORS when the mail server does not take the message."""
    kind = LinkKind.RESET if account.has_usable_password() else LinkKind.INVITATION
    context = {
        "name": display_name(account),
        "username": account.get_username(),
        "link": password_link(account),
        "days": link_days(),
        "by_name": display_name(by) if by is not None else "",
    }
    send_mail(account.email, f"registration/{kind}", context)
    if by is not None:
        message = (
            _("Invitation to choose a password sent to %(email)s.")
            if kind == LinkKind.INVITATION
            else _("Link to choose a new password sent to %(email)s.")
        )
        record(by, account, message % {"email": account.email})
    return kind


def notify_email_changed(account: User, old_address: str, by: User) -> None:
    """Tell the old address that someone else changed it: a changed address plus a reset link
    would otherwise hand the account over without its owner knowing."""
    context = {"name": display_name(account), "username": account.get_username(), "by_name": display_name(by)}
    send_mail(old_address, "registration/email_changed", context, html=False)


# --- "Wachtwoord vergeten?" ------------------------------------------------------------------


def accounts_for_email(email: str) -> QuerySet[User]:
    """The active accounts with this address, also one that never chose a password (an expired
    invitation is renewed this way)."""
    email = email.strip()
    if not email:
        return User.objects.none()
    return User.objects.filter(email__iexact=email, is_active=True)


def _digest(email: str) -> str:
    # The salt names the module's old place (entity/accounts.py) and must stay: the stored digests
    # of the throttle window were made with it.
    return salted_hmac("entity.accounts.password-reset", email.strip().lower(), algorithm="sha256").hexdigest()


def reset_request_allowed(email: str, ip_address: str | None, now: datetime.datetime | None = None) -> bool:
    """Count this request unless the address or the client asked too often within the window.
    Known and unknown addresses count alike, so the answer tells nothing about an account."""
    now = now or timezone.now()
    since = now - settings.PASSWORD_RESET_WINDOW
    PasswordResetRequest.objects.filter(at__lt=since).delete()
    recent = PasswordResetRequest.objects.filter(at__gte=since)
    digest = _digest(email)
    if recent.filter(email_digest=digest).count() >= settings.PASSWORD_RESET_LIMIT_PER_EMAIL:
        return False
    if ip_address and recent.filter(ip_address=ip_address).count() >= settings.PASSWORD_RESET_LIMIT_PER_IP:
        return False
    PasswordResetRequest.objects.create(at=now, email_digest=digest, ip_address=ip_address)
    return True


def window_minutes() -> int:
    return int(settings.PASSWORD_RESET_WINDOW.total_seconds() // 60)


# --- Guards on every path ------------------------------------------------------------------
# The admin's form offers none of this; these refuse it also from any other code that runs for a
# logged-in user who is not a superuser. Code without a user (createsuperuser, migrations, the
# demo data, the shell) is the server's own and is not limited.


def _acting_non_superuser() -> User | None:
    actor = current_user()
    return actor if actor is not None and not actor.is_superuser else None


def _refuse() -> None:
    raise PermissionDenied(_("Only a superuser changes superuser status, permissions or the manager role."))


def guard_superuser_flag(sender: Any, instance: User, update_fields=None, **kwargs: Any) -> None:
    if update_fields is not None and "is_superuser" not in update_fields:
        return
    if _acting_non_superuser() is None:
        return
    before = User.objects.filter(pk=instance.pk).values_list("is_superuser", flat=True).first() if instance.pk else None
    if bool(before) != instance.is_superuser:
        _refuse()


def guard_group_membership(sender: Any, instance: Any, action: str, reverse: bool, pk_set=None, **kwargs: Any) -> None:
    """Joining or leaving the manager group (from either side of the relation)."""
    if action not in ("pre_add", "pre_remove", "pre_clear") or _acting_non_superuser() is None:
        return
    manager = Group.objects.filter(name=policy.manager_group_name()).values_list("pk", flat=True).first()
    if reverse:
        touched = instance.pk == manager
    elif action == "pre_clear":
        touched = instance.groups.filter(pk=manager).exists()
    else:
        touched = manager in (pk_set or ())
    if touched:
        _refuse()


def guard_permissions(sender: Any, action: str, **kwargs: Any) -> None:
    """Direct user permissions and a group's permissions."""
    if action in ("pre_add", "pre_remove", "pre_clear") and _acting_non_superuser() is not None:
        _refuse()


def connect_guards() -> None:
    pre_save.connect(guard_superuser_flag, sender=User, dispatch_uid="accounts.superuser")
    m2m_changed.connect(guard_group_membership, sender=User.groups.through, dispatch_uid="accounts.groups")
    m2m_changed.connect(guard_permissions, sender=User.user_permissions.through, dispatch_uid="accounts.user_perms")
    m2m_changed.connect(guard_permissions, sender=Group.permissions.through, dispatch_uid="accounts.group_perms")
