"""The trail in /beheer/: to read and filter, never to add, change or delete."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry


class ModelFilter(admin.RelatedFieldListFilter):
    """Only the kinds of object that have entries, not every content type of the portal."""

    def field_choices(self, field, request, model_admin):
        used = AuditEntry.objects.values_list("content_type", flat=True).distinct()
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": used})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "who", "action", "content_type", "object_repr", "note"]
    list_filter = [("content_type", ModelFilter), "action", "at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["object_repr", "actor_name", "note"]
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    @admin.display(description=_("by"), ordering="actor_name")
    def who(self, obj: AuditEntry) -> str:
        return obj.actor_name or str(_("system"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
