"""Demo budgets of module 1: 2026 and 2027 adopted (with council views, replies and votes), 2028 a
draft that started as a copy of 2027. Personnel per function with FTE and annual cost per FTE
(the contract manager as in seed 003: scale 11, 1.66 FTE); the other amounts are demo figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from budgeting.models import BoardDecision, Budget, BudgetLine, BudgetStatus, CouncilView, MemberVote
from budgeting.services import copy_from_adopted
from entity.models import BoardSeat, Body, Function, Module
from municipalities.models import Municipality

D = datetime.date
PERSONNEL = [  # function number, description, scale, FTE, annual cost per FTE
    (1, "Projectleider verwerving", "12", "1.00", "102000.00"),
    (2, "Inkoopadviseur", "11", "2.00", "88000.00"),
    (3, "Contractmanager", "11", "1.66", "90000.00"),
    (4, "Business controller", "11", "0.90", "92000.00"),
    (5, "Informatieanalist", "10", "1.00", "80000.00"),
    (6, "Adviseur kwaliteit en rechtmatigheid", "10", "0.80", "82000.00"),
    (7, "Jurist inkoop en contracten", "11", "0.50", "92000.00"),
    (8, "Medewerker facturatie", "8", "2.00", "62000.00"),
]
OTHER = [  # description, amount, nature
    ("ICT en licenties", "45000.00", "structural"),
    ("Huisvesting", "38000.00", "structural"),
    ("Ingehuurde expertise", "60000.00", "structural"),
    ("Overhead (P&O, financiën, facilitair)", "75000.00", "structural"),
]


def _lines(budget: Budget, kwartiermaker: bool) -> None:
    lines = [
        BudgetLine(
            budget=budget,
            kind="personnel",
            description=d,
            function=Function.objects.get(number=f),
            salary_scale=s,
            fte=Decimal(fte),
            cost_per_fte=Decimal(cost),
            position=i,
        )
        for i, (f, d, s, fte, cost) in enumerate(PERSONNEL)
    ]
    lines += [
        BudgetLine(budget=budget, kind="other", description=d, amount=Decimal(a), nature=n, position=i)
        for i, (d, a, n) in enumerate(OTHER)
    ]
    if kwartiermaker:
        lines.append(
            BudgetLine(
                budget=budget,
                kind="other",
                description="Kwartiermaker toetreding Midden-Limburg",
                amount=Decimal("110000.00"),
                nature="incidental",
                position=10,
            )
        )
    lines.append(
        BudgetLine(
            budget=budget,
            kind="other",
            description="Extra contractmanagement Wmo",
            amount=Decimal("24000.00"),
            package="plus",
            plus_municipality=Municipality.objects.get(slug="weert"),
            position=11,
        )
    )
    BudgetLine.objects.bulk_create(lines)


def _adopted(module: Module, year: int, by: User, dates: dict, kwartiermaker: bool) -> Budget:
    budget = Budget.objects.create(module=module, year=year, created_by=by, indexation_percent=Decimal("2.50"))
    _lines(budget, kwartiermaker)
    views = [
        (
            "weert",
            "objection",
            "De raad vraagt de overheadkosten te verlagen.",
            "De overhead daalt vanaf het tweede jaar door de schaalvergroting; zie de meerjarenraming.",
        ),
        ("venlo", "none", "", "Het DB dankt de raad voor de instemming."),
    ]
    for slug, opinion, text, reply in views:
        CouncilView.objects.create(
            budget=budget,
            municipality=Municipality.objects.get(slug=slug),
            opinion=opinion,
            text=text,
            decided_on=dates["draft_sent_on"] + datetime.timedelta(weeks=10),
            entered_by=by,
            reply=reply,
            replied_by=by,
        )
    decision = BoardDecision.objects.create(
        budget=budget,
        meeting_on=dates["adopted_on"],
        outcome="adopted",
        minutes_reference=f"AB {dates['adopted_on']:%Y-%m-%d}",
        recorded_by=by,
    )
    seats = BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(dates["adopted_on"]).order_by("pk")
    MemberVote.objects.bulk_create(
        MemberVote(decision=decision, seat=seat, vote="against" if i == 1 else "for") for i, seat in enumerate(seats)
    )
    # The status is set last, as the boards' steps did; from here on the lines are frozen.
    Budget.objects.filter(pk=budget.pk).update(
        status=BudgetStatus.SENT_TO_PROVINCE, ab_meeting_on=dates["adopted_on"], **dates
    )
    return budget


@transaction.atomic
def load_budget_demo() -> int:
    if Budget.objects.exists():
        return 0
    module = Module.objects.get(number=1)
    by = User.objects.filter(groups__name="Leidinggevende").order_by("pk").first()
    _adopted(
        module,
        2026,
        by,
        {
            "framework_sent_on": D(2025, 4, 1),
            "draft_sent_on": D(2025, 4, 7),
            "proposed_on": D(2025, 6, 20),
            "adopted_on": D(2025, 7, 2),
            "sent_to_province_on": D(2025, 7, 10),
        },
        kwartiermaker=True,
    )
    _adopted(
        module,
        2027,
        by,
        {
            "framework_sent_on": D(2026, 4, 1),
            "draft_sent_on": D(2026, 4, 8),
            "proposed_on": D(2026, 6, 24),
            "adopted_on": D(2026, 7, 8),
            "sent_to_province_on": D(2026, 7, 15),
        },
        kwartiermaker=False,
    )
    copy_from_adopted(module, 2028, by=by)
    return 3
