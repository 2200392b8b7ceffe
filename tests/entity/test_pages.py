import datetime

import pytest
from django.urls import reverse

from access.navigation import navigation


def text(response) -> str:
    return response.content.decode()


def test_module_page_shows_7_then_14_participants(login, users, region):
    client = login(users["staff"])
    url = reverse("entity:module", args=[1])
    before = text(client.get(url, {"datum": "31-12-2025"}))
    after = text(client.get(url, {"datum": "2026-01-01"}))
    assert "7 deelnemers op 31-12-2025" in before
    assert "Weert" not in before
    assert "14 deelnemers op 01-01-2026" in after
    assert "Weert" in after
    assert "100,00\u00a0%" in after


def test_module_page_with_a_bad_date_explains_and_uses_today(login, users, region):
    response = login(users["staff"]).get(reverse("entity:module", args=[1]), {"datum": "31-02-2025"})
    assert response.status_code == 200
    assert "Vul een geldige datum in" in text(response)


def test_home_for_internal_roles_shows_modules_and_the_joining(login, users, region):
    html = text(login(users["kwartiermaker"]).get(reverse("home")))
    assert "Wijzigingen in deelname" in html
    assert "01-01-2026" in html
    assert "Van 7 naar 14 deelnemers" in html
    assert "Module 1" in html and "Module 2" in html


def test_home_for_a_contact_shows_its_own_municipality_only(login, users):
    html = text(login(users["contact_weert"]).get(reverse("home")))
    assert "Uw gemeente: Weert" in html
    assert "GM0988" in html
    assert "Wijzigingen in deelname" not in html
    assert "Venlo" not in html


def test_home_without_role_explains(login, users):
    html = text(login(users["norole"]).get(reverse("home")))
    assert "nog geen rol" in html


def test_navigation_shows_only_what_the_role_may_use(users):
    def names(user):
        return {item.url_name for item in navigation(user)}

    assert "municipalities:import" in names(users["staff"])
    assert "admin:index" in names(users["manager"])
    assert "admin:index" not in names(users["staff"])
    assert names(users["contact_weert"]) == {
        "home",
        "municipalities:list",
        "entity:modules",
        "contracts:list",
        "contracts:invoices",
        "monitor:overview",  # its own municipality's figures, small numbers hidden
        "budgeting:list",
        "transition:index",  # its own steps and the issued progress reports
    }
    assert names(users["norole"]) == set()


def test_municipality_list_is_sortable_and_shows_inhabitants(login, users, region):
    client = login(users["staff"])
    html = text(client.get(reverse("municipalities:list"), {"sort": "-inhabitants"}))
    assert html.index("Venlo") < html.index("Roermond") < html.index("Beesel")
    assert "104.300" in html or "103.785" in html
    assert 'aria-sort="descending"' in html


def test_municipality_detail_shows_history_and_memberships(login, users, region):
    html = text(login(users["staff"]).get(reverse("municipalities:detail", args=["weert"])))
    assert "51.378" in html and "01-01-2025" in html
    assert "Module 1" in html and "01-01-2026" in html


@pytest.mark.parametrize("role", ["staff", "db", "contact_weert"])
def test_pages_are_dutch_with_landmarks(login, users, region, role):
    html = text(login(users[role]).get(reverse("home")))
    assert '<html lang="nl">' in html
    assert 'href="#inhoud"' in html and '<main id="inhoud"' in html
    assert '<nav class="main-nav" aria-label="Hoofdmenu">' in html


def test_organisation_lists_functions_and_boards(login, users, region):
    from django.core.management import call_command

    call_command("load_demo", "--allow-demo-users", verbosity=0, stdout=open("/dev/null", "w"))
    html = text(login(users["ab"]).get(reverse("entity:organisation")))
    assert "Facturatie" in html and "Contractmanagement en contractbeheer" in html
    assert "Peter Janssen" in html
    assert html.count("<tr>") >= 8 + 14 + 3


def test_today_is_amsterdam_time(settings):
    from django.utils import timezone

    assert settings.TIME_ZONE == "Europe/Amsterdam"
    assert isinstance(timezone.localdate(), datetime.date)


def test_chairs_come_first_and_seats_name_their_body(login, users, region):
    from django.core.management import call_command

    call_command("load_demo", "--allow-demo-users", verbosity=0, stdout=open("/dev/null", "w"))
    html = text(login(users["staff"]).get(reverse("entity:organisation")))
    daily = html[html.index("Dagelijks bestuur (DB) op") :]
    first_row = daily[daily.index("<tbody>") : daily.index("</tr>", daily.index("<tbody>"))]
    assert "Peter Janssen" in first_row and "voorzitter" in first_row
    venlo = text(login(users["staff"]).get(reverse("municipalities:detail", args=["venlo"])))
    assert "<td>AB</td>" in venlo and "<td>DB</td>" in venlo


def test_module_date_picker_shows_the_date_in_use(login, users, region):
    client = login(users["staff"])
    html = text(client.get(reverse("entity:module", args=[1]), {"datum": "31-12-2025"}))
    assert 'value="2025-12-31"' in html
    html = text(client.get(reverse("entity:module", args=[1])))
    assert f'value="{datetime.date.today():%Y-%m-%d}"' in html or "value=" in html


def test_estimates_are_marked(login, users, region):
    client = login(users["staff"])
    module_page = text(client.get(reverse("entity:module", args=[1]), {"datum": "2026-01-01"}))
    assert "schatting" in module_page  # several 2025 counts in the demo data are estimates
    listing = text(client.get(reverse("municipalities:list")))
    assert "schatting" in listing


def test_logging_out_says_so(client, users):
    client.force_login(users["staff"])
    response = client.post(reverse("logout"), follow=True)
    assert "U bent uitgelogd." in text(response)
