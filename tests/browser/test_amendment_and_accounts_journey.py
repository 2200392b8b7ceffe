"""Staff amends an adopted budget, the DB proposes it and the AB adopts it; then staff enters the
annual accounts, which the DB sends on and proposes and the AB adopts. The AB chooses every vote and
confirms each decision on a page with the tally. axe checks every page on the way."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from budgeting.models import AnnualAccounts, Budget, BudgetStatus
from entity.models import Module
from tests.browser.test_roles import log_in
from tests.budgeting.helpers import other
from tests.factories import BoardSeatFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_amendment_then_annual_accounts(page, users, region, check_a11y):
    today = timezone.localdate()
    BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="DB", position="chair")
    BoardSeatFactory(person=users["db"], municipality=region["venlo"], body="AB")
    BoardSeatFactory(person=users["ab"], municipality=region["weert"], body="AB")
    # Last year's budget, adopted: its accounts can be made now that the year has ended.
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=today.year - 1, created_by=users["staff"])
    other(budget, "45000.00", description="ICT en licenties")
    Budget.objects.filter(pk=budget.pk).update(
        status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=datetime.date(today.year - 2, 7, 1)
    )

    log_in(page, users["staff"].username)
    page.goto(f"/begrotingen/{budget.pk}/")
    page.get_by_role("link", name="Begrotingswijziging maken").click()
    check_a11y(page)
    page.get_by_label("Reden van de wijziging").fill("Hogere licentiekosten na de aanbesteding.")
    page.get_by_label("Raden geven hun zienswijze").uncheck()
    page.get_by_role("button", name="Wijziging maken").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Begrotingswijziging 1 van")
    page.get_by_role("link", name="ICT en licenties").click()
    page.get_by_label("Bedrag").fill("50.000,00")
    page.get_by_role("button", name="Regel opslaan").click()
    expect(page.get_by_role("region", name="Verschil per regel")).to_contain_text("€\u00a05.000,00")
    check_a11y(page)
    amendment = Budget.objects.get(amends=budget)

    log_in(page, users["db"].username)
    page.goto(f"/begrotingen/{amendment.pk}/")
    page.get_by_role("button", name="Begrotingswijziging aan het AB voorstellen").click()
    expect(page.get_by_role("status")).to_contain_text("voorgesteld door het DB")

    log_in(page, users["ab"].username)
    page.goto(f"/begrotingen/{amendment.pk}/besluit/")
    ab_decides(page, check_a11y, "AB 21", "De begrotingswijziging wordt vastgesteld en bevroren")
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.SUPERSEDED

    log_in(page, users["staff"].username)  # the accounts of the amended budget
    page.goto(f"/begrotingen/{amendment.pk}/")
    page.get_by_role("button", name="Jaarrekening beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jaarrekening")
    check_a11y(page)
    page.get_by_role("link", name="Realisatie invullen").click()
    page.get_by_label("Gerealiseerd: ICT en licenties").fill("40.000,00")
    page.get_by_role("button", name="Realisatie opslaan").click()
    expect(page.locator("main")).to_contain_text("De afwijking is meer dan 10 % of € 25.000: licht haar toe.")
    check_a11y(page)
    page.get_by_label("Toelichting: ICT en licenties").fill("Korting op de licenties.")
    page.get_by_role("button", name="Realisatie opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De realisatie is opgeslagen")
    expect(page.locator("main")).to_contain_text("Overschot: €\u00a012.500,00")  # 52,500 budgeted, 40,000 realised
    check_a11y(page)

    log_in(page, users["db"].username)
    accounts = AnnualAccounts.objects.get()
    page.goto(f"/jaarrekeningen/{accounts.pk}/")
    page.get_by_role("button", name="Voorlopige jaarrekening naar de raden sturen").click()
    expect(page.get_by_role("status")).to_contain_text("voorlopige jaarrekening naar de raden")
    check_a11y(page)
    page.get_by_role("button", name="Jaarrekening aan het AB voorstellen").click()
    expect(page.get_by_role("status")).to_contain_text("voorgesteld door het DB")

    log_in(page, users["ab"].username)
    page.goto(f"/jaarrekeningen/{accounts.pk}/")
    page.get_by_role("link", name="Besluit van het AB vastleggen").click()
    ab_decides(page, check_a11y, "AB 22", "De jaarrekening wordt vastgesteld en bevroren")
    assert AnnualAccounts.objects.get(pk=accounts.pk).status == "adopted"


def ab_decides(page, check_a11y, minutes: str, consequence: str) -> None:
    """The AB member records an adoption on today's meeting: every vote chosen, the tally checked
    on the confirmation, back once to the form (the input kept), then confirmed."""
    expect(page.get_by_label("Vergaderdatum")).to_have_value(timezone.localdate().isoformat())
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)  # no vote is pre-filled
    check_a11y(page)
    page.get_by_label("Besluit", exact=True).select_option(label="vastgesteld")
    page.get_by_label("Kenmerk notulen").fill(minutes)
    page.get_by_role("group", name=re.compile(r"\(Venlo\)")).get_by_label("voor").check()
    page.get_by_role("group", name=re.compile(r"\(Weert\)")).get_by_label("tegen").check()
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("main")).to_contain_text("De vastgelegde stemmen dragen geen vaststelling.")
    page.get_by_role("group", name=re.compile(r"\(Weert\)")).get_by_label("voor").check()
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bevestig het besluit")
    expect(page.get_by_role("region", name="De stemmen")).to_contain_text("Voor: 2")
    expect(page.get_by_role("region", name="De stemmen")).to_contain_text("Aanwezig: 2 van de 2 leden")
    expect(page.locator("main")).to_contain_text(consequence)
    check_a11y(page)
    page.get_by_role("button", name="Terug").click()
    expect(page.get_by_label("Kenmerk notulen")).to_have_value(minutes)
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("status")).to_contain_text("vastgesteld door het AB")
