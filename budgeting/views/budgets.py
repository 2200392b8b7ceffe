"""The budget and its amendments: lines, the DB's steps, council views and the AB's decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Capability, any_role_required, can, is_internal, requires
from budgeting import services
from budgeting.forms import AmendmentForm, BudgetLineForm, CouncilViewForm, DbStepForm, DecisionForm, ReplyForm
from budgeting.models import BudgetFrozenError, BudgetLine, BudgetStatus, CouncilView, LineKind
from budgeting.services import (
    ACCOUNTS,
    AMENDMENT,
    amendment_changes,
    budget_deadlines,
    budget_totals,
    change_total,
    follow_up_refusal,
    versions,
)
from budgeting.visibility import can_set_allocation_basis, get_budget_for_user, visible_budgets
from entity.models import BoardSeat, Body
from municipalities.visibility import own_municipality, visible_municipalities
from portal.storage import private_pdf


@require_GET
@any_role_required
def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = (
        visible_budgets(request.user)
        .select_related("module", "accounts")
        .order_by("-year", "module__number", "-version")
    )
    return render(request, "budgeting/budget_list.html", {"budgets": budgets})


@require_GET
@any_role_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget, can_edit = get_budget_for_user(request.user, pk)
    totals = budget_totals(budget)
    rows = [
        (line, [line.amount_in(offset, budget.indexation_percent) for offset in range(len(totals.years))])
        for line in budget.lines.select_related("function", "plus_municipality")
    ]
    office = can(request.user, Capability.PREPARE_DOCUMENTS)
    changes = amendment_changes(budget) if budget.is_amendment else None
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
            "versions": versions(budget),
            # A draft amendment is listed for everyone, but opens only for whom it is visible.
            "openable": set(visible_budgets(request.user).filter(module=budget.module).values_list("pk", flat=True)),
            "steps": budget.steps.select_related("by"),
            "changes": changes,
            "change_total": change_total(changes) if changes else None,
            "accounts": getattr(budget, "accounts", None),
            "may_amend": office and follow_up_refusal(budget, AMENDMENT) is None,
            "may_open_accounts": office and follow_up_refusal(budget, ACCOUNTS) is None,
            "may_take_db_step": can(request.user, Capability.TAKE_DB_STEP),
            "may_decide": can(request.user, Capability.DECIDE_AS_AB),
            "may_enter_view": can(request.user, Capability.ENTER_COUNCIL_VIEW),
            "step_form": DbStepForm(initial={"on": timezone.localdate()}),
            **_contributions(request, budget),
        },
    )


def _contributions(request: HttpRequest, budget) -> dict:
    """Who pays what of this budget: every participant for the office and boards, a contact
    its own municipality only."""
    try:
        allocation, error = services.allocation_for(budget), None
    except ValidationError as exc:
        allocation, error = None, " ".join(exc.messages)
    own = own_municipality(request.user)
    return {
        "allocation": allocation,
        "allocation_error": error,
        "may_see_table": can(request.user, Capability.SEE_ALLOCATION_TABLE),
        "may_set_basis": can_set_allocation_basis(request.user, budget),
        "own_row": allocation.row_for(own) if allocation and own else None,
    }


# --- Changing a budget and taking the steps ---------------------------------------------------

office_only = requires(Capability.PREPARE_DOCUMENTS)


def _refused(request: HttpRequest, error: Exception) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@require_http_methods(["GET", "POST"])
@office_only
def line_form(request: HttpRequest, pk: int, line_pk: int | None = None) -> HttpResponse:
    budget, can_edit = get_budget_for_user(request.user, pk)
    if not can_edit:
        messages.error(request, _("The lines of this document can no longer change at this stage."))
        return redirect("budgeting:detail", pk=budget.pk)
    line = get_object_or_404(BudgetLine, pk=line_pk, budget=budget) if line_pk else BudgetLine(budget=budget)
    form = BudgetLineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Line “%(line)s” saved.") % {"line": form.instance.description})
        return redirect("budgeting:detail", pk=budget.pk)
    return render(request, "budgeting/line_form.html", {"budget": budget, "form": form, "line": line})


@require_POST
@office_only
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    budget, can_edit = get_budget_for_user(request.user, pk)
    line = get_object_or_404(BudgetLine, pk=line_pk, budget=budget)
    try:
        if not can_edit:
            raise BudgetFrozenError(_("The lines of this document can no longer change at this stage."))
        line.delete()
    except BudgetFrozenError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Line removed."))
    return redirect("budgeting:detail", pk=budget.pk)


STEP_FUNCTIONS = {
    "framework": lambda budget, user, data: services.send_framework_letter(budget, by=user, on=data["on"]),
    "draft": lambda budget, user, data: services.send_draft_to_councils(
        budget, by=user, on=data["on"], ab_meeting_on=data["ab_meeting_on"]
    ),
    "propose": lambda budget, user, data: services.propose(budget, by=user, on=data["on"]),
    "province": lambda budget, user, data: services.send_to_province(budget, by=user, on=data["on"]),
}


@require_POST
@requires(Capability.TAKE_DB_STEP)
def db_step(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    form = DbStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("budgeting:detail", pk=budget.pk)
    try:
        if form.cleaned_data["step"] != budget.next_db_step:
            raise ValidationError(_("This step is not the next one for this document."))
        STEP_FUNCTIONS[form.cleaned_data["step"]](budget, request.user, form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        message = _("Done: %(document)s is now %(status)s.")
        messages.success(request, message % {"document": budget, "status": budget.get_status_display()})
    return redirect("budgeting:detail", pk=budget.pk)


@require_http_methods(["GET", "POST"])
@requires(Capability.ENTER_COUNCIL_VIEW)
def view_form(request: HttpRequest, pk: int) -> HttpResponse:
    """A council's view: the municipality contact for its own council, or staff for any."""
    budget, _can_edit = get_budget_for_user(request.user, pk)
    if budget.status != BudgetStatus.DRAFT_SENT:
        messages.error(request, _("Views are recorded while the draft budget is with the councils."))
        return redirect("budgeting:detail", pk=budget.pk)
    own = visible_municipalities(request.user) if not is_internal(request.user) else None
    municipalities = own if own is not None else budget.module.participants_during(budget.year)
    form = CouncilViewForm(
        request.POST or None,
        request.FILES or None,
        municipalities=municipalities,
        instance=CouncilView(budget=budget, entered_by=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # a savepoint: a simultaneous duplicate fails cleanly
                form.save()
        except IntegrityError:
            form.add_error("municipality", _("This council's view has already been recorded."))
        else:
            messages.success(request, _("The view of %(name)s is recorded.") % {"name": form.instance.municipality})
            return redirect("budgeting:detail", pk=budget.pk)
    return render(request, "budgeting/view_form.html", {"budget": budget, "form": form})


@require_POST
@requires(Capability.TAKE_DB_STEP)
def view_reply(request: HttpRequest, pk: int, view_pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    view = get_object_or_404(CouncilView, pk=view_pk, budget=budget)
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The reply to a council's view must give reasons (art. 35 Wgr)."))
        services.reply_to_view(view, by=request.user, text=form.cleaned_data["reply"])
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Reply to %(name)s saved.") % {"name": view.municipality})
    return redirect("budgeting:detail", pk=budget.pk)


def _decision_form(request: HttpRequest, document, meeting) -> DecisionForm:
    seats = (
        BoardSeat.objects.filter(body=Body.GENERAL_BOARD)
        .active_on(meeting)
        .select_related("person", "municipality")
        .order_by("municipality__name")
    )
    # The planned meeting is offered only when a decision may carry its date.
    initial = {} if document.decision_date_errors(meeting) else {"meeting_on": meeting}
    return DecisionForm(request.POST or None, seats=seats, document=document, initial=initial)


def decision_page(request: HttpRequest, document, meeting) -> HttpResponse:
    """The AB's decision on a budget, amendment or annual accounts (shared by both views): the form,
    then a confirmation with the tally and what follows; only the confirmed POST records it, and
    both steps are checked on the server. "Terug" returns to the form with the input kept."""
    form = _decision_form(request, document, meeting)
    # The AB decides with the councils' views and the DB's replies in front of it.
    views = document.council_views.select_related("municipality") if hasattr(document, "council_views") else None
    context = {"document": document, "form": form, "views": views, "blocked": document.decision_blocked()}
    action = request.POST.get("action")
    if context["blocked"] or request.method != "POST" or action == "back" or not form.is_valid():
        return render(request, "budgeting/decide.html", context)
    try:
        if action == "confirm":
            services.decide(document, by=request.user, **form.decision())
        else:
            services.check_decision(document, by=request.user, **form.decision())
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        return render(request, "budgeting/decide.html", context)
    if action != "confirm":
        summary = services.decision_summary(document, form.cleaned_data["outcome"], form.votes())
        return render(request, "budgeting/decide_confirm.html", {**context, "summary": summary})
    message = _("The decision is recorded: %(document)s is now %(status)s.")
    messages.success(request, message % {"document": document, "status": document.get_status_display()})
    return redirect(document.get_absolute_url())


@require_http_methods(["GET", "POST"])
@requires(Capability.DECIDE_AS_AB)
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    return decision_page(request, budget, budget.ab_meeting_on or timezone.localdate())


@require_GET
@any_role_required
def view_file(request: HttpRequest, pk: int, view_pk: int) -> FileResponse:
    """The council's decision file, to whoever may see the budget (the file is not in the web root)."""
    budget, _can_edit = get_budget_for_user(request.user, pk)
    view = get_object_or_404(CouncilView, pk=view_pk, budget=budget)
    name = f"raadsbesluit-{view.municipality.slug}-{budget.year}.pdf"
    return private_pdf(view.decision_file, name, _("No decision file was attached."))


@require_http_methods(["GET", "POST"])
@office_only
def amendment_start(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.start_amendment(
                budget,
                by=request.user,
                reason=form.cleaned_data["reason"],
                needs_council_views=form.cleaned_data["needs_council_views"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("%(name)s is made as a copy; change its lines.") % {"name": amendment})
            return redirect(amendment.get_absolute_url())
    return render(request, "budgeting/amendment_form.html", {"budget": budget, "form": form})
