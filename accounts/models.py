"""What logging in keeps: which roles must use a second factor, and the forgotten-password throttle.

Both tables were made by the entity app and keep their names (``db_table``): the models moved
here without touching the database (accounts/migrations/0001_initial.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TwoFactorPolicy(models.Model):
    """Whether the members of a role (a group) must log in with a second factor.

    No row, or ``required`` off, means the role may choose; a manager switches it on per role.
    """

    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, related_name="two_factor_policy", verbose_name=_("role")
    )
    required = models.BooleanField(_("two-factor login required"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policies")
        ordering = ["group__name"]
        db_table = "entity_twofactorpolicy"  # made by the entity app, before this app existed

    def __str__(self) -> str:
        return str(self.group)


class PasswordResetRequest(models.Model):
    """One answered request on the "forgotten password" page, kept for the throttle only (see
    ``accounts.services``). The e-mail address is kept as a keyed digest, never as itself: the
    table says nothing about who has an account or who asked."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    email_digest = models.CharField(_("e-mail address (digest)"), max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        default_permissions = ()
        db_table = "entity_passwordresetrequest"  # made by the entity app, before this app existed

    def __str__(self) -> str:
        return f"{self.at:%d-%m-%Y %H:%M} {self.ip_address or ''}"
