"""The budget cycle in /beheer/: its documents and records are shown, never changed (they change
only through the cycle in the portal: the DB's steps, the AB's decision, the freeze); the deadline
rules and the municipalities' financial frames are reference data."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from audit.reference_admin import ReferenceDataAdmin
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
from portal.admin import ReadOnlyAdmin, ReadOnlyInline
from portal.templatetags.portal import money


@admin.register(DeadlineRules)
class DeadlineRulesAdmin(ReferenceDataAdmin):
    """The manager keeps the legal dates here when a regulation sets stricter ones."""

    def has_add_permission(self, request) -> bool:
        return not DeadlineRules.objects.exists() and super().has_add_permission(request)


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    exclude = ["source_line"]


class KeyShareInline(ReadOnlyInline):
    model = AllocationKeyShare


class PlanActivityInline(ReadOnlyInline):
    model = PlanActivity
    fields = ["number", "title", "priority", "quarter"]


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    """Budgets and amendments, with their lines, key and plan: made and changed in the portal."""

    list_display = ["__str__", "status", "draft_sent_on", "ab_meeting_on", "adopted_on"]
    list_filter = ["status", "module", "year"]
    inlines = [BudgetLineInline, KeyShareInline, PlanActivityInline]


class VoteInline(ReadOnlyInline):
    model = MemberVote


@admin.register(BoardDecision)
class BoardDecisionAdmin(ReadOnlyAdmin):
    """A decision is the record of a meeting."""

    list_display = ["budget", "meeting_on", "outcome", "minutes_reference"]
    inlines = [VoteInline]


@admin.register(CouncilView)
class CouncilViewAdmin(ReadOnlyAdmin):
    """A council's view and the DB's reply are recorded on the budget's page."""

    list_display = ["budget", "municipality", "opinion", "decided_on", "replied_at"]
    list_filter = ["opinion"]


class RealisedLineInline(ReadOnlyInline):
    model = RealisedLine


@admin.register(AnnualAccounts)
class AnnualAccountsAdmin(ReadOnlyAdmin):
    """Opened from the budget page for the version in force; filled and adopted in the portal."""

    list_display = ["__str__", "status", "draft_sent_on", "adopted_on", "sent_to_province_on"]
    inlines = [RealisedLineInline]


@admin.register(CycleStep)
class CycleStepAdmin(ReadOnlyAdmin):
    """The record of who took which step."""

    list_display = ["__str__", "by", "at"]


@admin.register(StatementDownload)
class StatementDownloadAdmin(ReadOnlyAdmin):
    """The log of every statement downloaded."""

    list_display = ["at", "user", "kind", "budget", "accounts", "municipality"]
    list_filter = ["kind", "municipality"]
    date_hierarchy = "at"


@admin.register(FinancialFrame)
class FinancialFrameAdmin(ReferenceDataAdmin):
    list_display = ["municipality", "module", "year", "amount", "recorded_by", "recorded_at"]
    list_filter = ["module", "year"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def fill(self, request, obj: FinancialFrame) -> None:
        obj.recorded_by, obj.recorded_at = request.user, timezone.now()


class StoredRowInline(ReadOnlyInline):
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
class StoredAllocationAdmin(ReadOnlyAdmin):
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
