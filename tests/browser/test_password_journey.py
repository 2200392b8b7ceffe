"""A forgotten password in the browser: from the login page's "Wachtwoord vergeten?" to the mail,
its link, choosing a password and logging in with it. axe checks every page on the way, also the
page for a link that no longer works."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHOSEN = "zelf-gekozen-wachtwoord-2026"


def test_a_user_who_forgot_the_password_chooses_a_new_one(page, users, live_server, settings, check_a11y):
    settings.PORTAL_URL = live_server.url
    staff = users["staff"]
    staff.email = "sanne@example.org"
    staff.save()
    page.goto("/account/inloggen/")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten")
    check_a11y(page)
    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in uw e-mail")
    check_a11y(page)

    [message] = mail.outbox
    link = re.search(r"http://\S+/account/wachtwoord-kiezen/\S+/", message.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies uw wachtwoord")
    check_a11y(page)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(CHOSEN)
    page.get_by_label("Nieuw wachtwoord bevestigen").fill(CHOSEN)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw wachtwoord is opgeslagen")
    check_a11y(page)

    page.get_by_role("link", name="Inloggen").last.click()
    page.get_by_label("Gebruikersnaam").fill(staff.username)
    page.get_by_label("Wachtwoord", exact=True).fill(CHOSEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator(".user-name")).to_have_text(staff.get_full_name())

    page.goto(link)  # used once: it no longer works
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet meer")
    check_a11y(page)
