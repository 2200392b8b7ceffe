"""The home page: what each user must know and act on today, from every app."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.policy import Capability, can, has_any_role, is_internal
from budgeting.services import (
    has_statement,
    upcoming_deadlines,
    waiting_for_daily_board,
    waiting_for_general_board,
)
from budgeting.visibility import visible_accounts, visible_budgets
from contracts.models import OPEN_STATUSES, Contract, Invoice, InvoiceStatus
from entity.models import BoardSeat, Membership, Module
from entity.services import participation_changes
from entity.views import modules_today
from municipalities.models import Municipality
from municipalities.visibility import own_municipality
from transition import services as transition_services
from transition.visibility import visible_programmes

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
        context["modules"] = modules_today(today)
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
    if can(user, Capability.PREPARE_DOCUMENTS):
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
    return render(request, "pages/home.html", context)
