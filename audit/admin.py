"""The trail in /beheer/: to read and filter, never to add, change or delete."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.presentation import history_rows
from portal.admin import ReadOnlyAdmin


class ModelFilter(admin.RelatedFieldListFilter):
    """Only the kinds of object that have entries, not every content type of the portal."""

    def field_choices(self, field, request, model_admin):
        used = AuditEntry.objects.values_list("content_type", flat=True).distinct()
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": used})


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "who", "action", "content_type", "object_repr", "note"]
    list_filter = [("content_type", ModelFilter), "action", "at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["object_repr", "actor_name", "note"]
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    # The changes as the history page shows them (labels and values in Dutch), not the stored JSON.
    fields = readonly_fields = [f.name for f in AuditEntry._meta.fields if f.name not in ("id", "changes")] + [
        "changes_read"
    ]

    @admin.display(description=_("changes"))
    def changes_read(self, obj: AuditEntry) -> str:
        row = history_rows([obj], obj.content_type, obj.object_id)[0]
        lines = [
            f"{capfirst(c.label)}: {c.old} → {c.new}"
            if None not in (c.old, c.new)
            else f"{capfirst(c.label)}: {c.new or c.old}"
            for c in row.changes
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"

    @admin.display(description=_("by"), ordering="actor_name")
    def who(self, obj: AuditEntry) -> str:
        return obj.actor_name or str(_("system"))
