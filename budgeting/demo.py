"""Demo budgets of module 1: 2025, 2026 and 2027 adopted (with council views, replies, votes and
the implementation plan of seed 003), the annual accounts 2025 adopted and sent to GS, an
amendment of 2027 in draft, and 2028 a draft that started as a copy of 2027. Each adopted
document gets its allocation stored as the AB's decision stores it (`store_allocation`).
Personnel per function with FTE and annual cost per FTE (the contract manager as in seed 003:
scale 11, 1.66 FTE); the other amounts are demo figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import record_transition
from budgeting.models import (
    AccountsStatus,
    ActivityResult,
    AnnualAccounts,
    BoardDecision,
    Budget,
    BudgetLine,
    BudgetStatus,
    CouncilView,
    CycleStep,
    FinancialFrame,
    MemberVote,
    PlanActivity,
    PlusPackage,
    RealisedLine,
)
from budgeting.services import copy_from_adopted, start_amendment, store_allocation
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


# The themes of seed 003 (uitvoeringsplan ML-West 2018): number, title, description, priority,
# quarter, functions involved (numbers of the eight functions), deliverables, budget lines used.
ACTIVITIES = [
    (1, "Afhandelen openstaande aandachtspunten",
     "Zaken uit de overgang die nog niet zijn afgehandeld: de aanbesteding en contractering, het centraal "
     "meldpunt voor vragen en problemen, oplossingen voor vervoer en kortdurend verblijf.",
     "necessary", 1, [3, 4], "Centraal meldpunt ingericht; oplossing vervoer en kortdurend verblijf.",
     ["Contractmanager"]),
    (2, "IJken beoordelingsinstrument voor Jeugdhulp en Wmo",
     "Uitvoeren van het plan van aanpak: casuïstiek verzamelen en beoordelen, zodat de parameters in de "
     "beoordelingsinstrumenten kunnen worden geijkt.",
     "necessary", 2, [5], "Geijkt beoordelingsinstrument.", ["Informatieanalist"]),
    (3, "Contractering",
     "Open inschrijving: nieuwe inschrijvingen doorlopend afhandelen.",
     "necessary", 1, [2, 3, 5], "Afgehandelde inschrijvingen binnen de termijn.", ["Inkoopadviseur"]),
    (4, "Uitbreiden profielen jeugdhulp",
     "Onderzoeken welk deel van de jeugdhulp buiten de profielen nog naar de profielen kan; eerst een "
     "analyse voor de regiegroep.",
     "optional", 3, [4, 5], "Analyse voor de regiegroep.", ["Business controller"]),
    (5, "Voorbereiding inkoop volgend jaar",
     "De nieuwe inkoop starten; onderzoeken of een langere looptijd van de uitvoeringsovereenkomsten "
     "mogelijk is.",
     "necessary", 1, [1, 2, 3, 5], "Inkoopstrategie; besluit over de looptijd.", ["Projectleider verwerving"]),
    (6, "Opzetten en uitvoeren van monitoring voor jeugdhulp en Wmo",
     "Het plan van aanpak monitoring uitvoeren, op kwaliteit en op geld.",
     "necessary", 2, [4, 5], "Monitor per kwartaal.", ["Business controller", "Informatieanalist"]),
    (7, "Contractmanagement",
     "Systematisch, signaalgericht en preventief de gecontracteerde aanbieders bezoeken, met een nieuw "
     "contractmanagementmodel en plan van aanpak.",
     "necessary", 2, [3, 6], "Contractmanagementmodel; gesprekken met alle aanbieders.", ["Contractmanager"]),
    (8, "Overlegtafels met aanbieders",
     "Onderwerpen uitdiepen en afspraken maken over wijzigingsvoorstellen in de contracten.",
     "necessary", 3, [3, 4, 5], "Vier overlegtafels per wet.", []),
    (9, "Evaluatie en vernieuwing beleidsplan Jeugdhulp en Wmo",
     "Starten met de evaluatie, richting een samenhangend beleidsplan voor het sociaal domein.",
     "necessary", 4, [1], "Evaluatierapport.", []),
    (10, "Dashboard",
     "Een basisversie van een lokaal en subregionaal dashboard, van daaruit verder uitbouwen.",
     "necessary", 3, [4, 5], "Dashboard, basisversie.", ["Business controller", "ICT en licenties"]),
    (11, "Uitvoeringsagenda jeugdhulp",
     "De thema's van de uitvoeringsagenda regionaal verder uitwerken.",
     "necessary", 4, [1], "Uitgewerkte thema's.", []),
    (12, "Integraal preventieplan",
     "Met de gemeenten en partners een programmaplan preventie over armoede, jeugd, Wmo, veiligheid en "
     "onderwijs, met als einddoel een preventie-agenda.",
     "necessary", 4, [1], "Preventie-agenda.", ["Ingehuurde expertise"]),
    (13, "Afbakening subregionaal en lokaal",
     "Onderzoek naar wat subregionaal en wat lokaal wordt aangepakt: kosten, kwaliteit, kwetsbaarheid en "
     "kansen tegenover autonomie en nabijheid.",
     "necessary", 4, [1, 4], "Onderzoeksrapport met advies.", []),
]  # fmt: skip


def _plus_municipality(budget: Budget) -> Municipality:
    """Weert buys the plus package from 2026, when it joins; before that Venray did."""
    return Municipality.objects.get(slug="weert" if budget.year >= 2026 else "venray")


PLUS_CONTENT = (
    "Extra contractmanagement Wmo: maandelijkse gesprekken met de tien grootste Wmo-aanbieders "
    "van de gemeente en een kwartaalrapportage aan het college."
)


def _plan(budget: Budget) -> None:
    lines = {line.description: line for line in budget.lines.all()}
    functions = {f.number: f for f in Function.objects.all()}
    for number, title, description, priority, quarter, function_numbers, deliverables, line_names in ACTIVITIES:
        activity = PlanActivity.objects.create(
            budget=budget,
            number=number,
            title=title,
            description=description,
            priority=priority,
            quarter=quarter,
            deliverables=deliverables,
        )
        activity.functions.set([functions[n] for n in function_numbers])
        activity.budget_lines.set([lines[name] for name in line_names if name in lines])
    PlusPackage.objects.create(budget=budget, municipality=_plus_municipality(budget), content=PLUS_CONTENT)


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
            plus_municipality=_plus_municipality(budget),
            position=11,
        )
    )
    BudgetLine.objects.bulk_create(lines)


def _adopted(module: Module, year: int, by: User, dates: dict, kwartiermaker: bool) -> Budget:
    budget = Budget.objects.create(module=module, year=year, created_by=by, indexation_percent=Decimal("2.50"))
    _lines(budget, kwartiermaker)
    _plan(budget)
    views = [
        (
            "weert" if budget.year >= 2026 else "venray",  # Weert takes part from 2026
            "objection",
            "De raad vraagt de overheadkosten te verlagen.",
            "De overhead stijgt alleen met de indexering; per inwoner daalt zij door de schaalvergroting.",
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
    _steps({"budget": budget}, dates, by)
    # The status is set last, as the boards' steps did; from here on the lines are frozen.
    Budget.objects.filter(pk=budget.pk).update(
        status=BudgetStatus.SENT_TO_PROVINCE, ab_meeting_on=dates["adopted_on"], **dates
    )
    # An update sends no signal: the trail gets the status the demo gave it (by the system).
    record_transition(budget, {"status": (budget.status, BudgetStatus.SENT_TO_PROVINCE)}, by=None)
    # The decision follows the proposal and the councils' view period, as the model requires.
    _decision({"budget": budget}, dates["adopted_on"], by)
    budget.status = BudgetStatus.SENT_TO_PROVINCE
    store_allocation(budget)  # as the AB's decision does: the adopted figures are stored
    return budget


STEP_OF_DATE = {
    "framework_sent_on": "framework",
    "draft_sent_on": "councils",
    "proposed_on": "proposed",
    "adopted_on": "adopted",
    "sent_to_province_on": "province",
}


def _steps(target: dict, dates: dict, by: User) -> None:
    """The steps as the boards took them: the DB's by the DB chair, the adoption by the AB chair."""
    chair = User.objects.filter(groups__name="Dagelijks bestuur").order_by("pk").first() or by
    CycleStep.objects.bulk_create(
        CycleStep(**target, status=STEP_OF_DATE[name], on=on, by=chair) for name, on in dates.items()
    )


def _decision(target: dict, on: datetime.date, by: User) -> None:
    decision = BoardDecision.objects.create(
        **target, meeting_on=on, outcome="adopted", minutes_reference=f"AB {on:%Y-%m-%d}", recorded_by=by
    )
    seats = BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(on).order_by("pk")
    MemberVote.objects.bulk_create(
        MemberVote(decision=decision, seat=seat, vote="against" if i == 1 else "for") for i, seat in enumerate(seats)
    )


# Realised 2025 as a share of the budgeted amount per line, with the explanation where the
# variance needs one (more than 10 % or EUR 25,000).
REALISED_2025 = {
    "Inkoopadviseur": ("0.88", "Vacature van 0,5 fte vier maanden open; ingevuld met inhuur."),
    "Ingehuurde expertise": ("1.35", "Inhuur voor de open vacature inkoopadviseur en voor de toetreding."),
    "Kwartiermaker toetreding Midden-Limburg": ("0.97", ""),
    "ICT en licenties": ("1.06", ""),
}  # fmt: skip


def _accounts_2025(budget: Budget, by: User) -> AnnualAccounts:
    accounts = AnnualAccounts.objects.create(
        budget=budget,
        created_by=by,
        services_delivered=(
            "Inkoop en contractering jeugdhulp en Wmo voor de zeven gemeenten van Noord-Limburg, en via "
            "dienstverleningsovereenkomsten voor gemeenten van Midden-Limburg; contractmanagement "
            "bij 142 aanbieders; 38.000 facturen gecontroleerd en betaald; kwartaalmonitor per gemeente; "
            "voorbereiding van de toetreding van Midden-Limburg per 1 januari 2026."
        ),
    )
    for line in budget.lines.all():
        factor, explanation = REALISED_2025.get(line.description, ("0.99", ""))
        amount = (line.base_amount * Decimal(factor)).quantize(Decimal("0.01"))
        RealisedLine.objects.create(accounts=accounts, line=line, amount=amount, explanation=explanation)
    for activity in budget.activities.all():
        state, note = (
            ("postponed", "Verschoven naar 2026 door de toetreding.") if activity.number == 4 else ("done", "")
        )
        ActivityResult.objects.create(accounts=accounts, activity=activity, state=state, note=note)
    dates = {
        "draft_sent_on": D(2026, 4, 14),
        "proposed_on": D(2026, 6, 10),
        "adopted_on": D(2026, 7, 1),
        "sent_to_province_on": D(2026, 7, 9),
    }
    _steps({"accounts": accounts}, dates, by)
    AnnualAccounts.objects.filter(pk=accounts.pk).update(status=AccountsStatus.SENT_TO_PROVINCE, **dates)
    record_transition(accounts, {"status": (accounts.status, AccountsStatus.SENT_TO_PROVINCE)}, by=None)
    _decision({"accounts": accounts}, dates["adopted_on"], by)
    accounts.status = AccountsStatus.SENT_TO_PROVINCE
    store_allocation(accounts)
    return accounts


# The dates of the boards' steps on each adopted budget, as the cycle took them.
ADOPTED_DATES = {
    2025: {
        "framework_sent_on": D(2024, 4, 2),
        "draft_sent_on": D(2024, 4, 9),
        "proposed_on": D(2024, 6, 19),
        "adopted_on": D(2024, 7, 3),
        "sent_to_province_on": D(2024, 7, 11),
    },
    2026: {
        "framework_sent_on": D(2025, 4, 1),
        "draft_sent_on": D(2025, 4, 7),
        "proposed_on": D(2025, 6, 20),
        "adopted_on": D(2025, 7, 2),
        "sent_to_province_on": D(2025, 7, 10),
    },
    2027: {
        "framework_sent_on": D(2026, 4, 1),
        "draft_sent_on": D(2026, 4, 8),
        "proposed_on": D(2026, 6, 24),
        "adopted_on": D(2026, 7, 8),
        "sent_to_province_on": D(2026, 7, 15),
    },
}


@transaction.atomic
def load_budget_demo() -> int:
    if Budget.objects.exists():
        return 0
    module = Module.objects.get(number=1)
    by = User.objects.filter(groups__name="Leidinggevende").order_by("pk").first()
    budget_2025 = _adopted(module, 2025, by, ADOPTED_DATES[2025], kwartiermaker=True)
    _accounts_2025(budget_2025, by)
    _adopted(module, 2026, by, ADOPTED_DATES[2026], kwartiermaker=True)
    _adopted(module, 2027, by, ADOPTED_DATES[2027], kwartiermaker=False)
    _amendment_2027(Budget.objects.get(module=module, year=2027), by)
    copy_from_adopted(module, 2028, by=by)
    _financial_frames(module, 2026, by)
    return 5


def _amendment_2027(budget_2027: Budget, by: User) -> Budget:
    """An amendment of 2027 in draft: more purchasing capacity, paid for by less hired expertise."""
    amendment = start_amendment(
        budget_2027,
        by=by,
        reason=(
            "Na de toetreding van Midden-Limburg blijkt de inkoopcapaciteit te krap: 0,5 fte inkoopadviseur erbij, "
            "gedekt uit lagere inhuur."
        ),
        needs_council_views=True,
    )
    # Saved one by one (not a QuerySet update) so the trail shows the amendment's changes.
    changes = {"Inkoopadviseur": {"fte": Decimal("2.50")}, "Ingehuurde expertise": {"amount": Decimal("30000.00")}}
    for line in amendment.lines.filter(description__in=changes):
        for name, value in changes[line.description].items():
            setattr(line, name, value)
        line.save()
    return amendment


# What each municipality set aside for module 1 in 2026 (a manager records them): two of the
# joining municipalities would exceed theirs, which the joining scenario flags.
FRAMES_2026 = {
    "beesel": 45000,
    "bergen-l": 45000,
    "gennep": 60000,
    "horst-aan-de-maas": 145000,
    "peel-en-maas": 150000,
    "venlo": 340000,
    "venray": 150000,
    "echt-susteren": 75000,
    "leudal": 75000,
    "maasgouw": 60000,
    "nederweert": 45000,
    "roerdalen": 50000,
    "roermond": 120000,
    "weert": 150000,
}


def _financial_frames(module: Module, year: int, by) -> None:
    for municipality in Municipality.objects.filter(slug__in=FRAMES_2026):
        FinancialFrame.objects.create(
            module=module,
            year=year,
            municipality=municipality,
            amount=Decimal(FRAMES_2026[municipality.slug]),
            recorded_by=by,
        )
