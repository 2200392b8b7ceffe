from __future__ import annotations

import datetime

from django.db.models import Case, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.policy import Capability, any_role_required, requires
from entity.forms import ReferenceDateForm
from entity.models import BoardSeat, Body, Function, Module, SeatPosition
from entity.services import participant_shares
from municipalities.models import Municipality
from municipalities.visibility import visible_municipalities


def modules_today(today: datetime.date) -> list[tuple[Module, list[Municipality]]]:
    return [(m, list(m.participants_on(today).order_by("name"))) for m in Module.objects.all()]


@require_GET
@any_role_required
def module_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "entity/module_list.html", {"modules": modules_today(today), "today": today})


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
