"""Staff drafts a budget, a council's view is recorded, the DB replies and proposes, the AB adopts,
and the budget can no longer be edited. axe checks every page on the way."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from budgeting.models import Budget, BudgetStatus
from entity.models import Module
from tests.browser.test_roles import log_in
from tests.factories import BoardSeatFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_budget_from_draft_to_adoption(page, users, region, check_a11y):
    today = timezone.localdate()
    BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="DB", position="chair")
    BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="AB")
    BoardSeatFactory(person=users["ab"], municipality=region["weert"], body="AB")
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=today.year + 2, created_by=users["staff"])
    meeting = today + datetime.timedelta(weeks=13)
    url = f"/begrotingen/{budget.pk}/"

    log_in(page, users["staff"].username)  # staff drafts a line
    page.goto(url)
    page.get_by_role("link", name="Regel toevoegen").click()
    check_a11y(page)
    page.get_by_label("Soort").select_option(label="overige kosten")
    page.get_by_label("Omschrijving").fill("ICT en licenties")
    page.get_by_label("Bedrag").fill("45.000,00")
    page.get_by_role("button", name="Regel opslaan").click()
    expect(page.locator("tfoot").first).to_contain_text("€\u00a047.250,00")  # with 5 % contingency
    check_a11y(page)

    log_in(page, users["db"].username)  # the DB sends the framework letter and the draft
    page.goto(url)
    page.get_by_role("button", name="Kaderbrief naar de raden sturen").click()
    expect(page.get_by_role("status")).to_contain_text("kaderbrief verzonden")
    page.get_by_label("AB-vergadering die haar vaststelt").fill(meeting.isoformat())
    page.get_by_role("button", name="Ontwerpbegroting naar de raden sturen").click()
    expect(page.get_by_role("status")).to_contain_text("ontwerpbegroting naar de raden")

    log_in(page, users["contact_weert"].username)  # Weert records its council's view
    page.goto(url)
    page.get_by_role("link", name="Zienswijze vastleggen").click()
    check_a11y(page)
    page.get_by_label("Zienswijze").select_option(label="bezwaar")
    page.get_by_label("Punten van de raad").fill("De raad vraagt lagere ICT-kosten.")
    page.get_by_label("Raadsbesluit van").fill(today.isoformat())
    page.get_by_role("button", name="Zienswijze opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De zienswijze van Weert is vastgelegd")

    log_in(page, users["db"].username)  # the DB replies and proposes
    page.goto(url)
    page.get_by_label("Gemotiveerde reactie van het DB").fill("De ICT-kosten volgen uit het aanbestede contract.")
    page.get_by_role("button", name="Reactie opslaan").click()
    page.get_by_role("button", name="Begroting aan het AB voorstellen").click()
    expect(page.get_by_role("status")).to_contain_text("voorgesteld door het DB")
    check_a11y(page)

    log_in(page, users["ab"].username)  # the AB adopts
    page.goto(url)
    page.get_by_role("link", name="Besluit van het AB vastleggen").click()
    check_a11y(page)
    page.get_by_label("Besluit", exact=True).select_option(label="vastgesteld")
    page.get_by_label("Kenmerk notulen").fill("AB 13")
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("vastgesteld door het AB")
    expect(page.get_by_role("link", name="Regel toevoegen")).to_have_count(0)
    check_a11y(page)
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.ADOPTED

    log_in(page, users["staff"].username)  # and staff can no longer edit it
    page.goto(url)
    expect(page.get_by_role("link", name="Regel toevoegen")).to_have_count(0)
    expect(page.get_by_role("link", name="ICT en licenties")).to_have_count(0)
