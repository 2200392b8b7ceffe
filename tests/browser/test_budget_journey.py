"""Staff drafts a budget, a council's view is recorded, the DB replies and proposes, the AB adopts,
and the budget can no longer be edited. axe checks every page on the way.

The AB records its decision after its meeting, which lies after the councils' view period of twelve
weeks and after the DB's proposal: the steps are dated in the weeks before today. Each member's vote
is chosen (none is pre-filled) and the decision is confirmed on a page with the tally."""

from __future__ import annotations

import datetime
import re

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
    weeks = datetime.timedelta(weeks=1)
    sent, meeting = today - 13 * weeks, today - weeks  # the view period ended on the meeting day
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
    page.get_by_label("Datum", exact=True).fill((sent - weeks).isoformat())
    page.get_by_role("button", name="Kaderbrief naar de raden sturen").click()
    expect(page.get_by_role("status")).to_contain_text("kaderbrief verzonden")
    page.get_by_label("Datum", exact=True).fill(sent.isoformat())
    page.get_by_label("AB-vergadering die haar vaststelt").fill(meeting.isoformat())
    page.get_by_role("button", name="Ontwerpbegroting naar de raden sturen").click()
    expect(page.get_by_role("status")).to_contain_text("ontwerpbegroting naar de raden")

    log_in(page, users["contact_weert"].username)  # Weert records its council's view
    page.goto(url)
    page.get_by_role("link", name="Zienswijze vastleggen").click()
    check_a11y(page)
    page.get_by_label("Zienswijze").select_option(label="bezwaar")
    page.get_by_label("Punten van de raad").fill("De raad vraagt lagere ICT-kosten.")
    page.get_by_label("Raadsbesluit van").fill((meeting - 3 * weeks).isoformat())
    page.get_by_role("button", name="Zienswijze opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De zienswijze van Weert is vastgelegd")

    log_in(page, users["db"].username)  # the DB replies and proposes
    page.goto(url)
    page.get_by_label("Gemotiveerde reactie van het DB").fill("De ICT-kosten volgen uit het aanbestede contract.")
    page.get_by_role("button", name="Reactie opslaan").click()
    page.get_by_label("Datum", exact=True).fill((meeting - weeks).isoformat())
    page.get_by_role("button", name="Begroting aan het AB voorstellen").click()
    expect(page.get_by_role("status")).to_contain_text("voorgesteld door het DB")
    check_a11y(page)

    log_in(page, users["ab"].username)  # the AB adopts, choosing every vote and confirming
    page.goto(url)
    page.get_by_role("link", name="Besluit van het AB vastleggen").click()
    expect(page.get_by_label("Vergaderdatum")).to_have_value(meeting.isoformat())  # the planned meeting
    venlo, weert = (
        page.get_by_role("group", name=re.compile(r"\(Venlo\)")),
        page.get_by_role("group", name=re.compile(r"\(Weert\)")),
    )
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)  # no vote is pre-filled
    check_a11y(page)
    page.get_by_label("Besluit", exact=True).select_option(label="vastgesteld")
    page.get_by_label("Kenmerk notulen").fill("AB 13")
    venlo.get_by_label("voor").check()
    page.get_by_role("button", name="Besluit vastleggen").click()  # Weert's vote is missing
    expect(page.locator("main")).to_contain_text("Kies hoe dit lid stemde, of afwezig.")
    expect(page.get_by_label("Kenmerk notulen")).to_have_value("AB 13")
    expect(venlo.get_by_label("voor")).to_be_checked()
    check_a11y(page)
    weert.get_by_label("onthouden").check()
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bevestig het besluit")
    tally = page.get_by_role("region", name="De stemmen")
    for text in ("Voor: 1", "Tegen: 0", "Onthouden: 1", "Aanwezig: 2 van de 2 leden"):
        expect(tally).to_contain_text(text)
    expect(page.locator("main")).to_contain_text("De begroting wordt vastgesteld en bevroren")
    check_a11y(page)
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.PROPOSED  # nothing recorded yet
    page.get_by_role("button", name="Terug").click()  # back to the form, the input kept
    expect(page.get_by_label("Kenmerk notulen")).to_have_value("AB 13")
    expect(weert.get_by_label("onthouden")).to_be_checked()
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("status")).to_contain_text("vastgesteld door het AB")
    expect(page.get_by_role("link", name="Regel toevoegen")).to_have_count(0)
    check_a11y(page)
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.ADOPTED

    log_in(page, users["staff"].username)  # and staff can no longer edit it
    page.goto(url)
    expect(page.get_by_role("link", name="Regel toevoegen")).to_have_count(0)
    expect(page.get_by_role("link", name="ICT en licenties")).to_have_count(0)
