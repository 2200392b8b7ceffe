"""Control matrix: the timing of the AB's decision holds on every write path.

The rule (issue 13, finding 6): the meeting date of a decision is not in the future, not before the
DB proposed the document, for a draft that went to the councils not before their view period ended
(art. 35 Wgr), and not before an earlier decision on the same document. Each path below tries a bad
date and must be refused with nothing written: the page, the service, the admin, the model (create
and save) and the QuerySet (create, bulk_create, update, bulk_update, update_or_create)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from budgeting.models import BoardDecision, Budget, BudgetStatus
from budgeting.services import decide
from entity.models import BoardSeat, Body
from tests.budgeting import conftest as budgeting
from tests.factories import UserFactory

D = datetime.date
VIEW_END = D(2026, 7, 8)  # the draft went to the councils on 15-04-2026
PROPOSED_ON = D(2026, 7, 10)


def bad_dates() -> dict[str, datetime.date]:
    today = timezone.localdate()
    return {
        "in the future": today + datetime.timedelta(days=1),
        "before the proposal": PROPOSED_ON - datetime.timedelta(days=1),
        "before the end of the view period": VIEW_END - datetime.timedelta(days=1),
    }


# The budgeting tests' draft budget 2027 and seated board members.
budget, boards = budgeting.budget, budgeting.boards

BAD = ["in the future", "before the proposal", "before the end of the view period"]


@pytest.fixture
def proposed(budget):
    """Budget 2027, with the councils from 15-04-2026 (views until 08-07-2026), proposed 10-07-2026."""
    Budget.objects.filter(pk=budget.pk).update(
        status=BudgetStatus.PROPOSED, draft_sent_on=D(2026, 4, 15), ab_meeting_on=VIEW_END, proposed_on=PROPOSED_ON
    )
    return Budget.objects.get(pk=budget.pk)


@pytest.fixture
def earlier(proposed, boards):
    """A decision taken on a good date (postponed), to change afterwards."""
    return BoardDecision.objects.create(
        budget=proposed,
        meeting_on=D(2026, 7, 20),
        outcome="postponed",
        minutes_reference="AB 7",
        recorded_by=boards["ab_a"],
    )


def refused(attempt) -> None:
    before = sorted(BoardDecision.objects.values_list("pk", "meeting_on"))
    with pytest.raises(ValidationError), transaction.atomic():
        attempt()
    assert sorted(BoardDecision.objects.values_list("pk", "meeting_on")) == before


def new(document, on, by) -> BoardDecision:
    return BoardDecision(budget=document, meeting_on=on, outcome="adopted", minutes_reference="AB", recorded_by=by)


@pytest.mark.parametrize("bad", BAD)
def test_the_page(login, boards, proposed, bad):
    on = bad_dates()[bad]
    seats = BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(VIEW_END)
    data = {"meeting_on": on.isoformat(), "outcome": "adopted", "minutes_reference": "AB", "action": "confirm"}
    data.update({f"vote_{seat.pk}": "for" for seat in seats})
    response = login(boards["ab_a"]).post(reverse("budgeting:decide", args=[proposed.pk]), data)
    assert response.status_code == 200 and "vergaderdatum" in response.content.decode()
    assert not BoardDecision.objects.exists()
    assert Budget.objects.get(pk=proposed.pk).status == BudgetStatus.PROPOSED


@pytest.mark.parametrize("bad", BAD)
def test_the_service(boards, proposed, bad):
    on = bad_dates()[bad]
    votes = {seat.pk: "for" for seat in BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(on)}
    refused(lambda: decide(proposed, by=boards["ab_a"], meeting_on=on, outcome="adopted", minutes_reference="AB",
                           votes=votes))  # fmt: skip
    assert Budget.objects.get(pk=proposed.pk).status == BudgetStatus.PROPOSED


@pytest.mark.parametrize("bad", BAD)
def test_the_admin(client, proposed, bad):
    """Whether /beheer/ offers the form (then it explains) or not at all, nothing is written."""
    root = UserFactory(username="root", is_superuser=True, is_staff=True, roles=[])
    client.force_login(root)
    data = {
        "budget": proposed.pk,
        "meeting_on": bad_dates()[bad].isoformat(),
        "outcome": "adopted",
        "minutes_reference": "AB",
        "recorded_by": root.pk,
        "votes-TOTAL_FORMS": "0",
        "votes-INITIAL_FORMS": "0",
        "votes-MIN_NUM_FORMS": "0",
        "votes-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("admin:budgeting_boarddecision_add"), data)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert "vergaderdatum" in response.content.decode().lower()
    assert not BoardDecision.objects.exists()


@pytest.mark.parametrize("bad", BAD)
def test_the_model_create_and_full_clean(boards, proposed, bad):
    on = bad_dates()[bad]
    refused(lambda: BoardDecision.objects.create(budget=proposed, meeting_on=on, outcome="adopted",
                                                 minutes_reference="AB", recorded_by=boards["ab_a"]))  # fmt: skip
    refused(lambda: new(proposed, on, boards["ab_a"]).save())
    with pytest.raises(ValidationError) as error:
        new(proposed, on, boards["ab_a"]).full_clean()
    assert "meeting_on" in error.value.message_dict


@pytest.mark.parametrize("bad", [*BAD, "before an earlier decision"])
def test_the_model_save_of_a_changed_date(earlier, bad):
    on = bad_dates().get(bad, D(2026, 7, 15))
    if bad == "before an earlier decision":
        BoardDecision.objects.create(
            budget=earlier.budget, meeting_on=D(2026, 9, 2), outcome="postponed", minutes_reference="AB 9",
            recorded_by=earlier.recorded_by,
        )  # fmt: skip
    earlier.meeting_on = on
    refused(earlier.save)


@pytest.mark.parametrize("bad", BAD)
def test_the_queryset_bulk_create(boards, proposed, bad):
    on = bad_dates()[bad]
    refused(lambda: BoardDecision.objects.bulk_create([new(proposed, on, boards["ab_a"])]))


@pytest.mark.parametrize("bad", BAD)
def test_the_queryset_update_of_the_meeting_date(earlier, bad):
    on = bad_dates()[bad]
    refused(lambda: BoardDecision.objects.filter(pk=earlier.pk).update(meeting_on=on))
    refused(lambda: proposed_decisions(earlier).update(meeting_on=on))


def proposed_decisions(decision):
    return decision.budget.decisions.all()  # the related manager uses the same QuerySet


@pytest.mark.parametrize("bad", BAD)
def test_the_queryset_bulk_update_and_update_or_create(earlier, bad):
    on = bad_dates()[bad]
    earlier.meeting_on = on
    refused(lambda: BoardDecision.objects.bulk_update([earlier], ["meeting_on"]))
    refused(lambda: BoardDecision.objects.update_or_create(pk=earlier.pk, defaults={"meeting_on": on}))


def test_an_expression_cannot_slip_a_date_past_the_check(earlier):
    from django.db.models import F

    refused(lambda: BoardDecision.objects.filter(pk=earlier.pk).update(meeting_on=F("recorded_at")))


def test_good_dates_pass_on_every_path(boards, proposed, earlier):
    """The control refuses what is wrong, not everything: each path accepts a good date."""
    BoardDecision.objects.filter(pk=earlier.pk).update(meeting_on=D(2026, 7, 21))
    earlier.refresh_from_db()
    earlier.minutes_reference = "AB 7 (gecorrigeerd)"
    earlier.save()  # an unchanged date is not checked again
    BoardDecision.objects.bulk_create([new(proposed, D(2026, 7, 22), boards["ab_a"])])
    assert sorted(BoardDecision.objects.values_list("meeting_on", flat=True)) == [D(2026, 7, 21), D(2026, 7, 22)]
