"""The implementation plan of a budget: activities and the plus packages per municipality."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Capability, any_role_required, requires
from budgeting.forms import PlanActivityForm, PlusPackageForm
from budgeting.models import Budget, BudgetFrozenError, PlanActivity, PlusPackage
from budgeting.services import budget_totals
from budgeting.visibility import get_budget_for_user

office_only = requires(Capability.PREPARE_DOCUMENTS)


def _editable(request: HttpRequest, pk: int) -> Budget | None:
    budget, can_edit = get_budget_for_user(request.user, pk)
    if not can_edit:
        messages.error(request, _("The plan of this document can no longer change at this stage."))
        return None
    return budget


@require_GET
@any_role_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    budget, can_edit = get_budget_for_user(request.user, pk)
    totals = budget_totals(budget)
    packages = list(budget.plus_packages.select_related("municipality"))
    described = {p.municipality for p in packages}
    return render(
        request,
        "budgeting/plan.html",
        {
            "budget": budget,
            "can_edit": can_edit,
            "activities": budget.activities.prefetch_related("functions", "budget_lines"),
            "packages": [(p, totals.plus.get(p.municipality)) for p in packages],
            # Plus lines whose municipality has no description of its package yet.
            "undescribed": [(m, amount) for m, amount in totals.plus.items() if m not in described],
        },
    )


@require_http_methods(["GET", "POST"])
@office_only
def activity_form(request: HttpRequest, pk: int, activity_pk: int | None = None) -> HttpResponse:
    budget = _editable(request, pk)
    if budget is None:
        return redirect("budgeting:plan", pk=pk)
    activity = get_object_or_404(PlanActivity, pk=activity_pk, budget=budget) if activity_pk else None
    form = PlanActivityForm(request.POST or None, instance=activity or PlanActivity(budget=budget))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Activity “%(name)s” saved.") % {"name": form.instance})
        return redirect("budgeting:plan", pk=budget.pk)
    return render(request, "budgeting/activity_form.html", {"budget": budget, "form": form, "activity": activity})


@require_http_methods(["GET", "POST"])
@office_only
def plus_form(request: HttpRequest, pk: int, package_pk: int | None = None) -> HttpResponse:
    budget = _editable(request, pk)
    if budget is None:
        return redirect("budgeting:plan", pk=pk)
    package = get_object_or_404(PlusPackage, pk=package_pk, budget=budget) if package_pk else None
    form = PlusPackageForm(request.POST or None, instance=package or PlusPackage(budget=budget))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The plus package of %(name)s is saved.") % {"name": form.instance.municipality})
        return redirect("budgeting:plan", pk=budget.pk)
    return render(request, "budgeting/plus_form.html", {"budget": budget, "form": form, "package": package})


@require_POST
@office_only
def plan_item_delete(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    budget, can_edit = get_budget_for_user(request.user, pk)
    model = {"activiteit": PlanActivity, "pluspakket": PlusPackage}.get(kind)
    if model is None:
        raise Http404(_("No such part of the plan."))
    item = get_object_or_404(model, pk=item_pk, budget=budget)
    try:
        if not can_edit:
            raise BudgetFrozenError(_("The plan of this document can no longer change at this stage."))
        item.delete()
    except BudgetFrozenError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed from the implementation plan."))
    return redirect("budgeting:plan", pk=budget.pk)
