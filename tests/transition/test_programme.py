"""The rules of the transition programme, without the pages: milestone status (late follows from
the dates), the steps of every municipality, the one-person functions before and after merging, the
inventory log, and the quarterly report that is computed while a draft and frozen once issued.

Every service call gets ``today`` explicitly; only ``Milestone.clean`` reads the real date."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from entity.models import Function, Module
from municipalities.models import Municipality
from transition import services
from transition.models import (
    Milestone,
    MilestoneStatus,
    MunicipalityStep,
    Programme,
    ProgressReport,
    ReportFrozenError,
    Risk,
    StaffingChange,
    StaffingLine,
)

from .conftest import MIDDEN, NOORD

D = datetime.date

# --- Milestone status ----------------------------------------------------------------------------


@pytest.mark.parametrize("stored", [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS])
def test_an_open_milestone_is_late_the_day_after_its_planned_end(add_milestone, stored):
    milestone = add_milestone("Zienswijzen raden", D(2026, 3, 31), status=stored)
    assert milestone.status_on(D(2026, 3, 1)) == stored
    assert milestone.status_on(D(2026, 3, 31)) == stored  # on the planned date itself: not yet late
    assert milestone.status_on(D(2026, 4, 1)) == MilestoneStatus.LATE
    assert milestone.status_on(D(2027, 1, 1)) == MilestoneStatus.LATE
    milestone.refresh_from_db()
    assert milestone.status == stored  # "late" is shown, never stored


def test_a_done_milestone_is_never_late_once_done(add_milestone):
    milestone = add_milestone("Raadsbesluit", D(2026, 3, 31), status="done", done_on=D(2026, 5, 20))
    assert milestone.status_on(D(2026, 5, 20)) == MilestoneStatus.DONE
    assert milestone.status_on(D(2030, 1, 1)) == MilestoneStatus.DONE
    # Before it was done (a report about an earlier date) it was late then.
    assert milestone.status_on(D(2026, 4, 1)) == MilestoneStatus.LATE
    on_time = add_milestone("Collegebesluit", D(2026, 3, 31), status="done", done_on=D(2026, 3, 1))
    assert on_time.status_on(D(2026, 2, 1)) == MilestoneStatus.IN_PROGRESS


def test_the_status_label_follows_the_shown_status(add_milestone):
    milestone = add_milestone("Raadsbesluit", D(2026, 3, 31))
    with translation.override("nl"):
        assert milestone.status_label(D(2026, 3, 1)) == "gepland"
        assert milestone.status_label(D(2026, 4, 1)) == "te laat"
    with translation.override("en"):
        assert milestone.status_label(D(2026, 4, 1)) == "late"


def test_late_and_due_within_select_by_date_and_skip_done(add_milestone, programme):
    today = D(2026, 6, 15)
    add_milestone("Gisteren", today - datetime.timedelta(days=1))
    add_milestone("Lang geleden, onderweg", D(2025, 1, 31), status="in_progress")
    add_milestone("Lang geleden, gehaald", D(2025, 1, 31), status="done", done_on=D(2025, 1, 28))
    add_milestone("Vandaag", today)
    add_milestone("Over 30 dagen", today + datetime.timedelta(days=30))
    add_milestone("Over 31 dagen", today + datetime.timedelta(days=31))
    add_milestone("Binnenkort, al gehaald", today + datetime.timedelta(days=5), status="done", done_on=D(2026, 6, 1))

    milestones = Milestone.objects.filter(programme=programme)
    assert sorted(m.name for m in milestones.late(today)) == ["Gisteren", "Lang geleden, onderweg"]
    assert sorted(m.name for m in milestones.due_within(today, 30)) == ["Over 30 dagen", "Vandaag"]
    assert sorted(m.name for m in milestones.due_within(today, 31)) == ["Over 30 dagen", "Over 31 dagen", "Vandaag"]
    late, due = services.attention(programme, today)  # the home page's lists: 30 days
    assert [m.name for m in late] == ["Lang geleden, onderweg", "Gisteren"]
    assert [m.name for m in due] == ["Vandaag", "Over 30 dagen"]


def _errors(milestone: Milestone) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        milestone.full_clean(exclude=["programme"])
    return caught.value.message_dict


def test_clean_refuses_done_without_a_date(programme):
    milestone = Milestone(programme=programme, name="X", responsible="AB", planned_end=D(2026, 1, 1), status="done")
    with translation.override("nl"):
        assert _errors(milestone) == {"done_on": ["Geef de datum waarop het gedaan is."]}


def test_clean_refuses_a_date_done_in_the_future(programme):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    milestone = Milestone(
        programme=programme, name="X", responsible="AB", planned_end=D(2026, 1, 1), status="done", done_on=tomorrow
    )
    with translation.override("nl"):
        assert _errors(milestone) == {"done_on": ["De datum gedaan kan niet in de toekomst liggen."]}
    milestone.done_on = timezone.localdate()  # today is fine
    milestone.full_clean(exclude=["programme"])


def test_clean_refuses_a_date_done_on_an_open_milestone(programme):
    milestone = Milestone(
        programme=programme, name="X", responsible="AB", planned_end=D(2026, 1, 1), done_on=D(2025, 12, 1)
    )
    with translation.override("nl"):
        assert _errors(milestone) == {"done_on": ["Alleen een gehaalde mijlpaal heeft een datum gedaan."]}


def test_clean_refuses_a_period_that_starts_after_it_ends(programme):
    milestone = Milestone(
        programme=programme, name="X", responsible="AB", planned_start=D(2026, 2, 1), planned_end=D(2026, 1, 31)
    )
    with translation.override("nl"):
        assert _errors(milestone) == {"planned_start": ["De periode begint na het einde."]}
    milestone.planned_start = D(2026, 1, 31)  # a period of one day is in order
    milestone.full_clean(exclude=["programme"])


def test_the_database_refuses_what_clean_refuses(programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            programme=programme, name="X", responsible="AB", planned_end=D(2026, 1, 1), status="done"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            programme=programme, name="X", responsible="AB", planned_start=D(2026, 2, 1), planned_end=D(2026, 1, 1)
        )
    assert not Milestone.objects.exists()


def test_mark_done_needs_evidence(add_milestone):
    milestone = add_milestone("AB-besluit", D(2026, 1, 31))
    with pytest.raises(ValidationError):
        services.mark_done(milestone, on=D(2026, 1, 28), evidence="   ")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_on) == ("planned", None)

    services.mark_done(milestone, on=D(2026, 1, 28), evidence=" AB-besluit 28-01-2026 ")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_on, milestone.evidence) == (
        "done",
        D(2026, 1, 28),
        "AB-besluit 28-01-2026",
    )


def test_mark_done_refuses_a_future_date(add_milestone):
    milestone = add_milestone("AB-besluit", D(2026, 1, 31))
    with pytest.raises(ValidationError):
        services.mark_done(milestone, on=timezone.localdate() + datetime.timedelta(days=3), evidence="Besluit")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_on) == ("planned", None)


# --- The steps of every municipality -------------------------------------------------------------


def test_the_programme_has_fourteen_municipalities_with_seven_joining(programme):
    assert sorted(programme.joining.values_list("slug", flat=True)) == sorted(MIDDEN)
    assert sorted(programme.municipalities().values_list("slug", flat=True)) == sorted(NOORD + MIDDEN)


def test_joining_municipalities_count_before_their_membership_is_recorded(region):
    """On 1 June 2025 only the seven of Noord-Limburg are members: the joining ones come from the
    programme itself."""
    programme = Programme.objects.create(name="Vroeg", module=Module.objects.get(number=1), goal_date=D(2025, 6, 1))
    assert sorted(programme.municipalities().values_list("slug", flat=True)) == sorted(NOORD)
    programme.joining.set(Municipality.objects.filter(slug__in=MIDDEN))
    assert programme.municipalities().count() == 14


def test_ensure_steps_makes_one_step_per_municipality_once(add_milestone):
    milestone = add_milestone("Toestemmingsprocedure raden", D(2025, 11, 30), per_municipality=True)
    services.ensure_steps(milestone)
    assert sorted(milestone.steps.values_list("municipality__slug", flat=True)) == sorted(NOORD + MIDDEN)

    weert = milestone.steps.get(municipality__slug="weert")
    weert.done_on, weert.evidence = D(2025, 11, 20), "Raadsbesluit Weert"
    weert.save()
    milestone.steps.filter(municipality__slug="venlo").delete()
    services.ensure_steps(milestone)  # fills the gap, leaves the others alone
    assert milestone.steps.count() == 14
    weert.refresh_from_db()
    assert (weert.done_on, weert.evidence) == (D(2025, 11, 20), "Raadsbesluit Weert")


def test_ensure_steps_does_nothing_for_a_common_milestone(add_milestone):
    milestone = add_milestone("AB-besluit", D(2025, 4, 30))
    services.ensure_steps(milestone)
    assert not milestone.steps.exists()


def test_step_counts(add_milestone, programme):
    consent = add_milestone("Toestemmingsprocedure raden", D(2025, 11, 30), per_municipality=True)
    colleges = add_milestone("Collegebesluiten", D(2025, 1, 31), per_municipality=True)
    common = add_milestone("AB-besluit", D(2025, 4, 30))
    for milestone in (consent, colleges, common):
        services.ensure_steps(milestone)

    assert services.step_counts(programme) == {
        consent.pk: services.StepCount(0, 14),
        colleges.pk: services.StepCount(0, 14),
    }
    consent.steps.filter(municipality__slug__in=MIDDEN).update(done_on=D(2025, 11, 27))
    colleges.steps.update(done_on=D(2025, 1, 28))
    counts = services.step_counts(programme)
    assert counts[consent.pk] == services.StepCount(7, 14)
    assert not counts[consent.pk].complete
    assert counts[colleges.pk] == services.StepCount(14, 14)
    assert counts[colleges.pk].complete
    assert common.pk not in counts
    assert not services.StepCount(0, 0).complete


def test_own_steps_are_those_of_one_municipality(add_milestone, programme, region):
    late = add_milestone("Toestemmingsprocedure raden", D(2025, 11, 30), per_municipality=True)
    early = add_milestone("Collegebesluiten", D(2025, 1, 31), per_municipality=True)
    for milestone in (late, early):
        services.ensure_steps(milestone)
    steps = services.own_steps(programme, region["weert"])
    assert [(s.milestone.name, s.municipality.slug) for s in steps] == [
        ("Collegebesluiten", "weert"),
        ("Toestemmingsprocedure raden", "weert"),
    ]


# --- The function inventory ----------------------------------------------------------------------


def _line(programme, number: int, region: str, people: int, fte: str = "1.00", **figures) -> StaffingLine:
    return StaffingLine.objects.create(
        programme=programme,
        function=Function.objects.get(number=number),
        region=region,
        fte=Decimal(fte),
        people=people,
        **figures,
    )


def test_one_person_functions_before_and_after_merging(programme):
    _line(programme, 1, "NL", 1, "0.80")  # one person in NL and in MLW: 2 before, 2 people after
    _line(programme, 1, "MLW", 1, "0.60")
    _line(programme, 2, "NL", 1, "1.00")  # one person in NL only: 1 before, still 1 after
    _line(programme, 3, "NL", 3, "2.50")  # 3 + 1 people: 1 before, 0 after
    _line(programme, 3, "MLO", 1, "0.50")
    _line(programme, 4, "MLO", 1, "0.80", vacancies=Decimal("0.50"))  # 1 before, 1 after
    _line(programme, 4, "MLW", 0, "0.00", hired_fte=Decimal("0.40"))
    _line(programme, 5, "NL", 0, "0.00", vacancies=Decimal("1.00"))  # nobody: not a one-person function
    _line(programme, 6, "NL", 2, "1.60")  # two people in one region: neither

    stock = services.inventory(programme)
    assert [row.function.number for row in stock.rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    rows = {row.function.number: row for row in stock.rows}
    assert set(rows[1].lines) == {"NL", "MLW", "MLO"}
    assert rows[1].lines["MLO"] is None
    assert [(n, rows[n].people, len(rows[n].one_person_regions), rows[n].one_person_after) for n in rows] == [
        (1, 2, 2, False),
        (2, 1, 1, True),
        (3, 4, 1, False),
        (4, 1, 1, True),
        (5, 0, 0, False),
        (6, 2, 0, False),
        (7, 0, 0, False),
        (8, 0, 0, False),
    ]
    assert stock.one_person_before == 5
    assert stock.one_person_after == 2
    assert rows[3].fte == Decimal("3.00")
    assert stock.total("fte") == Decimal("7.80")
    assert stock.total("fte", "NL") == Decimal("5.90")
    assert stock.total("vacancies") == Decimal("1.50")
    assert stock.total("hired_fte", "MLW") == Decimal("0.40")


def test_a_line_with_one_person_is_a_one_person_function(programme):
    assert _line(programme, 1, "NL", 1).one_person
    assert not _line(programme, 1, "MLW", 2).one_person
    assert not _line(programme, 1, "MLO", 0, "0.00").one_person


def _figures(fte="0", people=0, vacancies="0", hired_fte="0") -> dict:
    return {"fte": Decimal(fte), "people": people, "vacancies": Decimal(vacancies), "hired_fte": Decimal(hired_fte)}


def test_save_inventory_logs_only_the_figures_that_changed(programme, kwartiermaker_user):
    f1, f2, f3 = (Function.objects.get(number=n).pk for n in (1, 2, 3))
    _line(programme, 1, "NL", 1, "1.00")
    _line(programme, 1, "MLW", 2, "1.66")
    values = {
        (f1, "NL"): _figures("1.00", 2),  # people 1 -> 2
        (f1, "MLW"): _figures("1.66", 2),  # unchanged
        (f2, "MLO"): _figures("0.80", 1),  # new: fte and people logged against 0
        (f3, "MLO"): _figures(),  # nothing: no line
    }
    assert services.save_inventory(programme, values, by=kwartiermaker_user) == 3

    logged = sorted(
        (c.line.function.number, c.line.region, c.field, c.before, c.after, c.by_id)
        for c in StaffingChange.objects.select_related("line__function")
    )
    user = kwartiermaker_user.pk
    assert logged == [
        (1, "NL", "people", Decimal(1), Decimal(2), user),
        (2, "MLO", "fte", Decimal(0), Decimal("0.80"), user),
        (2, "MLO", "people", Decimal(0), Decimal(1), user),
    ]
    lines = {(line.function.number, line.region): line for line in programme.staffing.select_related("function")}
    assert set(lines) == {(1, "NL"), (1, "MLW"), (2, "MLO")}
    assert lines[(1, "NL")].people == 2
    assert (lines[(2, "MLO")].fte, lines[(2, "MLO")].people) == (Decimal("0.80"), 1)

    # The same figures again: nothing changes, nothing is logged.
    assert services.save_inventory(programme, values, by=kwartiermaker_user) == 0
    assert StaffingChange.objects.count() == 3

    # A vacancy filled: only that figure is logged.
    values[(f1, "MLW")] = _figures("1.66", 2, vacancies="0.50")
    assert services.save_inventory(programme, values, by=kwartiermaker_user) == 1
    change = StaffingChange.objects.first()  # newest first
    assert (change.field, change.before, change.after) == ("vacancies", Decimal(0), Decimal("0.50"))
    with translation.override("nl"):
        assert change.field_label == "vacatures (fte)"


# --- The quarterly progress report ---------------------------------------------------------------


@pytest.fixture
def quarter_3(add_milestone, programme, kwartiermaker_user):
    """Q3 2026: one milestone done in the quarter, one done before it, one late at its end, one
    due in the next quarter (every municipality takes it; 7 of 14 did), one far ahead; an inventory
    change in the quarter; an open and a closed risk."""
    add_milestone("Oud besluit", D(2026, 5, 31), status="done", done_on=D(2026, 5, 1), evidence="Besluit mei")
    add_milestone("Evaluatie aan het AB", D(2026, 7, 15), status="done", done_on=D(2026, 7, 9), evidence="AB 9-7")
    add_milestone("Overgang medewerkers", D(2026, 9, 1), planned_start=D(2026, 1, 1), status="in_progress")
    frame = add_milestone("Financieel kader 2027", D(2026, 12, 15), per_municipality=True, responsible="colleges")
    add_milestone("Evaluatie na twee jaar", D(2027, 12, 17))
    services.ensure_steps(frame)
    frame.steps.filter(municipality__slug__in=MIDDEN).update(done_on=D(2026, 9, 20), evidence="Collegebesluit")
    f1 = Function.objects.get(number=1)
    services.save_inventory(programme, {(f1.pk, "NL"): _figures("1.00", 1)}, by=kwartiermaker_user)
    august = timezone.make_aware(datetime.datetime(2026, 8, 15, 12, 0))
    StaffingChange.objects.update(at=august)
    Risk.objects.create(programme=programme, description="Uitstroom", probability=3, impact=2, owner="Kwartiermaker")
    Risk.objects.create(
        programme=programme, description="Opgelost", probability=3, impact=3, owner="K", status="closed"
    )
    return ProgressReport.objects.create(programme=programme, year=2026, quarter=3, summary="Het loopt.")


def _names(rows: list[dict]) -> list[str]:
    return [row["name"] for row in rows]


def test_issue_report_stores_the_quarter(quarter_3, kwartiermaker_user):
    report = quarter_3
    with translation.override("en"):  # the stored labels are Dutch, whoever issues
        services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))

    assert report.is_issued
    assert (report.issued_on, report.issued_by) == (D(2026, 10, 5), kwartiermaker_user)
    content = ProgressReport.objects.get(pk=report.pk).content
    assert content == report.content
    assert json.loads(json.dumps(content)) == content  # plain JSON
    assert content["period"] == ["2026-07-01", "2026-09-30"]
    assert content["as_of"] == "2026-09-30"  # the end of the quarter, not the day of issuing
    assert content["summary"] == "Het loopt."
    assert _names(content["done"]) == ["Evaluatie aan het AB"]
    assert _names(content["late"]) == ["Overgang medewerkers"]
    assert _names(content["coming"]) == ["Financieel kader 2027"]
    assert len(content["milestones"]) == 5
    done = content["done"][0]
    assert (done["done_on"], done["evidence"], done["status"]) == ("2026-07-09", "AB 9-7", "done")
    assert content["late"][0]["status_label"] == "te laat"
    assert content["late"][0]["planned_start"] == "2026-01-01"
    coming = content["coming"][0]
    assert (coming["steps_done"], coming["steps_total"], coming["responsible"]) == (7, 14, "de colleges")
    assert content["done"][0]["steps_total"] is None
    name = Function.objects.get(number=1).name
    assert sorted(
        (c["function"], c["region"], c["field"], c["before"], c["after"], c["on"]) for c in content["inventory_changes"]
    ) == [
        (name, "Noord-Limburg", "fte nu", "0.00", "1.00", "2026-08-15"),
        (name, "Noord-Limburg", "mensen", "0.00", "1.00", "2026-08-15"),
    ]
    assert (content["one_person_before"], content["one_person_after"]) == (1, 1)
    assert [r["description"] for r in content["risks"]] == ["Uitstroom"]  # the closed risk is left out


def test_an_issued_report_does_not_follow_the_programme(quarter_3, kwartiermaker_user, programme):
    report = quarter_3
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))
    stored = json.loads(json.dumps(report.content))

    late = Milestone.objects.get(name="Overgang medewerkers")
    late.status, late.done_on, late.evidence = "done", D(2026, 9, 28), "Plaatsingsbesluiten"
    late.save()
    Milestone.objects.filter(name="Evaluatie aan het AB").update(name="Evaluatie (hernoemd)")
    Risk.objects.all().delete()

    report = ProgressReport.objects.get(pk=report.pk)
    assert services.content_of(report, D(2026, 12, 1)) == stored
    assert _names(services.content_of(report, D(2026, 12, 1))["late"]) == ["Overgang medewerkers"]
    # What is still computed shows the change: the quarter's content made again, and a draft.
    fresh = services.report_content(report, D(2026, 12, 1))
    assert _names(fresh["done"]) == ["Evaluatie (hernoemd)", "Overgang medewerkers"]
    assert fresh["late"] == [] and fresh["risks"] == []
    draft = ProgressReport.objects.create(programme=programme, year=2026, quarter=4)
    assert services.content_of(draft, D(2026, 12, 1)) == services.report_content(draft, D(2026, 12, 1))
    assert draft.content is None


def test_an_issued_report_refuses_every_change(quarter_3, kwartiermaker_user, programme):
    report = quarter_3
    stale = ProgressReport.objects.get(pk=report.pk)  # loaded while it was a draft
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))
    draft = ProgressReport.objects.create(programme=programme, year=2026, quarter=4, summary="Concept")

    report.summary = "Achteraf aangepast"
    with pytest.raises(ReportFrozenError):
        report.save()
    stale.summary = "Achteraf aangepast"
    with pytest.raises(ReportFrozenError):
        stale.save()
    with pytest.raises(ReportFrozenError):
        report.delete()
    issued = ProgressReport.objects.filter(pk=report.pk)
    with pytest.raises(ReportFrozenError):
        issued.update(summary="Achteraf aangepast")
    with pytest.raises(ReportFrozenError):
        issued.delete()
    everything = ProgressReport.objects.filter(programme=programme)
    with pytest.raises(ReportFrozenError):  # a bulk update that includes it touches nothing
        everything.update(summary="Alles")
    with pytest.raises(ReportFrozenError):
        everything.delete()
    with pytest.raises(ReportFrozenError), transaction.atomic():  # bulk_update runs in its own atomic block
        ProgressReport.objects.bulk_update([report], ["summary"])

    assert ProgressReport.objects.get(pk=report.pk).summary == "Het loopt."
    assert ProgressReport.objects.get(pk=draft.pk).summary == "Concept"
    assert ProgressReport.objects.count() == 2

    # A draft changes freely.
    draft.summary = "Bijgewerkt"
    draft.save()
    ProgressReport.objects.filter(pk=draft.pk).update(summary="Nog eens")
    ProgressReport.objects.filter(pk=draft.pk).delete()
    assert list(ProgressReport.objects.values_list("pk", flat=True)) == [report.pk]


def test_a_stale_copy_cannot_delete_an_issued_report(quarter_3, kwartiermaker_user):
    """A copy loaded while the report was a draft (another tab) must not delete it once issued:
    ``save`` asks the database, ``delete`` should too."""
    report = quarter_3
    stale = ProgressReport.objects.get(pk=report.pk)
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))
    try:
        stale.delete()
    except ReportFrozenError:
        pass
    assert ProgressReport.objects.filter(pk=report.pk).exists(), (
        "APP BUG: ProgressReport.delete() checks the in-memory issued_on, so a stale copy deletes an issued report"
    )


def test_a_report_is_issued_once(quarter_3, kwartiermaker_user, staff_user):
    report = quarter_3
    stale = ProgressReport.objects.get(pk=report.pk)
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))
    stored = report.content
    for copy in (report, stale):
        with pytest.raises(ValidationError) as caught, translation.override("nl"):
            services.issue_report(copy, by=staff_user, on=D(2026, 12, 1))
        assert caught.value.messages == ["Deze rapportage is al uitgebracht."]
    report = ProgressReport.objects.get(pk=report.pk)
    assert (report.issued_on, report.issued_by, report.content) == (D(2026, 10, 5), kwartiermaker_user, stored)


def test_issued_in_the_quarter_itself_the_report_describes_that_day(add_milestone, programme, kwartiermaker_user):
    add_milestone("Volgende week", D(2026, 8, 25))
    add_milestone("Vorige week", D(2026, 8, 10))
    report = ProgressReport.objects.create(programme=programme, year=2026, quarter=3)
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 8, 18))
    assert report.content["as_of"] == "2026-08-18"
    assert _names(report.content["late"]) == ["Vorige week"]


def test_a_milestone_done_after_the_quarter_was_late_at_its_end(add_milestone, programme, kwartiermaker_user):
    """The report describes the end of the quarter (``as_of``): a milestone planned for 1 September
    and done on 3 October was late on 30 September, also when the report is issued on 5 October."""
    add_milestone("Plaatsing medewerkers", D(2026, 9, 1), status="done", done_on=D(2026, 10, 3), evidence="Besluit")
    report = ProgressReport.objects.create(programme=programme, year=2026, quarter=3)
    services.issue_report(report, by=kwartiermaker_user, on=D(2026, 10, 5))
    assert report.content["as_of"] == "2026-09-30"
    assert report.content["done"] == []  # done in Q4, rightly not "done this quarter"
    assert _names(report.content["late"]) == ["Plaatsing medewerkers"], (
        "APP BUG: services._report_content uses the status stored today (done), not the status on as_of"
    )


@pytest.mark.parametrize(
    ("year", "quarter", "first", "last"),
    [
        (2026, 1, D(2026, 1, 1), D(2026, 3, 31)),
        (2026, 2, D(2026, 4, 1), D(2026, 6, 30)),
        (2026, 3, D(2026, 7, 1), D(2026, 9, 30)),
        (2026, 4, D(2026, 10, 1), D(2026, 12, 31)),
        (2028, 1, D(2028, 1, 1), D(2028, 3, 31)),
    ],
)
def test_report_period(year, quarter, first, last):
    assert ProgressReport(year=year, quarter=quarter).period == (first, last)


@pytest.mark.parametrize(
    ("existing", "today", "expected"),
    [
        ([], D(2026, 11, 22), (2026, 4)),  # the first: today's quarter
        ([], D(2026, 1, 1), (2026, 1)),
        ([(2026, 2)], D(2026, 11, 22), (2026, 4)),  # a quarter was skipped: today's
        ([(2026, 2), (2026, 3)], D(2026, 8, 1), (2026, 4)),  # today's exists: the one after
        ([(2026, 4)], D(2026, 11, 22), (2027, 1)),  # after Q4 comes Q1 of the next year
        ([(2027, 2), (2026, 1)], D(2026, 11, 22), (2027, 3)),  # after the latest, even ahead of today
    ],
)
def test_next_quarter(programme, existing, today, expected):
    for year, quarter in existing:
        ProgressReport.objects.create(programme=programme, year=year, quarter=quarter)
    assert services.next_quarter(programme, today) == expected


def test_one_report_per_quarter(programme):
    ProgressReport.objects.create(programme=programme, year=2026, quarter=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(programme=programme, year=2026, quarter=3)


def test_the_report_title(programme):
    assert str(ProgressReport(programme=programme, year=2026, quarter=3)) == "Voortgangsrapportage Q3 2026"


def test_the_report_timeline(quarter_3, kwartiermaker_user):
    services.issue_report(quarter_3, by=kwartiermaker_user, on=D(2026, 10, 5))
    chart = services.report_timeline(quarter_3.content)
    assert [row.name for row in chart.rows] == _names(quarter_3.content["milestones"])
    assert [row.status for row in chart.rows] == ["done", "done", "late", "planned", "planned"]
    assert chart.ticks[0][1] == "01-2026"  # the month of the earliest start
    assert chart.today_x is not None  # the report's date lies on the axis
    assert all(chart.label_width <= row.x <= chart.width for row in chart.rows)
    assert services.timeline([], D(2026, 1, 1)).rows == []


def test_the_municipality_steps_cascade_with_the_milestone(add_milestone):
    milestone = add_milestone("Collegebesluiten", D(2025, 1, 31), per_municipality=True)
    services.ensure_steps(milestone)
    milestone.delete()
    assert not MunicipalityStep.objects.exists()
