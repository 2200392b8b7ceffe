"""The transition programme in /beheer/: reference data of the kwartiermaker's programme, validated
in full and recorded in the trail; an issued progress report is shown, never changed."""

from django.contrib import admin

from audit.reference_admin import ReferenceDataAdmin, ReferenceDataInline, ReferenceDataStackedInline
from transition.models import (
    ChecklistItem,
    Criterion,
    Framework,
    GoNoGoDecision,
    Milestone,
    Programme,
    ProgressReport,
    Risk,
    StaffingLine,
)


class FrameworkInline(ReferenceDataInline):
    model = Framework


class CriterionInline(ReferenceDataInline):
    model = Criterion


class DecisionInline(ReferenceDataStackedInline):
    model = GoNoGoDecision


@admin.register(Programme)
class ProgrammeAdmin(ReferenceDataAdmin):
    list_display = ["name", "module", "goal_date"]
    filter_horizontal = ["joining"]
    inlines = [FrameworkInline, CriterionInline, DecisionInline]


@admin.register(Milestone)
class MilestoneAdmin(ReferenceDataAdmin):
    list_display = ["name", "programme", "responsible", "planned_end", "status", "done_on"]
    list_filter = ["programme", "status", "responsible"]


@admin.register(StaffingLine)
class StaffingLineAdmin(ReferenceDataAdmin):
    list_display = ["function", "region", "fte", "people", "vacancies", "hired_fte"]
    list_filter = ["programme", "region"]


@admin.register(Risk)
class RiskAdmin(ReferenceDataAdmin):
    list_display = ["description", "kind", "probability", "impact", "owner", "status"]
    list_filter = ["programme", "status", "kind"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReferenceDataAdmin):
    list_display = ["title", "basis", "done_on"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReferenceDataAdmin):
    """An issued report is frozen: the admin shows it, never changes it (the model refuses too)."""

    list_display = ["__str__", "programme", "issued_on", "issued_by"]
    readonly_fields = ["issued_on", "issued_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_issued) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_issued) and super().has_delete_permission(request, obj)
