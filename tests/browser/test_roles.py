"""Each role logs in through the login form, reaches its home page and walks its pages; axe
checks every page visited for WCAG 2.1 A/AA violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from budgeting.models import AnnualAccounts, Budget
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# role -> (pages to visit after home, a text the home page must show)
JOURNEYS = {
    "staff": (
        [
            "/gemeenten/",
            "/gemeenten/weert/",
            "/modules/1/?datum=2025-12-31",
            "/gemeenten/inwoners/import/",
            "/organisatie/",
            "/begrotingen/",
            "/begrotingen/{budget}/",
            "/begrotingen/{budget}/uitvoeringsplan/",
            "/begrotingen/{amendment}/",
            "/begrotingen/{amendment}/uitvoeringsplan/activiteit/",
            "/begrotingen/{amendment}/uitvoeringsplan/pluspakket/",
            "/jaarrekeningen/{accounts}/",
            "/begrotingen/{budget}/kostenverdeling/",
            "/begrotingen/{adopted}/kostenverdeling/weert/",
            "/begrotingen/{amendment}/kostenverdeling/grondslag/",
            "/overgang/{programme}/",
            "/overgang/{programme}/functies/",
            "/overgang/{programme}/risicos/",
            "/overgang/rapportages/{report}/",
            "/begrotingen/{adopted}/toetredingsscenario/",
            "/jaarrekeningen/{accounts}/kostenverdeling/",
            "/jaarrekeningen/{accounts}/kostenverdeling/venlo/",
        ],
        "Wijzigingen in deelname",
    ),
    "manager": (
        [
            "/gemeenten/?sort=-inhabitants",
            "/modules/",
            "/begrotingen/{adopted}/wijziging/",
            "/begrotingen/{adopted}/toetredingsscenario/",
            "/begrotingen/{adopted}/financiele-kaders/",
        ],
        "Wijzigingen in deelname",
    ),
    "db": (
        ["/organisatie/", "/modules/2/", "/begrotingen/{amendment}/", "/begrotingen/{amendment}/kostenverdeling/"],
        "Module 2",
    ),
    "ab": (
        [
            "/modules/1/?datum=2026-01-01",
            "/jaarrekeningen/{accounts}/",
            "/jaarrekeningen/{accounts}/kostenverdeling/",
            "/begrotingen/{adopted}/kostenverdeling/venlo/",
        ],
        "Module 1",
    ),
    "kwartiermaker": (
        [
            "/modules/1/?datum=2026-01-01",
            "/begrotingen/{adopted}/kostenverdeling/",
            "/begrotingen/{adopted}/toetredingsscenario/",
            "/overgang/{programme}/",
            "/overgang/{programme}/go-no-go/",
            "/overgang/{programme}/mijlpalen/nieuw/",
            "/overgang/{programme}/mijlpalen/{steps_milestone}/gemeenten/",
            "/overgang/{programme}/functies/",
            "/overgang/{programme}/risicos/nieuw/",
            "/overgang/{programme}/personeel/nieuw/",
            "/overgang/rapportages/{draft_report}/",
        ],
        "Van 7 naar 14 deelnemers",
    ),
    "contact_weert": (
        [
            "/gemeenten/weert/",
            "/modules/1/",
            "/begrotingen/{budget}/",
            "/jaarrekeningen/{accounts}/",
            "/begrotingen/{adopted}/kostenverdeling/weert/",
            "/begrotingen/{budget}/kostenverdeling/",  # the table leads a contact to its own statement
            "/overgang/{programme}/",  # its own steps
            "/overgang/rapportages/{report}/",
        ],
        "Uw gemeente: Weert",
    ),
}


def log_in(page, username: str) -> None:
    page.goto("/")
    if "/account/inloggen/" not in page.url:
        page.get_by_role("button", name="Uitloggen").click()
        page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/inloggen/"))
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.mark.parametrize("role", sorted(JOURNEYS))
def test_role_logs_in_and_walks_its_pages(page, users, region, check_a11y, role):
    from budgeting.demo import load_budget_demo
    from transition.demo import load_transition_demo
    from transition.models import Milestone, Programme, ProgressReport

    load_budget_demo()
    load_transition_demo()
    ids = {
        "programme": Programme.objects.get().pk,
        "steps_milestone": Milestone.objects.filter(per_municipality=True).first().pk,
        "report": ProgressReport.objects.filter(issued_on__isnull=False).first().pk,
        "draft_report": ProgressReport.objects.get(issued_on__isnull=True).pk,
        "budget": Budget.objects.get(year=2027, version=1).pk,
        "amendment": Budget.objects.get(year=2027, version=2).pk,
        "adopted": Budget.objects.get(year=2026).pk,
        "accounts": AnnualAccounts.objects.get().pk,
    }
    user = users[role]
    page.goto("/account/inloggen/")
    check_a11y(page)
    log_in(page, user.username)
    pages, home_text = JOURNEYS[role]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.locator("main")).to_contain_text(home_text)
    check_a11y(page)
    for path in pages:
        response = page.goto(path.format(**ids))
        assert response.status == 200, path
        check_a11y(page)


def test_bad_login_shows_an_accessible_message(page, users, check_a11y):
    page.goto("/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("medewerker")
    page.get_by_label("Wachtwoord").fill("verkeerd")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Voer een juiste gebruikersnaam")
    check_a11y(page)


def test_skip_link_moves_focus_to_the_content(page, users, region):
    log_in(page, users["staff"].username)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#inhoud$"))


def test_module_date_picker(page, users, region, check_a11y):
    log_in(page, users["staff"].username)
    page.goto("/modules/1/")
    page.get_by_label("Datum", exact=True).fill("2025-12-31")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("caption")).to_contain_text("7 deelnemers op 31-12-2025")
    page.get_by_label("Datum", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("caption")).to_contain_text("14 deelnemers op 01-01-2026")
    check_a11y(page)


def test_contact_cannot_open_another_municipality(page, users, region):
    log_in(page, users["contact_weert"].username)
    response = page.goto("/gemeenten/venlo/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")


def test_population_import_in_the_browser(page, users, region, tmp_path, check_a11y):
    bad = tmp_path / "fout.csv"
    bad.write_text("Regio's;Perioden;Bevolking op 1 januari\nWert;2026;120000\n", encoding="utf-8")
    good = tmp_path / "goed.csv"
    good.write_text("Regio's;Perioden;Bevolking op 1 januari\nWeert;2026;51500\n", encoding="utf-8")
    log_in(page, users["staff"].username)
    page.goto("/gemeenten/inwoners/import/")
    page.get_by_label("CSV-bestand").set_input_files(str(bad))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.locator("main")).to_contain_text("Regel 2: onbekende gemeente 'Wert'")
    check_a11y(page)
    page.get_by_label("CSV-bestand").set_input_files(str(good))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.get_by_role("status")).to_contain_text("1 bevolkingscijfers geïmporteerd")
