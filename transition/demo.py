"""Demo data of the transition programme: the decision path of seed 002 toward 1 January 2026,
the aftercare of 2026, an inventory of the eight functions in three regions, risks, the staff
checklist and two issued quarterly reports."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from entity.models import Function, Module
from municipalities.models import Municipality
from transition.models import (
    Assessment,
    ChecklistItem,
    Criterion,
    Framework,
    GoNoGoDecision,
    Milestone,
    MunicipalityStep,
    Programme,
    ProgressReport,
    Risk,
    StaffingLine,
)
from transition.services import ensure_steps, issue_report

D = datetime.date
MIDDEN = ["leudal", "nederweert", "weert", "echt-susteren", "maasgouw", "roerdalen", "roermond"]

# name, responsible, planned start, planned end, done on (None: not done), per municipality, evidence
MILESTONES = [
    ("Collegebesluiten per gemeente", "colleges", None, D(2025, 1, 31), D(2025, 1, 28), True, "Collegebesluit"),
    ("Raadsinformatiebijeenkomst", "councils", None, D(2025, 1, 31), D(2025, 1, 30), False, "Verslag bijeenkomst"),
    (
        "Voorstel tot wijziging ter accordering door het AB",
        "AB",
        None,
        D(2025, 4, 30),
        D(2025, 4, 16),
        False,
        "AB-besluit 16-04-2025",
    ),
    (
        "Zienswijzeprocedure raden (12 weken)",
        "councils",
        D(2025, 3, 1),
        D(2025, 6, 30),
        D(2025, 6, 27),
        False,
        "Zienswijzen van de raden",
    ),
    (
        "Verzending regeling naar colleges met verzoek tot gewijzigde vaststelling",
        "DB",
        D(2025, 7, 1),
        D(2025, 8, 31),
        D(2025, 8, 12),
        False,
        "Brief DB 12-08-2025",
    ),
    (
        "Evt. aanpassen van de regeling n.a.v. zienswijzeprocedure",
        "DB",
        None,
        D(2025, 8, 31),
        D(2025, 8, 28),
        False,
        "Aangepaste regeling",
    ),
    (
        "Toestemmingsprocedure raden",
        "councils",
        D(2025, 9, 1),
        D(2025, 11, 30),
        D(2025, 11, 27),
        True,
        "Raadsbesluit toestemming",
    ),
    (
        "Besluit tot bekendmaking door college van plaats van vestiging",
        "seat",
        D(2025, 11, 1),
        D(2025, 12, 31),
        D(2025, 12, 9),
        False,
        "Publicatie Gemeenteblad",
    ),
    ("Inwerkingtreding wijziging", "AB", None, D(2026, 1, 1), D(2026, 1, 1), False, "Gewijzigde regeling in werking"),
    (
        "Evaluatie eerste half jaar aan het AB",
        "kwartiermaker",
        None,
        D(2026, 7, 15),
        D(2026, 7, 9),
        False,
        "AB-vergadering 09-07-2026",
    ),
    ("Overgang medewerkers Midden-Limburg afgerond", "kwartiermaker", D(2026, 1, 1), D(2026, 10, 31), None, False, ""),
    ("Financieel kader 2027 vastgesteld door het college", "colleges", D(2026, 9, 1), D(2026, 12, 15), None, True, ""),
    ("Evaluatie na één jaar aan het AB", "AB", None, D(2026, 12, 17), None, False, ""),
]

# function number -> {region: (fte, people, vacancies, hired)}
STAFFING = {
    1: {"NL": ("3.20", 4, "0.00", "0.00"), "MLW": ("1.66", 2, "0.00", "0.00"), "MLO": ("1.00", 1, "0.50", "0.00")},
    2: {"NL": ("2.00", 2, "0.00", "0.50"), "MLW": ("0.80", 1, "0.00", "0.00"), "MLO": ("0.60", 1, "0.00", "0.00")},
    3: {"NL": ("1.50", 2, "0.00", "0.00"), "MLW": ("0.50", 1, "0.50", "0.00"), "MLO": ("0.00", 0, "0.80", "0.80")},
    4: {"NL": ("1.00", 1, "0.00", "0.00"), "MLW": ("0.60", 1, "0.00", "0.00"), "MLO": ("0.80", 1, "0.00", "0.00")},
    5: {"NL": ("0.80", 1, "0.00", "0.00"), "MLW": ("0.00", 0, "0.50", "0.50"), "MLO": ("0.00", 0, "0.00", "0.00")},
    6: {"NL": ("1.60", 2, "0.00", "0.00"), "MLW": ("0.50", 1, "0.00", "0.00"), "MLO": ("0.70", 1, "0.00", "0.00")},
    7: {"NL": ("0.60", 1, "0.00", "0.00"), "MLW": ("0.00", 0, "0.00", "0.40"), "MLO": ("0.00", 0, "0.00", "0.00")},
    8: {"NL": ("4.00", 5, "0.50", "0.00"), "MLW": ("1.20", 2, "0.00", "0.00"), "MLO": ("1.50", 2, "0.00", "0.00")},
}

RISKS = [
    (
        "risk",
        "Medewerkers uit Midden-Limburg vertrekken vóór de overgang (concurrentie om hetzelfde personeel).",
        3,
        3,
        "Kwartiermaker",
        "Vroeg informeren, plaatsingsgesprekken, behoud van rechtspositie.",
        "mitigated",
    ),
    (
        "risk",
        "Bijdragen van toetredende gemeenten overschrijden het financieel kader.",
        2,
        3,
        "Business control",
        "Toetredingsscenario per gemeente; afspraken in de begroting 2027.",
        "open",
    ),
    (
        "issue",
        "Contractbeheersystemen van de drie regio's zijn nog niet gekoppeld.",
        3,
        2,
        "Informatieanalyse",
        "Migratieplan, tijdelijk dubbel registreren.",
        "open",
    ),
    (
        "risk",
        "Vertraging in de toestemmingsprocedure van één raad.",
        1,
        3,
        "Kwartiermaker",
        "Tijdig agenderen bij alle griffies.",
        "closed",
    ),
]

CHECKLIST = [
    ("Adviesaanvraag ondernemingsraden", "WOR art. 25", D(2025, 5, 20)),
    ("Sociaal statuut vastgesteld", "Cao Gemeenten, H. 9", D(2025, 9, 30)),
    ("Plaatsingsprocedure medewerkers", "Sociaal statuut", D(2025, 12, 15)),
    ("Detacheringsovereenkomsten met de gemeenten", "Ambtenarenwet 2017", None),
    ("Overdracht personeelsdossiers", "AVG", None),
]


@transaction.atomic
def load_transition_demo() -> int:
    if Programme.objects.exists():
        return 0
    by = User.objects.filter(groups__name="Kwartiermaker").order_by("pk").first()
    programme = _programme()
    _frameworks_and_decision(programme)
    _milestones(programme)
    _staffing_risks_and_checklist(programme)
    _reports(programme, by)
    return 1


def _programme() -> Programme:
    programme = Programme.objects.create(
        name="Aansluiting Midden-Limburg bij module 1",
        module=Module.objects.get(number=1),
        goal_date=D(2026, 1, 1),
        assignment=(
            "Het traject tot en met de aansluiting van de Midden-Limburgse gemeenten op module 1 van de MGR "
            "vormgeven: niet vrijblijvende samenwerking in de bedrijfs- en ondersteunende functies."
        ),
    )
    programme.joining.set(Municipality.objects.filter(slug__in=MIDDEN))
    return programme


def _frameworks_and_decision(programme: Programme) -> None:
    """The frameworks, the go/no-go criteria (all met) and the decision to go."""
    Framework.objects.bulk_create(
        [
            Framework(
                programme=programme,
                kind="keep",
                position=1,
                text="De bestaande financiële kaders voor de bedrijfsvoerings- en ondersteunende functies.",
            ),
            Framework(
                programme=programme,
                kind="keep",
                position=2,
                text="De lokale (beleids)autonomie op het vlak van Wmo en Jeugdwet.",
            ),
            Framework(
                programme=programme,
                kind="reach",
                position=3,
                text="Minder eenpitters: geen functie meer die op één persoon rust.",
            ),
        ]
    )
    for n, (text, note) in enumerate(
        [
            ("Alle veertien raden hebben toestemming gegeven", "Raadsbesluiten september t/m november 2025."),
            ("Bijdragen binnen de financiële kaders", "Toetredingsscenario binnen het kader, op één na."),
            ("Plaatsing van de medewerkers geregeld", "Plaatsingsprocedure afgerond."),
        ],
        start=1,
    ):
        Criterion.objects.create(programme=programme, text=text, note=note, position=n, assessment=Assessment.MET)
    GoNoGoDecision.objects.create(
        programme=programme,
        decided_on=D(2025, 12, 3),
        body="AB",
        outcome="go",
        note="Aan alle criteria is voldaan; aansluiting per 1 januari 2026.",
    )


def _milestones(programme: Programme) -> None:
    """The decision path with its steps per municipality: done with the milestone, or two in three done later."""
    for n, (name, responsible, start, end, done, per, evidence) in enumerate(MILESTONES):
        milestone = Milestone.objects.create(
            programme=programme,
            name=name,
            responsible=responsible,
            planned_start=start,
            planned_end=end,
            status="done" if done else ("in_progress" if start and start < D(2026, 11, 1) else "planned"),
            done_on=done,
            evidence=evidence,
            per_municipality=per,
            position=n,
        )
        ensure_steps(milestone)
        steps = list(milestone.steps.order_by("municipality__name"))
        for i, step in enumerate(steps):
            if done:
                step.done_on, step.evidence = done, evidence
            elif i % 3 != 2:  # about two in three colleges have fixed their frame
                step.done_on, step.evidence = D(2026, 10, 1) + datetime.timedelta(days=3 * i), "Collegebesluit"
        MunicipalityStep.objects.bulk_update(steps, ["done_on", "evidence"])


def _staffing_risks_and_checklist(programme: Programme) -> None:
    functions = {f.number: f for f in Function.objects.all()}
    StaffingLine.objects.bulk_create(
        StaffingLine(
            programme=programme,
            function=functions[number],
            region=region,
            fte=Decimal(fte),
            people=people,
            vacancies=Decimal(vacancies),
            hired_fte=Decimal(hired),
        )
        for number, regions in STAFFING.items()
        for region, (fte, people, vacancies, hired) in regions.items()
    )
    Risk.objects.bulk_create(
        Risk(
            programme=programme,
            kind=kind,
            description=text,
            probability=p,
            impact=i,
            owner=owner,
            measure=measure,
            status=status,
        )
        for kind, text, p, i, owner, measure, status in RISKS
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(programme=programme, title=title, basis=basis, done_on=done, position=n)
        for n, (title, basis, done) in enumerate(CHECKLIST)
    )


def _reports(programme: Programme, by: User | None) -> None:
    """Two issued quarterly reports and the draft of the next quarter."""
    for year, quarter, issued_on, summary in (
        (2026, 2, D(2026, 7, 6), "De aansluiting is per 1 januari 2026 een feit; de evaluatie volgt in juli."),
        (2026, 3, D(2026, 10, 5), "De overgang van de medewerkers loopt; twee plaatsingen staan nog open."),
    ):
        report = ProgressReport.objects.create(programme=programme, year=year, quarter=quarter, summary=summary)
        issue_report(report, by=by, on=issued_on)
    ProgressReport.objects.create(programme=programme, year=2026, quarter=4)
