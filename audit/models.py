"""The audit trail: one row per create, change, delete or state transition of a tracked object.

Rows are written by `audit.services` only and never change: every model and QuerySet path that
could edit or remove one refuses, like the freeze of adopted budgets (`budgeting.models.budget`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyQuerySet


class AuditTrailImmutable(Exception):
    """The trail is append-only; the message says so to whoever tried."""


def _refuse() -> None:
    raise AuditTrailImmutable(_("The audit trail cannot be changed or deleted."))


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    TRANSITION = "transition", _("status changed")


class AuditQuerySet(AppendOnlyQuerySet):
    """Bulk paths refuse as well, so no code can rewrite history with one UPDATE or DELETE."""

    def refuse(self):
        _refuse()

    def for_object(self, content_type: ContentType, object_id) -> AuditQuerySet:
        """The entries of the object itself and of the rows that belong to it (its lines,
        participations, memberships …), newest first."""
        object_id = str(object_id)
        return self.filter(
            models.Q(content_type=content_type, object_id=object_id)
            | models.Q(parent_content_type=content_type, parent_object_id=object_id)
        ).order_by("-at", "-id")

    def update(self, **kwargs):
        # The one update the database itself asks for: a deleted user's entries keep the name
        # snapshot and lose the link (on_delete=SET_NULL). Nothing else about an entry changes.
        if set(kwargs) == {"actor"} and kwargs["actor"] is None:
            return models.QuerySet.update(self, **kwargs)
        self.refuse()


class AuditEntry(models.Model):
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # A snapshot: the trail still says who it was after the user is deleted. Empty: the system
    # (a management command, the demo data), shown as such.
    actor_name = models.CharField(_("by (name)"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    # No single-column indexes on the two content types: the composite indexes below lead with
    # them, and every extra index slows the bulk insert of an import's entries.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of object"), db_index=False
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    # The document the object belongs to (a contract for its tariff lines, a municipality for its
    # memberships), so that document's history shows them too, also after they are deleted.
    parent_content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("belongs to"),
        db_index=False,
    )
    parent_object_id = models.CharField(_("belongs to (id)"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        # Only "view": nobody, not even a superuser through a permission, may add, change or delete.
        default_permissions = ("view",)
        # Related-object paths (cascades, SET_NULL) use the base manager: it must refuse too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object_at"),
            models.Index(fields=["parent_content_type", "parent_object_id", "at"], name="audit_parent_at"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d-%m-%Y %H:%M} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding or (self.pk is not None and AuditEntry.objects.filter(pk=self.pk).exists()):
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse()
