import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budgeting.admin import BudgetLineInline
from budgeting.models import (
    BoardDecision,
    Budget,
    BudgetFrozenError,
    BudgetLine,
    BudgetStatus,
    CouncilView,
    DeadlineRules,
)
from budgeting.services import (
    budget_deadlines,
    budget_totals,
    copy_from_adopted,
    decide,
    plan_ab_meeting,
    propose,
    reply_to_view,
    send_draft_to_councils,
    send_framework_letter,
    send_to_province,
)
from tests.budgeting.helpers import other, personnel

D = datetime.date


# --- totals ---------------------------------------------------------------------------------


def test_seed_003_personnel_line_and_computed_totals(budget, region):
    line = personnel(budget)  # contract manager, scale 11, 1.66 FTE
    assert line.base_amount == Decimal("149400.00")
    other(budget, "10000.00", nature="incidental", description="Kwartiermaker")
    other(budget, "5000.00", package="plus", plus_municipality=region["weert"], description="Pluspakket Weert")
    totals = budget_totals(budget)
    first = totals.first
    assert (first.personnel, first.other) == (Decimal("149400.00"), Decimal("15000.00"))
    assert first.contingency == Decimal("7970.00")  # 5 % of the basic lines 159,400
    assert first.total == Decimal("172370.00")
    assert totals.basic == Decimal("167370.00") and totals.plus == {region["weert"]: Decimal("5000.00")}
    assert [y.year for y in totals.years] == [2027, 2028, 2029, 2030]
    assert totals.years[1].other == Decimal("5000.00")  # the incidental line is gone after year one


def test_indexation_in_the_multi_year_estimate(budget):
    budget.indexation_percent = Decimal("2.50")
    budget.save()
    other(budget, "1000.00")
    assert [y.other for y in budget_totals(budget).years] == [
        Decimal("1000.00"),
        Decimal("1025.00"),
        Decimal("1050.63"),
        Decimal("1076.89"),
    ]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "personnel", "description": "x", "fte": Decimal("1")}, "function"),
        (
            {"kind": "personnel", "description": "x", "function_id": 3, "fte": 1, "cost_per_fte": 1, "amount": 5},
            "amount",
        ),
        ({"kind": "other", "description": "x"}, "amount"),
        ({"kind": "other", "description": "x", "amount": 1, "package": "plus"}, "plus_municipality"),
    ],
)
def test_line_rules(budget, fields, error_field):
    with pytest.raises(ValidationError) as exc:
        BudgetLine(budget=budget, **fields).full_clean()
    assert error_field in exc.value.message_dict


def test_copy_from_last_years_adopted_budget(budget, staff_user):
    personnel(budget)
    other(budget, "10000.00", nature="incidental")
    with pytest.raises(ValidationError, match="geen vastgestelde begroting"):
        copy_from_adopted(budget.module, 2028, by=staff_user)
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.ADOPTED)
    new = copy_from_adopted(budget.module, 2028, by=staff_user)
    assert (new.year, new.status) == (2028, BudgetStatus.DRAFT)
    assert list(new.lines.values_list("description", "fte")) == [("Contractmanager", Decimal("1.66"))]
    with pytest.raises(ValidationError, match="bestaat al"):
        copy_from_adopted(budget.module, 2028, by=staff_user)


# --- the freeze -----------------------------------------------------------------------------


def test_an_adopted_budget_is_frozen_on_every_path(budget, region, rf, manager_user):
    line = other(budget, "1000.00")
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.ADOPTED)
    budget.refresh_from_db()
    line.amount = Decimal("1.00")
    attempts = [
        line.save,
        line.delete,
        lambda: BudgetLine.objects.filter(pk=line.pk).update(amount=Decimal("2.00")),
        lambda: BudgetLine.objects.filter(budget=budget).delete(),
        lambda: budget.lines.all().delete(),
        lambda: BudgetLine.objects.bulk_create([BudgetLine(budget=budget, kind="other", description="x", amount=1)]),
        lambda: BudgetLine.objects.bulk_update([line], ["amount"]),
        lambda: BudgetLine.objects.create(budget=budget, kind="other", description="x", amount=1),
    ]
    for attempt in attempts:
        with pytest.raises(BudgetFrozenError, match="vastgesteld"):
            attempt()
    assert list(budget.lines.values_list("amount", flat=True)) == [Decimal("1000.00")]
    request = rf.get("/")
    request.user = manager_user
    from django.contrib.admin.sites import site

    inline = BudgetLineInline(Budget, site)
    assert not inline.has_change_permission(request, budget)
    assert not inline.has_add_permission(request, budget)
    assert not inline.has_delete_permission(request, budget)


# --- deadlines ------------------------------------------------------------------------------


def test_deadlines_follow_the_law(budget):
    budget.ab_meeting_on = D(2026, 7, 1)
    budget.adopted_on = D(2026, 7, 1)
    labels = {d.label.split(" (")[0].split(",")[0]: d for d in budget_deadlines(budget, today=D(2026, 4, 10))}
    framework = labels["Kaderbrief aan de raden"]
    assert (framework.due, framework.status) == (D(2026, 4, 8), "late")  # not after the draft's deadline
    budget.ab_meeting_on = D(2026, 9, 1)
    framework = budget_deadlines(budget, today=D(2026, 4, 10))[0]
    assert (framework.due, framework.status) == (D(2026, 4, 29), "due soon")  # before 30 April (art. 34b)
    budget.ab_meeting_on = D(2026, 7, 1)
    labels = {d.label.split(" (")[0].split(",")[0]: d for d in budget_deadlines(budget, today=D(2026, 4, 10))}
    draft = labels["Ontwerpbegroting aan de raden"]
    assert draft.due == D(2026, 4, 8) and draft.status == "late"
    budget.ab_meeting_on = D(2026, 6, 1)  # the frameworks must come before the draft that follows them
    assert budget_deadlines(budget, today=D(2026, 3, 1))[0].due == D(2026, 3, 9)
    province = labels["Vastgestelde begroting aan GS"]
    assert province.due == D(2026, 7, 15)  # within 14 days of adoption, which comes before 14 September
    budget.adopted_on = D(2026, 9, 10)
    province = next(d for d in budget_deadlines(budget, today=D(2026, 9, 10)) if "GS" in d.label)
    assert province.due == D(2026, 9, 14)  # before 15 September wins over adoption + 14 days


def test_stricter_dates_in_one_place(budget):
    DeadlineRules.objects.create(framework_month=4, framework_day=15, view_weeks=14)
    budget.draft_sent_on = D(2026, 3, 1)
    assert budget_deadlines(budget, today=D(2026, 1, 1))[0].due == D(2026, 4, 14)
    assert budget.earliest_ab_meeting() == D(2026, 6, 7)


# --- the steps of the boards ----------------------------------------------------------------


def run_to_proposal(budget, boards, region):
    send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 1))
    send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 8))
    view = CouncilView.objects.create(
        budget=budget,
        municipality=region["weert"],
        opinion="objection",
        text="Te hoge overhead",
        decided_on=D(2026, 6, 20),
        entered_by=boards["ab_a"],
    )
    reply_to_view(view, by=boards["chair"], text="De overhead daalt in 2028 door de schaalvergroting.")
    propose(budget, by=boards["chair"], on=D(2026, 6, 25))


def votes(boards, **override):
    seats = boards["seats"]
    chosen = {seats["chair_ab"].pk: "for", seats["ab_a"].pk: "against", seats["ab_b"].pk: "for"}
    chosen.update({seats[name].pk: vote for name, vote in override.items()})
    return chosen


def test_the_whole_path_to_the_province(budget, boards, region, settings):
    other(budget, "1000.00")
    run_to_proposal(budget, boards, region)
    decision = decide(
        budget,
        by=boards["ab_a"],
        meeting_on=D(2026, 7, 8),
        outcome="adopted",
        minutes_reference="AB 2026-07",
        votes=votes(boards),
    )
    budget.refresh_from_db()
    assert (budget.status, budget.adopted_on, budget.is_frozen) == (BudgetStatus.ADOPTED, D(2026, 7, 8), True)
    assert decision.votes.count() == 3 and decision.recorded_by == boards["ab_a"]
    send_to_province(budget, by=boards["chair"], on=D(2026, 7, 15))
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.SENT_TO_PROVINCE


def test_twelve_weeks_for_the_councils(budget, boards):
    send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 1))
    with pytest.raises(ValidationError, match="12 weken"):
        send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 7))
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.FRAMEWORK_SENT and budget.draft_sent_on is None
    send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 8))
    with pytest.raises(ValidationError, match="12 weken"):
        plan_ab_meeting(budget, by=boards["chair"], on=D(2026, 7, 1))
    with pytest.raises(ValidationError, match="jaar vóór het begrotingsjaar"):
        plan_ab_meeting(budget, by=boards["chair"], on=D(2027, 1, 5))


def test_only_members_with_a_seat_on_the_day_act(budget, boards, users):
    with pytest.raises(PermissionDenied):
        send_framework_letter(budget, by=boards["ab_a"], on=D(2026, 4, 1))  # AB, not DB
    with pytest.raises(PermissionDenied):
        send_framework_letter(budget, by=users["staff"], on=D(2026, 4, 1))
    with pytest.raises(PermissionDenied, match="01-06-2026"):
        send_framework_letter(budget, by=boards["member"], on=D(2026, 6, 1))  # seat ended 31-05-2026
    send_framework_letter(budget, by=boards["member"], on=D(2026, 4, 1))
    with pytest.raises(ValidationError, match="kaderbrief verzonden"):
        send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 2))  # a step is taken once


def test_views_need_a_reasoned_reply_before_the_proposal(budget, boards, region):
    send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 1))
    send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 8))
    view = CouncilView(
        budget=budget,
        municipality=region["weert"],
        opinion="objection",
        text="",
        decided_on=D(2026, 6, 20),
        entered_by=boards["ab_a"],
    )
    with pytest.raises(ValidationError):
        view.full_clean()
    view.text = "Bezwaar tegen de indexatie"
    view.save()
    with pytest.raises(ValidationError, match="Weert"):
        propose(budget, by=boards["chair"], on=D(2026, 6, 25))
    with pytest.raises(ValidationError, match="redenen"):
        reply_to_view(view, by=boards["chair"], text="  ")
    reply_to_view(view, by=boards["chair"], text="De indexatie volgt de cao.")
    propose(budget, by=boards["chair"], on=D(2026, 6, 25))
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.PROPOSED


@pytest.mark.parametrize(
    ("outcome", "vote_changes", "message"),
    [
        ("adopted", {"chair_ab": "against"}, "stemmen"),
        ("adopted", {}, None),
        ("rejected", {"chair_ab": "against"}, None),
        ("postponed", {}, None),
    ],
)
def test_decisions_follow_the_votes(budget, boards, region, outcome, vote_changes, message):
    run_to_proposal(budget, boards, region)

    def call():
        return decide(
            budget,
            by=boards["chair"],
            meeting_on=D(2026, 7, 8),
            outcome=outcome,
            minutes_reference="AB 2026-07",
            votes=votes(boards, **vote_changes),
        )

    if message:
        with pytest.raises(ValidationError, match=message):
            call()
        assert not BoardDecision.objects.exists()
        return
    call()
    expected = {
        "adopted": BudgetStatus.ADOPTED,
        "rejected": BudgetStatus.FRAMEWORK_SENT,  # back to the DB to revise and send again
        "postponed": BudgetStatus.PROPOSED,
    }[outcome]
    assert Budget.objects.get(pk=budget.pk).status == expected


def test_every_ab_member_of_the_day_is_recorded(budget, boards, region):
    run_to_proposal(budget, boards, region)
    incomplete = votes(boards)
    incomplete.pop(boards["seats"]["ab_b"].pk)
    with pytest.raises(ValidationError, match="aanwezigheid"):
        decide(
            budget,
            by=boards["chair"],
            meeting_on=D(2026, 7, 8),
            outcome="adopted",
            minutes_reference="AB",
            votes=incomplete,
        )
    with pytest.raises(PermissionDenied):  # a DB-only member cannot record the AB's decision
        decide(
            budget,
            by=boards["member"],
            meeting_on=D(2026, 7, 8),
            outcome="adopted",
            minutes_reference="AB",
            votes=votes(boards),
        )


def test_a_db_step_is_not_dated_in_the_future_or_before_the_step_before_it(budget, boards):
    """Found in the walkthrough: the DB recorded the draft to the councils before its framework
    letter, and a proposal weeks ahead, so the AB's page then promised a date nobody chose."""
    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="na vandaag"):
        send_framework_letter(budget, by=boards["chair"], on=tomorrow)
    send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 1))
    with pytest.raises(ValidationError, match="01-04-2026"):
        send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 3, 20), ab_meeting_on=D(2026, 7, 8))
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.FRAMEWORK_SENT and budget.draft_sent_on is None
    send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 8))
    with pytest.raises(ValidationError, match="na vandaag"):
        propose(budget, by=boards["chair"], on=tomorrow)
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT_SENT and budget.proposed_on is None
