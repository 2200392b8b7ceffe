from django.contrib import admin

from entity.models import BoardSeat, Function, Membership, Module, MunicipalityContact


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["municipality", "module", "start_date", "end_date", "decision"]
    list_filter = ["module", "municipality__region"]
    search_fields = ["municipality__name", "decision"]
    autocomplete_fields = ["municipality"]


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]


@admin.register(BoardSeat)
class BoardSeatAdmin(admin.ModelAdmin):
    list_display = ["person", "body", "position", "municipality", "start_date", "end_date"]
    list_filter = ["body", "position"]
    search_fields = ["person__first_name", "person__last_name", "municipality__name"]
    autocomplete_fields = ["person", "municipality"]


@admin.register(MunicipalityContact)
class MunicipalityContactAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality"]
    search_fields = ["user__username", "user__last_name", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]
