import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from budgeting.models import Budget, BudgetLine, BudgetStatus, CouncilView
from entity.models import Module
from tests.factories import BoardSeatFactory

D = datetime.date


@pytest.fixture
def draft(region, staff_user):
    return Budget.objects.create(module=Module.objects.get(number=1), year=2028, created_by=staff_user)


@pytest.fixture
def seats(users, region):
    return {
        "db": BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="DB", position="chair"),
        "db_ab": BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="AB"),
        "ab": BoardSeatFactory(person=users["ab"], municipality=region["weert"], body="AB"),
    }


def text(response) -> str:
    return response.content.decode()


def test_staff_adds_a_personnel_line_in_dutch_numbers(login, users, draft):
    from entity.models import Function

    response = login(users["staff"]).post(
        reverse("budgeting:line_add", args=[draft.pk]),
        {
            "kind": "personnel",
            "description": "Contractmanager",
            "function": Function.objects.get(number=3).pk,
            "salary_scale": "11",
            "fte": "1,66",
            "cost_per_fte": "90.000,00",
            "amount": "",
            "nature": "structural",
            "package": "basic",
        },
    )
    assert response.status_code == 302
    assert draft.lines.get().base_amount == Decimal("149400.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "personnel", "fte": "1", "cost_per_fte": "1"}, "functie, fte en de jaarkosten"),
        ({"kind": "other", "amount": ""}, "Vul het bedrag"),
        ({"kind": "other", "amount": "10,00", "package": "plus"}, "kies die gemeente"),
        ({"kind": "other", "amount": "tien"}, "Voer een getal in"),
    ],
)
def test_bad_line_input_is_explained_and_nothing_saved(login, users, draft, data, message):
    post = {"description": "Regel", "nature": "structural", "package": "basic", **data}
    response = login(users["staff"]).post(reverse("budgeting:line_add", args=[draft.pk]), post)
    assert response.status_code == 200 and message in text(response)
    assert not draft.lines.exists()


def test_an_adopted_budget_offers_no_editing(login, users, draft):
    line = BudgetLine.objects.create(budget=draft, kind="other", description="ICT", amount=Decimal("5.00"))
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.ADOPTED)
    client = login(users["staff"])
    response = client.post(reverse("budgeting:line_edit", args=[draft.pk, line.pk]), {"amount": "1"}, follow=True)
    assert "vastgesteld" in text(response)
    assert client.post(reverse("budgeting:line_delete", args=[draft.pk, line.pk]), follow=True).status_code == 200
    assert BudgetLine.objects.get(pk=line.pk).amount == Decimal("5.00")
    assert "Regel toevoegen" not in text(client.get(reverse("budgeting:detail", args=[draft.pk])))


def test_db_step_too_early_ab_meeting_is_explained(login, users, draft, seats):
    client = login(users["db"])
    url = reverse("budgeting:db_step", args=[draft.pk])
    # Steps are recorded once taken: dated today or earlier (a year before the 2028 budget's own
    # year would not do for the AB meeting, so the budget is moved to 2027 here).
    Budget.objects.filter(pk=draft.pk).update(year=2027)
    client.post(url, {"step": "framework", "on": "2026-03-01"})
    response = client.post(url, {"step": "draft", "on": "2026-04-01", "ab_meeting_on": "2026-05-01"}, follow=True)
    assert "12 weken" in text(response)
    draft.refresh_from_db()
    assert draft.status == BudgetStatus.FRAMEWORK_SENT
    response = client.post(url, {"step": "draft", "on": "2026-04-01"}, follow=True)
    assert "Plan de AB-vergadering" in text(response)


def test_only_db_members_take_db_steps(login, users, draft, seats):
    for role in ("staff", "ab", "contact_weert"):
        assert (
            login(users[role])
            .post(reverse("budgeting:db_step", args=[draft.pk]), {"step": "framework", "on": "2026-03-01"})
            .status_code
            == 403
        )
    assert Budget.objects.get(pk=draft.pk).status == BudgetStatus.DRAFT


def test_contact_records_the_view_of_its_own_council_only(login, users, draft, region):
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.DRAFT_SENT)
    client = login(users["contact_weert"])
    url = reverse("budgeting:view_add", args=[draft.pk])
    page = text(client.get(url))
    assert ">Weert</option>" in page and ">Venlo</option>" not in page
    response = client.post(url, {"municipality": region["venlo"].pk, "opinion": "none", "decided_on": "2027-05-01"})
    assert response.status_code == 200 and not CouncilView.objects.exists()
    response = client.post(
        url, {"municipality": region["weert"].pk, "opinion": "objection", "text": "", "decided_on": "2027-05-01"}
    )
    assert "Een bezwaar heeft de punten van de raad nodig" in text(response)
    client.post(
        url, {"municipality": region["weert"].pk, "opinion": "objection", "text": "Te duur", "decided_on": "2027-05-01"}
    )
    assert CouncilView.objects.get().entered_by == users["contact_weert"]
    again = client.post(url, {"municipality": region["weert"].pk, "opinion": "none", "decided_on": "2027-05-02"})
    assert "al vastgelegd" in text(again) and CouncilView.objects.count() == 1


def test_home_pages_show_what_waits_for_whom(login, users, region, seats):
    from django.utils import timezone

    today = timezone.localdate()
    module = Module.objects.get(number=1)
    late = Budget.objects.create(module=module, year=today.year + 1, created_by=users["staff"])  # letter was due
    proposed = Budget.objects.create(
        module=module,
        year=today.year + 2,
        created_by=users["staff"],
        status=BudgetStatus.PROPOSED,
        ab_meeting_on=today + datetime.timedelta(days=30),
    )
    staff_home = text(login(users["staff"]).get("/"))
    assert "Begrotingscyclus: termijnen" in staff_home
    assert f"Begroting {late.year} module 1</a>: Kaderbrief aan de raden" in staff_home and "te laat" in staff_home
    db_home = text(login(users["db"]).get("/"))
    assert "Wacht op het DB" in db_home and f"Begroting {late.year} module 1" in db_home
    ab_home = text(login(users["ab"]).get("/"))
    assert "Wacht op vaststelling door het AB" in ab_home and f"Begroting {proposed.year} module 1" in ab_home
    assert "Wacht op het DB" not in ab_home and "Begrotingscyclus" not in ab_home
    contact_home = text(login(users["contact_weert"]).get("/"))
    assert "Wacht op" not in contact_home


def test_the_ab_decides_with_the_views_and_replies_in_front_of_it(login, users, draft, region):
    CouncilView.objects.create(
        budget=draft,
        municipality=region["weert"],
        opinion="objection",
        text="Lagere overhead.",
        decided_on=datetime.date(2026, 6, 1),
        entered_by=users["staff"],
        reply="De overhead daalt vanaf het tweede jaar.",
    )
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.PROPOSED)
    page = login(users["ab"]).get(reverse("budgeting:decide", args=[draft.pk])).content.decode()
    assert "Weert: bezwaar" in page and "Lagere overhead." in page and "De overhead daalt" in page
    assert reverse("budgeting:pdf", args=[draft.pk]) in page


def test_a_contact_sees_what_is_with_its_council(login, users, draft, region):
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.DRAFT_SENT, draft_sent_on=datetime.date(2026, 4, 1))
    client = login(users["contact_weert"])
    page = client.get("/").content.decode()
    assert (
        "Bij uw raad voor een zienswijze" in page
        and 'mogelijk tot <time datetime="2026-06-24">24-06-2026</time>' in page
    )
    assert reverse("budgeting:view_add", args=[draft.pk]) in page
    CouncilView.objects.create(
        budget=draft,
        municipality=region["weert"],
        opinion="none",
        decided_on=datetime.date(2026, 6, 1),
        entered_by=users["contact_weert"],
    )
    assert "zienswijze vastgelegd: geen bezwaar" in client.get("/").content.decode()


def test_a_draft_with_the_councils_no_longer_changes(login, users, draft):
    line = BudgetLine.objects.create(budget=draft, kind="other", description="ICT", amount=Decimal("100.00"))
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.DRAFT_SENT)
    client = login(users["staff"])
    response = client.post(
        reverse("budgeting:line_edit", args=[draft.pk, line.pk]),
        {"kind": "other", "description": "ICT", "amount": "999,00", "nature": "structural", "package": "basic"},
    )
    assert response.status_code == 302
    client.post(reverse("budgeting:line_delete", args=[draft.pk, line.pk]))
    assert BudgetLine.objects.get(pk=line.pk).amount == Decimal("100.00")
    assert "Regel toevoegen" not in client.get(reverse("budgeting:detail", args=[draft.pk])).content.decode()
