"""Amendments: a new version of an adopted budget, the difference per line, its own decision path
and the history of versions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from budgeting.models import Budget, BudgetFrozenError, BudgetStatus, PlanActivity, PlusPackage
from budgeting.services import (
    amendment_changes,
    budget_deadlines,
    current_version,
    decide,
    propose,
    send_draft_to_councils,
    send_framework_letter,
    send_to_province,
    start_amendment,
    versions,
)
from entity.models import Function
from tests.budgeting.helpers import other, personnel

D = datetime.date


@pytest.fixture
def adopted(budget, region):
    """Budget 2027 with two lines, a plan activity linked to a line and a plus package, adopted."""
    contract_manager = personnel(budget)  # 1.66 × 90,000 = 149,400
    ict = other(budget, "45000.00")
    activity = PlanActivity.objects.create(budget=budget, number=1, title="Monitoring", quarter=2)
    activity.budget_lines.set([contract_manager, ict])
    activity.functions.set(Function.objects.filter(number__in=[3, 5]))
    PlusPackage.objects.create(budget=budget, municipality=region["weert"], content="Extra")
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=D(2026, 7, 8))
    budget.refresh_from_db()
    return budget


def votes_for(boards, on):
    from entity.models import BoardSeat

    return {s.pk: "for" for s in BoardSeat.objects.filter(body="AB").active_on(on)}


def test_an_amendment_is_a_copy_with_its_plan(adopted, staff_user):
    amendment = start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    assert (amendment.version, amendment.amends, amendment.status) == (2, adopted, BudgetStatus.DRAFT)
    assert str(amendment) == "Begrotingswijziging 1 van 2027 module 1"
    assert [line.source_line for line in amendment.lines.all()] == list(adopted.lines.all())
    copied = amendment.activities.get()
    assert {line.budget_id for line in copied.budget_lines.all()} == {amendment.pk}
    assert [f.number for f in copied.functions.all()] == [3, 5]
    assert amendment.plus_packages.get().content == "Extra"
    assert amendment_changes(amendment) == []  # nothing changed yet


def test_difference_per_line(adopted, staff_user):
    amendment = start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    amendment.lines.filter(kind="personnel").update(fte=Decimal("2.00"))  # 149,400 -> 180,000
    amendment.lines.filter(description="ICT").delete()  # 45,000 -> 0
    other(amendment, "12000.00", description="Huisvesting")  # 0 -> 12,000
    changes = {c.description: (c.before, c.after, c.difference) for c in amendment_changes(amendment)}
    assert changes["Contractmanager"] == (Decimal("149400.00"), Decimal("180000.00"), Decimal("30600.00"))
    assert changes["ICT"] == (Decimal("45000.00"), Decimal("0.00"), Decimal("-45000.00"))
    assert changes["Huisvesting"] == (Decimal("0.00"), Decimal("12000.00"), Decimal("12000.00"))
    # Contingency 5 % of the basic lines: 9,720.00 before, 9,600.00 after.
    assert changes["Onvoorzien"] == (Decimal("9720.00"), Decimal("9600.00"), Decimal("-120.00"))


def test_amendments_are_refused_where_they_do_not_belong(budget, adopted, staff_user, users):
    with pytest.raises(ValidationError, match="reden"):
        start_amendment(adopted, by=staff_user, reason=" ", needs_council_views=False)
    with pytest.raises(PermissionDenied):
        start_amendment(adopted, by=users["db"], reason="x", needs_council_views=False)
    draft = Budget.objects.create(module=adopted.module, year=2028, created_by=staff_user)
    with pytest.raises(ValidationError, match="geldende versie"):
        start_amendment(draft, by=staff_user, reason="x", needs_council_views=False)
    start_amendment(adopted, by=staff_user, reason="x", needs_council_views=False)
    with pytest.raises(ValidationError, match="loopt al"):
        start_amendment(adopted, by=staff_user, reason="y", needs_council_views=False)
    assert Budget.objects.filter(amends=adopted).count() == 1


def test_without_council_views_the_db_proposes_and_the_ab_adopts(adopted, staff_user, boards):
    amendment = start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    assert amendment.next_db_step == "propose"
    with pytest.raises(ValidationError, match="verandert nog niets"):
        propose(amendment, by=boards["chair"], on=D(2026, 11, 2))
    amendment.lines.filter(kind="personnel").update(fte=Decimal("2.00"))
    with pytest.raises(ValidationError, match="kaderbrief"):
        send_framework_letter(amendment, by=boards["chair"], on=D(2026, 11, 2))
    with pytest.raises(ValidationError, match="niet naar de raden"):
        send_draft_to_councils(amendment, by=boards["chair"], on=D(2026, 11, 2), ab_meeting_on=D(2027, 2, 1))
    propose(amendment, by=boards["chair"], on=D(2026, 11, 2))
    # An amendment is not bound to the year before the budget year: the AB may also decide on it
    # during the budget year itself (a decision is recorded after its meeting, so here in 2026).
    assert amendment.meeting_year_error(D(2027, 3, 20)) is None
    decide(
        amendment,
        by=boards["ab_a"],
        meeting_on=D(2026, 11, 18),
        outcome="adopted",
        minutes_reference="AB 7",
        votes=votes_for(boards, D(2026, 11, 18)),
    )
    adopted.refresh_from_db()
    assert adopted.status == BudgetStatus.SUPERSEDED and adopted.is_frozen
    assert current_version(adopted.module, 2027) == amendment
    assert [v.version for v in versions(adopted)] == [1, 2]
    with pytest.raises(BudgetFrozenError):
        amendment.lines.update(amount=1)
    send_to_province(amendment, by=boards["chair"], on=D(2026, 11, 26))
    steps = [(s.status, s.on, s.by) for s in amendment.steps.all()]
    assert steps == [
        ("proposed", D(2026, 11, 2), boards["chair"]),
        ("adopted", D(2026, 11, 18), boards["ab_a"]),
        ("province", D(2026, 11, 26), boards["chair"]),
    ]
    labels = [d.label for d in budget_deadlines(amendment, D(2026, 12, 1))]
    assert labels == ["Vastgestelde begrotingswijziging aan GS, binnen 14 dagen (art. 35 Wgr)"]
    assert budget_deadlines(amendment, D(2026, 12, 1))[0].status == "done"


def test_with_council_views_the_draft_goes_to_the_councils_first(adopted, staff_user, boards):
    amendment = start_amendment(adopted, by=staff_user, reason="Andere verdeling", needs_council_views=True)
    amendment.lines.filter(description="ICT").update(amount=Decimal("50000.00"))
    assert amendment.next_db_step == "draft"
    with pytest.raises(ValidationError):
        propose(amendment, by=boards["chair"], on=D(2026, 8, 3))  # not before the councils had it
    with pytest.raises(ValidationError, match="12 weken"):
        send_draft_to_councils(amendment, by=boards["chair"], on=D(2026, 8, 3), ab_meeting_on=D(2026, 9, 1))
    send_draft_to_councils(amendment, by=boards["chair"], on=D(2026, 8, 3), ab_meeting_on=D(2026, 10, 26))
    propose(amendment, by=boards["chair"], on=D(2026, 10, 20))
    decide(
        amendment,
        by=boards["ab_a"],
        meeting_on=D(2026, 10, 26),
        outcome="rejected",
        minutes_reference="AB 8",
        votes=votes_for(boards, D(2026, 10, 26)),
    )
    amendment.refresh_from_db()
    adopted.refresh_from_db()
    assert amendment.status == BudgetStatus.DRAFT  # back to the office to revise, then to the councils again
    assert adopted.status == BudgetStatus.SENT_TO_PROVINCE  # the adopted version stays in force


def test_a_version_the_user_cannot_open_is_listed_without_a_link(login, staff_user, contact_weert, adopted):
    """Found in the walkthrough: a council's contact saw a link to the draft amendment, which is 404
    for it (a draft is the office's until it is sent)."""
    amendment = start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    link = f'href="{amendment.get_absolute_url()}"'
    assert login(contact_weert).get(amendment.get_absolute_url()).status_code == 404
    page = login(contact_weert).get(adopted.get_absolute_url()).content.decode()
    assert "Begrotingswijziging 1 van 2027 module 1" in page and link not in page
    assert link in login(staff_user).get(adopted.get_absolute_url()).content.decode()


def test_amendment_page_makes_one_and_explains_bad_input(login, staff_user, adopted):
    client = login(staff_user)
    url = reverse("budgeting:amend", args=[adopted.pk])
    response = client.post(url, {"reason": "", "needs_council_views": "on"})
    assert response.status_code == 200 and "Dit veld is verplicht." in response.content.decode()
    assert not Budget.objects.filter(amends=adopted).exists()
    response = client.post(url, {"reason": "Meer inkoop", "needs_council_views": "on"})
    amendment = Budget.objects.get(amends=adopted)
    assert response["Location"] == amendment.get_absolute_url()
    page = client.get(amendment.get_absolute_url()).content.decode()
    assert "Begrotingswijziging 1 van 2027 module 1" in page and "Meer inkoop" in page
    assert "Nog geen wijzigingen" in page
    assert client.post(url, {"reason": "Nog een", "needs_council_views": "on"}).status_code == 200
    assert Budget.objects.filter(amends=adopted).count() == 1


def test_the_adopted_page_offers_an_amendment_and_shows_the_versions(login, staff_user, contact_weert, adopted):
    page = login(staff_user).get(adopted.get_absolute_url()).content.decode()
    assert "Begrotingswijziging maken" in page and "Versies" in page
    start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    page = login(contact_weert).get(adopted.get_absolute_url()).content.decode()
    assert "Begrotingswijziging maken" not in page
    assert "Begrotingswijziging 1 van 2027 module 1" in page  # in the history of versions
