"""The AB's decision keeps its order and its date (issue 13, finding 6).

The AB records a decision after its meeting (never in the future), on what the DB proposed (not
before the proposal), and on a draft that went to the councils not before their view period ended
(art. 35 Wgr: twelve weeks). Every member's vote is chosen, and the decision is confirmed on a page
that shows the tally and what follows from it."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from budgeting.models import AccountsStatus, AnnualAccounts, BoardDecision, Budget, BudgetStatus
from budgeting.services import decide, propose, send_draft_to_councils, send_framework_letter, start_amendment
from entity.models import BoardSeat, Body
from tests.budgeting.helpers import mark_adopted, other

D = datetime.date
WEEK = datetime.timedelta(weeks=1)
DAY = datetime.timedelta(days=1)


def all_for(on):
    return {s.pk: "for" for s in BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(on)}


def proposed(budget, boards, *, sent, on):
    """Budget 2027: the draft went to the councils on ``sent``, the DB proposed it ``on``."""
    other(budget, "1000.00")
    send_framework_letter(budget, by=boards["chair"], on=sent - WEEK)
    send_draft_to_councils(budget, by=boards["chair"], on=sent, ab_meeting_on=sent + 12 * WEEK)
    propose(budget, by=boards["chair"], on=on)
    return budget


def take(document, boards, on, outcome="adopted"):
    return decide(
        document, by=boards["ab_a"], meeting_on=on, outcome=outcome, minutes_reference="AB", votes=all_for(on)
    )


def refused(document, boards, on, message):
    with pytest.raises(ValidationError) as error:
        take(document, boards, on)
    assert message in " ".join(error.value.messages)
    target = {"budget": document} if isinstance(document, Budget) else {"accounts": document}
    assert not BoardDecision.objects.filter(**target, meeting_on=on).exists()


# --- The service -----------------------------------------------------------------------------


def test_the_reported_case_an_amendment_adopted_in_the_future_before_the_councils_had_their_say(
    budget, boards, staff_user
):
    """On 03-12-2026 an amendment went to the councils and was proposed at once; the AB "adopted" it
    on 10-03-2027 while the view period ran to 25-02-2027."""
    today = timezone.localdate()
    other(budget, "1000.00", description="ICT")
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=D(2026, 7, 8))
    amendment = start_amendment(budget, by=staff_user, reason="Andere verdeling", needs_council_views=True)
    amendment.lines.update(amount=Decimal("2000.00"))
    send_draft_to_councils(amendment, by=boards["chair"], on=today, ab_meeting_on=today + 14 * WEEK - DAY)
    propose(amendment, by=boards["chair"], on=today)
    view_end = today + 12 * WEEK
    refused(amendment, boards, today + 14 * WEEK - DAY, f"De vergaderdatum ligt na vandaag ({today:%d-%m-%Y})")
    refused(amendment, boards, today, f"niet vóór het einde van de zienswijzetermijn op {view_end:%d-%m-%Y}")
    amendment.refresh_from_db()
    assert amendment.status == BudgetStatus.PROPOSED and amendment.adopted_on is None
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.SENT_TO_PROVINCE  # still in force


def test_not_before_the_db_proposed_it(budget, boards):
    proposed(budget, boards, sent=D(2026, 4, 15), on=D(2026, 7, 10))  # views until 08-07-2026
    refused(budget, boards, D(2026, 7, 9), "voorstel van het DB op 10-07-2026")
    take(budget, boards, D(2026, 7, 10))
    assert Budget.objects.get(pk=budget.pk).adopted_on == D(2026, 7, 10)


def test_not_before_the_end_of_the_view_period(budget, boards):
    proposed(budget, boards, sent=D(2026, 4, 15), on=D(2026, 7, 1))
    refused(budget, boards, D(2026, 7, 7), "niet vóór het einde van de zienswijzetermijn op 08-07-2026")
    take(budget, boards, D(2026, 7, 8))


def test_a_later_decision_is_not_dated_before_an_earlier_one(budget, boards):
    proposed(budget, boards, sent=D(2026, 4, 15), on=D(2026, 7, 8))
    take(budget, boards, D(2026, 7, 20), outcome="postponed")
    refused(budget, boards, D(2026, 7, 15), "al op 20-07-2026 besloten")
    take(budget, boards, D(2026, 9, 2))
    assert list(budget.decisions.values_list("meeting_on", flat=True)) == [D(2026, 9, 2), D(2026, 7, 20)]


@pytest.fixture
def proposed_accounts(budget, staff_user):
    """Accounts 2025, sent to the councils on 14-04-2026 and proposed by the DB on 10-06-2026."""
    Budget.objects.filter(pk=budget.pk).update(year=2025)
    mark_adopted(budget, status=BudgetStatus.SENT_TO_PROVINCE)
    accounts = AnnualAccounts.objects.create(budget_id=budget.pk, created_by=staff_user)
    AnnualAccounts.objects.filter(pk=accounts.pk).update(
        status=AccountsStatus.PROPOSED, draft_sent_on=D(2026, 4, 14), proposed_on=D(2026, 6, 10)
    )
    return AnnualAccounts.objects.get(pk=accounts.pk)


def test_accounts_keep_the_same_order(proposed_accounts, boards):
    today = timezone.localdate()
    refused(proposed_accounts, boards, today + DAY, "na vandaag")
    refused(proposed_accounts, boards, D(2026, 6, 9), "voorstel van het DB op 10-06-2026")
    take(proposed_accounts, boards, D(2026, 7, 1))
    assert AnnualAccounts.objects.get(pk=proposed_accounts.pk).adopted_on == D(2026, 7, 1)


def test_a_vote_is_one_of_the_choices(budget, boards):
    proposed(budget, boards, sent=D(2026, 4, 15), on=D(2026, 7, 8))
    votes = all_for(D(2026, 7, 8))
    votes[boards["seats"]["ab_b"].pk] = "maybe"
    with pytest.raises(ValidationError, match="stem"):
        decide(budget, by=boards["ab_a"], meeting_on=D(2026, 7, 8), outcome="adopted", minutes_reference="AB",
               votes=votes)  # fmt: skip
    assert not BoardDecision.objects.exists()


# --- The page: votes chosen, a confirmation, and when it cannot be decided yet -----------------


def vote_inputs(page: str) -> list[str]:
    return re.findall(r'<input[^>]*name="vote_\d+"[^>]*>', page)


@pytest.fixture
def ready(budget, boards):
    """Budget 2027, proposed on 25-06-2026, views until 08-07-2026: the AB can decide now."""
    return proposed(budget, boards, sent=D(2026, 4, 15), on=D(2026, 6, 25))


def form_data(boards, **changes):
    seats = boards["seats"]
    data = {
        "meeting_on": "2026-07-08",
        "outcome": "adopted",
        "minutes_reference": "AB 2026-07",
        f"vote_{seats['chair_ab'].pk}": "for",
        f"vote_{seats['ab_a'].pk}": "against",
        f"vote_{seats['ab_b'].pk}": "for",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_no_vote_is_chosen_for_a_member(login, boards, ready):
    page = login(boards["ab_a"]).get(reverse("budgeting:decide", args=[ready.pk])).content.decode()
    inputs = vote_inputs(page)
    assert len(inputs) == 3 * 4  # three AB members, each voor / tegen / onthouden / afwezig
    assert not [i for i in inputs if "checked" in i]
    assert all("required" in i for i in inputs)


def test_a_missing_vote_is_explained_and_the_input_kept(login, boards, ready):
    missing = f"vote_{boards['seats']['ab_b'].pk}"
    response = login(boards["ab_a"]).post(
        reverse("budgeting:decide", args=[ready.pk]), form_data(boards, **{missing: None})
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Kies hoe dit lid stemde, of afwezig." in page
    assert 'value="AB 2026-07"' in page
    chosen = [i for i in vote_inputs(page) if "checked" in i]
    assert len(chosen) == 2 and all(f'name="{missing}"' not in i for i in chosen)
    assert not BoardDecision.objects.exists()


def test_a_bad_date_is_explained_on_the_form(login, boards, ready):
    today = timezone.localdate()
    url = reverse("budgeting:decide", args=[ready.pk])
    page = login(boards["ab_a"]).post(url, form_data(boards, meeting_on="2026-07-07")).content.decode()
    assert "niet vóór het einde van de zienswijzetermijn op 08-07-2026" in page
    page = login(boards["ab_a"]).post(url, form_data(boards, meeting_on=str(today + DAY))).content.decode()
    assert f"De vergaderdatum ligt na vandaag ({today:%d-%m-%Y})" in page
    assert 'value="AB 2026-07"' in page and "Bevestigen" not in page
    assert not BoardDecision.objects.exists()


def test_the_confirmation_shows_the_tally_and_the_consequence_then_back_keeps_the_input(login, boards, ready):
    client = login(boards["ab_a"])
    url = reverse("budgeting:decide", args=[ready.pk])
    response = client.post(url, form_data(boards))
    page = response.content.decode()
    assert response.status_code == 200 and not BoardDecision.objects.exists()
    assert "Bevestig het besluit" in page
    assert "Voor: 2" in page and "Tegen: 1" in page and "Onthouden: 0" in page
    assert "Aanwezig: 3 van de 3 leden" in page
    assert "De begroting wordt vastgesteld en bevroren; wijzigen kan daarna alleen met een begrotingswijziging." in page
    assert "08-07-2026" in page and "AB 2026-07" in page
    back = client.post(url, {**form_data(boards), "action": "back"}).content.decode()
    assert "Besluit vastleggen" in back and "Bevestig het besluit" not in back
    assert 'value="AB 2026-07"' in back and len([i for i in vote_inputs(back) if "checked" in i]) == 3
    assert not BoardDecision.objects.exists()
    response = client.post(url, {**form_data(boards), "action": "confirm"})
    assert response.status_code == 302 and response["Location"] == ready.get_absolute_url()
    decision = BoardDecision.objects.get()
    assert (decision.meeting_on, decision.outcome, decision.votes.count()) == (D(2026, 7, 8), "adopted", 3)


@pytest.mark.parametrize(
    ("outcome", "consequence"),
    [
        ("rejected", "De begroting gaat terug naar het DB om te herzien"),
        ("postponed", "Het AB besluit in een latere vergadering"),
    ],
)
def test_the_confirmation_says_what_follows_from_rejection_and_postponement(login, boards, ready, outcome, consequence):
    page = (
        login(boards["ab_a"])
        .post(reverse("budgeting:decide", args=[ready.pk]), form_data(boards, outcome=outcome))
        .content.decode()
    )
    assert consequence in page and "Bevestigen" in page


def test_a_confirmation_is_validated_again(login, boards, ready):
    """The confirmed POST is checked again on the server: a changed date is refused."""
    today = timezone.localdate()
    client = login(boards["ab_a"])
    url = reverse("budgeting:decide", args=[ready.pk])
    response = client.post(url, {**form_data(boards, meeting_on=str(today + DAY)), "action": "confirm"})
    assert response.status_code == 200 and "na vandaag" in response.content.decode()
    response = client.post(url, {**form_data(boards, outcome="adopted", **{
        f"vote_{boards['seats']['chair_ab'].pk}": "against"}), "action": "confirm"})  # fmt: skip
    assert "De vastgelegde stemmen dragen geen vaststelling." in response.content.decode()
    assert not BoardDecision.objects.exists()


def test_the_page_says_from_when_the_ab_can_decide(login, boards, budget):
    """While the councils still have the draft, there is no form that can only fail."""
    today = timezone.localdate()
    sent = today - 2 * WEEK
    Budget.objects.filter(pk=budget.pk).update(
        year=today.year + 2, status=BudgetStatus.PROPOSED, draft_sent_on=sent, proposed_on=today
    )
    page = login(boards["ab_a"]).get(reverse("budgeting:decide", args=[budget.pk])).content.decode()
    assert f"Het AB kan over dit stuk besluiten vanaf {sent + 12 * WEEK:%d-%m-%Y}" in page
    assert "zienswijzetermijn" in page
    assert "Besluit vastleggen" not in page and not vote_inputs(page)
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.DRAFT_SENT, proposed_on=None)
    page = login(boards["ab_a"]).get(reverse("budgeting:decide", args=[budget.pk])).content.decode()
    assert "het AB besluit over wat het DB voorstelt" in page and "Besluit vastleggen" not in page
    response = login(boards["ab_a"]).post(
        reverse("budgeting:decide", args=[budget.pk]), {**form_data(boards), "action": "confirm"}
    )
    assert response.status_code == 200 and not BoardDecision.objects.exists()


def test_the_accounts_are_decided_with_the_same_confirmation(login, boards, proposed_accounts):
    client = login(boards["ab_a"])
    url = reverse("budgeting:accounts_decide", args=[proposed_accounts.pk])
    page = client.get(url).content.decode()
    assert len(vote_inputs(page)) == 12 and "checked" not in "".join(vote_inputs(page))
    data = form_data(boards, meeting_on="2026-07-01", minutes_reference="AB 2026-07-01")
    page = client.post(url, data).content.decode()
    assert "De jaarrekening wordt vastgesteld en bevroren" in page and "Voor: 2" in page
    assert not BoardDecision.objects.exists()
    assert client.post(url, {**data, "action": "confirm"}).status_code == 302
    assert AnnualAccounts.objects.get(pk=proposed_accounts.pk).status == AccountsStatus.ADOPTED
