from __future__ import annotations

import datetime

from django.db.models import Case, Count, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.policy import Capability, any_role_required, can, has_any_role, is_internal, requires
from budgeting.services import (
    has_statement,
    upcoming_deadlines,
    waiting_for_daily_board,
    waiting_for_general_board,
)
from budgeting.visibility import visible_accounts, visible_budgets
from contracts.models import OPEN_STATUSES, Contract, Invoice, InvoiceStatus
from entity.forms import ReferenceDateForm
from entity.models import BoardSeat, Body, Function, Membership, Module, SeatPosition
from entity.services import participant_shares, participation_changes
from municipalities.models import Municipality
from municipalities.visibility import own_municipality, visible_municipalities
from transition import services as transition_services
from transition.visibility import visible_programmes


def _modules_today(today: datetime.date) -> list[tuple[Module, list[Municipality]]]:
    return [(m, list(m.participants_on(today).order_by("name"))) for m in Module.objects.all()]


EXPIRY_MONTHS = 6


def _office_worklist(user, today: datetime.date) -> dict:
    """What staff must act on: invoices waiting per step, overdue ones, contracts running out."""
    open_invoices = Invoice.objects.filter(status__in=OPEN_STATUSES)  # few rows: read via the status index
    counts = open_invoices.aggregate(
        received=Count("pk", filter=Q(status=InvoiceStatus.RECEIVED)),
        checked=Count("pk", filter=Q(status=InvoiceStatus.CHECKED)),
        approved=Count("pk", filter=Q(status=InvoiceStatus.APPROVED)),
        overdue=Count("pk", filter=Q(due_date__lt=today, amount__gte=0)),
    )
    soon = Contract.objects.ending_within(EXPIRY_MONTHS, today).select_related("provider")
    # What can still be acted on comes first: notice still possible, nearest notice date first.
    to_renew = soon.filter(notice_date__gte=today).order_by("notice_date", "end_date")
    ending = soon.filter(notice_date__lt=today).order_by("end_date", "reference")
    return {"invoice_counts": counts, "to_renew": to_renew[:15], "ending": ending[:15], "expiry_months": EXPIRY_MONTHS}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    context: dict = {"today": today, "uses_portal": has_any_role(user)}
    if is_internal(user):
        context["modules"] = _modules_today(today)
        # A window wide enough to show the joining of 1-1-2026 during the whole transition.
        context["changes"] = participation_changes(
            today - datetime.timedelta(days=366), today + datetime.timedelta(days=731)
        )
    own = own_municipality(user)
    if own is not None:
        own_today = Municipality.objects.with_inhabitants_on(today).get(pk=own.pk)
        context["own"] = own_today
        context["own_modules"] = Module.objects.filter(
            pk__in=Membership.objects.active_on(today).filter(municipality=own).values("module")
        )
        if not is_internal(user):
            context["with_the_council"] = [
                (budget, budget.council_views.filter(municipality=own).first())
                for budget in visible_budgets(user).filter(status="councils").select_related("module")
            ]
            # Its cost-allocation statements: the budgets and accounts it can see, newest first.
            documents = [
                *visible_budgets(user).exclude(status="superseded").select_related("module")[:6],
                *visible_accounts(user).select_related("budget__module")[:3],
            ]
            context["statements"] = [d for d in documents if has_statement(d, own)]
    if can(user, Capability.PROCESS_INVOICES):
        context.update(_office_worklist(user, today))
        context["budget_deadlines"] = upcoming_deadlines(today)
    if can(user, Capability.STEER_PROGRAMME):
        context["programme_attention"] = [
            (programme, *transition_services.attention(programme, today)) for programme in visible_programmes(user)
        ]
    if can(user, Capability.TAKE_DB_STEP):
        context["db_queue"] = waiting_for_daily_board()
    if can(user, Capability.DECIDE_AS_AB):
        context["ab_queue"] = waiting_for_general_board()
    if can(user, Capability.TAKE_DB_STEP) or can(user, Capability.DECIDE_AS_AB):
        context["seats"] = BoardSeat.objects.filter(person=user).active_on(today).select_related("municipality")
    return render(request, "entity/home.html", context)


@require_GET
@any_role_required
def module_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "entity/module_list.html", {"modules": _modules_today(today), "today": today})


@require_GET
@any_role_required
def module_detail(request: HttpRequest, number: int) -> HttpResponse:
    module = get_object_or_404(Module, number=number)
    form = ReferenceDateForm(request.GET if "datum" in request.GET else None)
    date = form.date_or(timezone.localdate())
    if not form.is_bound or form.is_valid():
        form = ReferenceDateForm(initial={"datum": date})  # the picker shows the date in use
    shares = participant_shares(module, date)
    visible = set(visible_municipalities(request.user).values_list("pk", flat=True))
    return render(
        request,
        "entity/module_detail.html",
        {
            "module": module,
            "form": form,
            "date": date,
            "shares": shares,
            "visible": visible,
            "total_inhabitants": sum(s.inhabitants or 0 for s in shares),
            "missing_counts": [s.municipality for s in shares if not s.inhabitants],
            "any_estimate": any(s.estimated for s in shares),
        },
    )


@require_GET
@requires(Capability.SEE_WHOLE_REGION)
def organisation(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    seats = BoardSeat.objects.active_on(today).select_related("person", "municipality")
    chair_first = Case(When(position=SeatPosition.CHAIR, then=0), default=1)
    return render(
        request,
        "entity/organisation.html",
        {
            "functions": Function.objects.all(),
            "general_board": seats.filter(body=Body.GENERAL_BOARD).order_by(chair_first, "municipality__name"),
            "daily_board": seats.filter(body=Body.DAILY_BOARD).order_by(chair_first, "municipality__name"),
            "today": today,
        },
    )
