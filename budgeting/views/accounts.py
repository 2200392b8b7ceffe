"""The annual accounts: realisation, the CSV import, the DB's steps and the AB's decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Capability, any_role_required, can, requires
from budgeting import services
from budgeting.forms import AccountsStepForm, RealisationForm, RealisedImportForm
from budgeting.views.budgets import decision_page
from budgeting.visibility import get_accounts_for_user, get_budget_for_user
from municipalities.visibility import own_municipality

office_only = requires(Capability.PREPARE_DOCUMENTS)


def _error_text(error: Exception) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


@require_POST
@office_only
def accounts_start(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    try:
        accounts = services.open_accounts(budget, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(budget.get_absolute_url())
    messages.success(request, _("%(name)s is started: enter the realised amounts.") % {"name": accounts})
    return redirect(accounts.get_absolute_url())


@require_GET
@any_role_required
def accounts_detail(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, can_edit = get_accounts_for_user(request.user, pk)
    own = own_municipality(request.user)
    summary = services.accounts_summary(accounts)
    try:
        settlement = services.settlement(accounts) if not summary.missing else None
        care_costs, settlement_error = services.care_costs(accounts), None
    except ValidationError as error:
        settlement, care_costs, settlement_error = None, [], _error_text(error)
    return render(
        request,
        "budgeting/accounts_detail.html",
        {
            "accounts": accounts,
            "budget": accounts.budget,
            "can_edit": can_edit,
            "summary": summary,
            "settlement": settlement,
            "settlement_error": settlement_error,
            "care_costs": care_costs,
            "results": accounts.activity_results.select_related("activity").order_by("activity__number"),
            "deadlines": services.accounts_deadlines(accounts, timezone.localdate()),
            "steps": accounts.steps.select_related("by"),
            "decisions": accounts.decisions.prefetch_related("votes__seat__person", "votes__seat__municipality"),
            "may_take_db_step": can(request.user, Capability.TAKE_DB_STEP),
            "may_decide": can(request.user, Capability.DECIDE_AS_AB),
            "step_form": AccountsStepForm(initial={"on": timezone.localdate()}),
            "import_form": RealisedImportForm(),
            "may_see_table": can(request.user, Capability.SEE_ALLOCATION_TABLE),
            "own": own if own and services.has_statement(accounts, own) else None,
        },
    )


@require_http_methods(["GET", "POST"])
@office_only
def accounts_edit(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, can_edit = get_accounts_for_user(request.user, pk)
    if not can_edit:
        messages.error(request, _("These annual accounts have been adopted; they cannot change."))
        return redirect(accounts.get_absolute_url())
    form = RealisationForm(
        request.POST or None,
        accounts=accounts,
        rows=services.accounts_summary(accounts).rows,
        activities=list(accounts.budget.activities.all()),
        results={r.activity_id: r for r in accounts.activity_results.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_realised(accounts, form.realised_values())
            services.save_activity_results(accounts, form.activity_values(), form.cleaned_data["services_delivered"])
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("The realisation is saved."))
            return redirect(accounts.get_absolute_url())
    return render(request, "budgeting/accounts_form.html", {"accounts": accounts, "form": form})


@require_POST
@office_only
def accounts_import(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, can_edit = get_accounts_for_user(request.user, pk)
    form = RealisedImportForm(request.POST, request.FILES)
    try:
        if not can_edit:
            raise ValidationError(_("These annual accounts have been adopted; they cannot change."))
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        changed = services.import_realised_csv(accounts, form.cleaned_data["file"].read())
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
    else:
        messages.success(request, _("Imported: %(count)d lines changed.") % {"count": changed})
    return redirect(accounts.get_absolute_url())


@require_GET
@office_only
def accounts_template(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, _can_edit = get_accounts_for_user(request.user, pk)
    response = HttpResponse("\ufeff" + services.realised_template_csv(accounts), content_type="text/csv; charset=utf-8")
    name = f"realisatie-{accounts.year}-module-{accounts.budget.module.number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


ACCOUNT_STEPS = {
    "draft": services.send_accounts_to_councils,
    "propose": services.propose_accounts,
    "province": services.send_to_province,
}


@require_POST
@requires(Capability.TAKE_DB_STEP)
def accounts_step(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, _can_edit = get_accounts_for_user(request.user, pk)
    form = AccountsStepForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        if form.cleaned_data["step"] != accounts.next_db_step:
            raise ValidationError(_("This step is not the next one for this document."))
        ACCOUNT_STEPS[form.cleaned_data["step"]](accounts, by=request.user, on=form.cleaned_data["on"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        message = _("Done: the annual accounts are now %(status)s.")
        messages.success(request, message % {"status": accounts.get_status_display()})
    return redirect(accounts.get_absolute_url())


@require_http_methods(["GET", "POST"])
@requires(Capability.DECIDE_AS_AB)
def accounts_decide(request: HttpRequest, pk: int) -> HttpResponse:
    accounts, _can_edit = get_accounts_for_user(request.user, pk)
    return decision_page(request, accounts, timezone.localdate())
