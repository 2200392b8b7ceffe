from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from budgeting.models import (
    AllocationKeyShare,
    AnnualAccounts,
    BoardDecision,
    Budget,
    BudgetLine,
    CouncilView,
    CycleStep,
    DeadlineRules,
    FinancialFrame,
    MemberVote,
    PlanActivity,
    RealisedLine,
    StatementDownload,
    StoredAllocation,
    StoredAllocationRow,
)
from entity.templatetags.portal import money


@admin.register(DeadlineRules)
class DeadlineRulesAdmin(admin.ModelAdmin):
    """The manager keeps the legal dates here when a regulation sets stricter ones."""

    def has_add_permission(self, request) -> bool:
        return not DeadlineRules.objects.exists() and super().has_add_permission(request)


class FrozenInline(admin.TabularInline):
    """An inline that offers no change at all once its document is adopted (the models refuse too)."""

    extra = 0

    # An adopted budget is frozen: the admin offers no way to change its lines either.
    def has_add_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)


class BudgetLineInline(FrozenInline):
    model = BudgetLine
    exclude = ["source_line"]


class KeyShareInline(FrozenInline):
    model = AllocationKeyShare


class PlanActivityInline(FrozenInline):
    model = PlanActivity
    fields = ["number", "title", "priority", "quarter"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "draft_sent_on", "ab_meeting_on", "adopted_on"]
    list_filter = ["status", "module", "year"]
    readonly_fields = [
        "status",
        "framework_sent_on",
        "draft_sent_on",
        "proposed_on",
        "adopted_on",
        "sent_to_province_on",
        "created_by",
    ]
    inlines = [BudgetLineInline, KeyShareInline, PlanActivityInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)


class VoteInline(admin.TabularInline):
    model = MemberVote
    extra = 0
    can_delete = False


@admin.register(BoardDecision)
class BoardDecisionAdmin(admin.ModelAdmin):
    list_display = ["budget", "meeting_on", "outcome", "minutes_reference"]
    inlines = [VoteInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a decision is a record of a meeting


@admin.register(CouncilView)
class CouncilViewAdmin(admin.ModelAdmin):
    list_display = ["budget", "municipality", "opinion", "decided_on", "replied_at"]
    list_filter = ["opinion"]


class RealisedLineInline(FrozenInline):
    model = RealisedLine
    raw_id_fields = ["line"]


@admin.register(AnnualAccounts)
class AnnualAccountsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "draft_sent_on", "adopted_on", "sent_to_province_on"]
    readonly_fields = [
        "budget",
        "status",
        "draft_sent_on",
        "proposed_on",
        "adopted_on",
        "sent_to_province_on",
        "created_by",
    ]
    inlines = [RealisedLineInline]

    def has_add_permission(self, request) -> bool:
        return False  # opened from the budget page, for the version in force

    def has_change_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)


@admin.register(CycleStep)
class CycleStepAdmin(admin.ModelAdmin):
    """The record of who took which step: readable, never editable."""

    list_display = ["__str__", "by", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatementDownload)
class StatementDownloadAdmin(CycleStepAdmin):
    """The log of every statement downloaded: readable, never editable."""

    list_display = ["at", "user", "kind", "budget", "accounts", "municipality"]
    list_filter = ["kind", "municipality"]
    date_hierarchy = "at"


@admin.register(FinancialFrame)
class FinancialFrameAdmin(admin.ModelAdmin):
    list_display = ["municipality", "module", "year", "amount", "recorded_by", "recorded_at"]
    list_filter = ["module", "year"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change) -> None:
        obj.recorded_by, obj.recorded_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


class ReadOnly:
    """Stored at adoption and never changed: readable in /beheer/, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StoredRowInline(ReadOnly, admin.TabularInline):
    model = StoredAllocationRow
    extra = 0
    fields = readonly_fields = [
        "municipality",
        "days",
        "inhabitants",
        "inhabitants_date",
        "key_percent",
        "share",
        "basic",
        "plus",
        "dvo",
        "care",
        "total",
        "settlement",
        "lines",
    ]

    @admin.display(description=_("items"))
    def lines(self, obj: StoredAllocationRow) -> str:
        items = ((item.label, money(item.amount)) for item in obj.items.all())
        return format_html_join(mark_safe("<br>"), "{}: {}", items) or "—"


@admin.register(StoredAllocation)
class StoredAllocationAdmin(ReadOnly, admin.ModelAdmin):
    """The allocation of each adopted document as the AB adopted it (and a budget's scenario)."""

    list_display = ["__str__", "year", "method", "total", "stored_at", "stored_by"]
    list_filter = ["year", "method"]
    fields = readonly_fields = [
        "budget",
        "accounts",
        "participants_on",
        "year",
        "days_in_year",
        "method",
        "reference_date",
        "basic_cost",
        "total",
        "row_count",
        "stored_at",
        "stored_by",
    ]
    inlines = [StoredRowInline]
