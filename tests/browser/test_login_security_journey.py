"""Login security in the browser: a manager requires two-factor login for the general board; an
AB member then logs in, is sent to enrolment, types the secret shown on the page into "the app"
(computed here), reaches home, and at the next login gives a code. Five wrong passwords show
the lockout page. axe checks every new page."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.test_roles import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_login(page, username: str, password: str) -> None:
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def app_code(secret: str, ahead: int = 0) -> str:
    """What an authenticator app shows for this secret (``ahead`` time steps later)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + ahead * 30
    return f"{totp.token():06d}"


def test_manager_requires_two_factor_and_ab_member_enrols(page, users, region, check_a11y, settings):
    # No wait after a wrong code here (the throttle is tested in tests/test_login_security.py).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    log_in(page, users["manager"].username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inlogbeveiliging").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geblokkeerde logins")
    check_a11y(page)
    page.get_by_role("link", name="Beleid tweestapsverificatie").click()
    check_a11y(page)
    page.get_by_label("Algemeen bestuur").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het beleid voor tweestapsverificatie is opgeslagen")
    page.get_by_role("button", name="Uitloggen").click()

    # The AB member: the password is right, then enrolment comes before any other page.
    page.goto("/")
    fill_login(page, users["ab"].username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/tweestapsverificatie/instellen/"))
    expect(page.locator("main")).to_contain_text("Uw rol vereist tweestapsverificatie")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
    check_a11y(page)
    page.goto("/begrotingen/")
    expect(page).to_have_url(re.compile(r"/account/tweestapsverificatie/instellen/"))
    secret = page.locator("#secret").inner_text()
    page.get_by_label("Code uit de app").fill(app_code(secret))
    page.get_by_role("button", name="Bevestigen en inschakelen").click()
    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    expect(page.locator(".code-list li")).to_have_count(8)
    check_a11y(page)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    page.get_by_role("button", name="Uitloggen").click()

    # The next login asks for a code (the next one: the app's current code was used already).
    fill_login(page, users["ab"].username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/tweestapsverificatie/code/"))
    check_a11y(page)
    page.get_by_label("Code uit de app").fill("000000" if app_code(secret, 1) != "000000" else "111111")
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code is niet juist")
    check_a11y(page)
    page.get_by_label("Code uit de app").fill(app_code(secret, 1))
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def test_lockout_page_is_accessible(page, users, check_a11y):
    page.goto("/account/inloggen/")
    for _i in range(5):
        fill_login(page, users["staff"].username, "verkeerd-wachtwoord")
    expect(page.get_by_role("alert")).to_contain_text("Te veel mislukte inlogpogingen")
    expect(page.get_by_role("alert")).to_contain_text("leidinggevende")
    check_a11y(page)


def test_resetting_a_device_asks_first(page, users, region):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=users["staff"], name="app", confirmed=True)
    log_in(page, users["manager"].username)
    page.goto("/account/tweestapsverificatie/gebruikers/")
    button = page.get_by_role("button", name=re.compile("Tweestapsverificatie van .* resetten|Resetten"))
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    button.first.click()
    assert "opnieuw worden ingesteld" in questions[0]
    assert TOTPDevice.objects.filter(user=users["staff"]).exists()  # cancelled: nothing happened
    page.once("dialog", lambda dialog: answer(dialog, True))
    button.first.click()
    expect(page.get_by_text("Nog niemand gebruikt tweestapsverificatie")).to_be_visible()
    assert not TOTPDevice.objects.filter(user=users["staff"]).exists()
