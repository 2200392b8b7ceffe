"""The budget and the annual accounts as PDF documents, with the decision status on the cover."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.policy import any_role_required
from budgeting import services
from budgeting.models import LineKind
from budgeting.visibility import get_accounts_for_user, get_budget_for_user
from portal.pdf import pdf_response


def _or_reason(compute, *args) -> tuple[object | None, str | None]:
    """What ``compute(*args)`` gives, or None and the reason in Dutch when the cost split cannot
    be computed: the document is made all the same and says why (never a 500)."""
    try:
        return compute(*args), None
    except ValidationError as error:
        return None, " ".join(error.messages)


@require_GET
@any_role_required
def budget_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    totals = services.budget_totals(budget)
    changes = services.amendment_changes(budget) if budget.is_amendment else None
    rows = [
        (line, [line.amount_in(offset, budget.indexation_percent) for offset in range(len(totals.years))])
        for line in budget.lines.select_related("function", "plus_municipality")
    ]
    context = {
        "budget": budget,
        "totals": totals,
        "personnel_rows": [r for r in rows if r[0].kind == LineKind.PERSONNEL],
        "other_rows": [r for r in rows if r[0].kind == LineKind.OTHER],
        "activities": budget.activities.prefetch_related("functions", "budget_lines"),
        "packages": [(p, totals.plus.get(p.municipality)) for p in budget.plus_packages.select_related("municipality")],
        "changes": changes,
        "change_total": services.change_total(changes) if changes else None,
        "views": budget.council_views.select_related("municipality"),
        "decision": budget.decisions.filter(outcome="adopted").prefetch_related("votes").first(),
        "deadlines": services.budget_deadlines(budget, timezone.localdate()),
        "printed_on": timezone.localdate(),
    }
    context["allocation"], context["allocation_error"] = _or_reason(services.allocation_for, budget)
    slug = "begrotingswijziging" if budget.is_amendment else "begroting"
    name = f"{slug}-{budget.year}-module-{budget.module.number}-versie-{budget.version}.pdf"
    return pdf_response("budgeting/pdf/budget.html", context, name)


@require_GET
@any_role_required
def accounts_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, _can_edit = get_accounts_for_user(request.user, pk)
    summary = services.accounts_summary(accounts)
    settlement, settlement_error = (None, None) if summary.missing else _or_reason(services.settlement, accounts)
    context = {
        "accounts": accounts,
        "budget": accounts.budget,
        "summary": summary,
        "settlement": settlement,
        "settlement_error": settlement_error,
        "care_costs": services.care_costs(accounts),
        "results": accounts.activity_results.select_related("activity").order_by("activity__number"),
        "decision": accounts.decisions.filter(outcome="adopted").first(),
        "printed_on": timezone.localdate(),
    }
    name = f"jaarrekening-{accounts.year}-module-{accounts.budget.module.number}.pdf"
    return pdf_response("budgeting/pdf/accounts.html", context, name)
