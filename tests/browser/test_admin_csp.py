"""The management pages (Django admin) work under the strict Content-Security-Policy: their
scripts run (they are files, not inline code) and Chromium reports nothing blocked (the page
fixture fails the test on any report)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_works_in_the_admin_under_the_policy(page, users, region):
    page.goto("/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(users["manager"].username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto("/beheer/")
    expect(page.get_by_role("heading", name="Referentiegegevens")).to_be_visible()
    page.goto("/beheer/entity/membership/add/")
    # The calendar shortcut is added by the admin's DateTimeShortcuts.js: it ran.
    expect(page.get_by_role("link", name="Vandaag").first).to_be_visible()
    page.goto("/beheer/entity/membership/")
    # The select-all checkbox of the action bar is wired by actions.js.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("geselecteerd")
