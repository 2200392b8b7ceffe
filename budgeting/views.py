from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from budgeting.models import LineKind
from budgeting.services import budget_deadlines, budget_totals
from entity import access


@require_GET
@access.any_role_required
def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = (
        access.visible_budgets(request.user).select_related("module").order_by("-year", "module__number", "-version")
    )
    return render(request, "budgeting/budget_list.html", {"budgets": budgets})


@require_GET
@access.any_role_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget, can_edit = access.get_budget_for_user(request.user, pk)
    lines = list(budget.lines.select_related("function", "plus_municipality"))
    totals = budget_totals(budget)
    rows = [
        (line, [line.amount_in(offset, budget.indexation_percent) for offset in range(len(totals.years))])
        for line in lines
    ]
    return render(
        request,
        "budgeting/budget_detail.html",
        {
            "budget": budget,
            "can_edit": can_edit,
            "totals": totals,
            "personnel_rows": [r for r in rows if r[0].kind == LineKind.PERSONNEL],
            "other_rows": [r for r in rows if r[0].kind == LineKind.OTHER],
            "deadlines": budget_deadlines(budget, timezone.localdate()),
            "views": budget.council_views.select_related("municipality", "replied_by"),
            "decisions": budget.decisions.prefetch_related("votes__seat__person", "votes__seat__municipality"),
        },
    )
