from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.reference_admin import ReferenceDataAdmin, ReferenceDataInline
from entity.models import BoardSeat, Function, Membership, Module, MunicipalityContact


class MembershipInline(ReferenceDataInline):
    model = Membership
    autocomplete_fields = ["municipality"]


@admin.register(Module)
class ModuleAdmin(ReferenceDataAdmin):
    list_display = ["number", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReferenceDataAdmin):
    list_display = ["municipality", "module_number", "start_date", "end_date", "decision"]

    @admin.display(description=_("module"), ordering="module__number")
    def module_number(self, obj: Membership) -> int:
        return obj.module.number

    list_filter = ["module", "municipality__region"]
    search_fields = ["municipality__name", "decision"]
    autocomplete_fields = ["municipality"]


@admin.register(Function)
class FunctionAdmin(ReferenceDataAdmin):
    list_display = ["number", "name"]


@admin.register(BoardSeat)
class BoardSeatAdmin(ReferenceDataAdmin):
    list_display = ["person_name", "body", "position", "municipality", "start_date", "end_date"]

    @admin.display(description=_("person"), ordering="person__last_name")
    def person_name(self, obj: BoardSeat) -> str:
        return obj.person.get_full_name() or obj.person.get_username()

    list_filter = ["body", "position"]
    search_fields = ["person__first_name", "person__last_name", "municipality__name"]
    autocomplete_fields = ["person", "municipality"]


@admin.register(MunicipalityContact)
class MunicipalityContactAdmin(ReferenceDataAdmin):
    list_display = ["user", "municipality"]
    search_fields = ["user__username", "user__last_name", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]
