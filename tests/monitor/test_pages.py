"""The monitor's pages: what each role sees, small numbers hidden for a contact, drill-down links,
exports through the formula-safe writer, bad filters explained."""

import pytest
from django.urls import reverse

from contracts.models import Provider
from municipalities.models import Municipality

YEAR = "year=2026"


def get(client, user, name, *args, query=YEAR):
    client.force_login(user)
    return client.get(reverse(f"monitor:{name}", args=args) + f"?{query}")


def text(response) -> str:
    return response.content.decode()


def test_the_overview_shows_the_region_to_the_office(client, staff_user, declared):
    page = text(get(client, staff_user, "overview"))
    assert "€\u00a0716,00" in page  # 3 x 40 + 20 in Weert, 12 x 48 in Venlo
    assert "Weert" in page and "Venlo" in page
    assert "&lt; 5" not in page  # the office sees every number
    assert reverse("monitor:provider", args=[declared["provider"].pk]) in page  # one click to the provider


def test_a_contact_sees_its_own_municipality_with_small_numbers_hidden(client, contact_weert, declared):
    page = text(get(client, contact_weert, "overview"))
    assert "&lt; 5" in page  # Weert's 3 clients
    assert "€\u00a0140,00" not in page  # Weert's amount stays hidden
    assert "Venlo" not in page  # never another municipality's figures
    assert "€\u00a0716,00" in page  # the region's total


def test_a_contact_gets_404_for_another_municipality(client, contact_weert, declared, region):
    assert get(client, contact_weert, "municipality", "venlo").status_code == 404
    venlo = Municipality.objects.get(slug="venlo")
    assert get(client, contact_weert, "overview", query=f"municipality={venlo.pk}").status_code == 404
    assert get(client, contact_weert, "municipality", "weert").status_code == 200


@pytest.mark.parametrize("name", ["signals", "lines"])
def test_signals_and_lines_are_the_offices(client, contact_weert, ab_user, staff_user, declared, name):
    assert get(client, contact_weert, name).status_code == 403
    assert get(client, ab_user, name).status_code == 403
    assert get(client, staff_user, name).status_code == 200


def test_the_provider_page_prepares_the_conversation(client, staff_user, declared):
    page = text(get(client, staff_user, "provider", declared["provider"].pk))
    assert "€\u00a012,00" in page  # W000: 60.00 for 4 units at 12.00
    assert "0611" in page and "contractuele tarief" in page  # the return code with its meaning
    assert "Cliënt 1" in page  # the highest client totals, anonymous


def test_lines_above_the_tariff_lead_to_the_line(client, staff_user, declared):
    page = text(get(client, staff_user, "lines", query=f"{YEAR}&kind=above_tariff"))
    assert "DW001" in page and "€\u00a012,00" in page
    assert "DV001" not in page


def test_a_table_exports_as_csv_and_xlsx_with_hidden_cells_for_a_contact(client, contact_weert, declared):
    csv = get(client, contact_weert, "overview", query=f"{YEAR}&export=kerncijfers&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "< 5" in body and "140,00" not in body
    xlsx = get(client, contact_weert, "overview", query=f"{YEAR}&export=gemeenten&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert get(client, contact_weert, "overview", query=f"{YEAR}&export=nonsense").status_code == 404


@pytest.mark.parametrize("query", ["year=abc", "year=1200", "from_month=13", "from_month=6&to_month=2", "product=<x>"])
def test_bad_filters_are_explained_not_a_500(client, staff_user, declared, query):
    response = get(client, staff_user, "overview", query=query)
    assert response.status_code == 200
    assert 'class="errorlist' in text(response)


def test_unknown_provider_is_404_and_post_is_405(client, staff_user, declared):
    assert get(client, staff_user, "provider", Provider.objects.order_by("-pk").first().pk + 1).status_code == 404
    client.force_login(staff_user)
    assert client.post(reverse("monitor:overview")).status_code == 405


def test_every_page_renders_for_every_role(client, users, declared):
    for user in users.values():
        client.force_login(user)
        response = client.get(reverse("monitor:overview") + "?" + YEAR)
        assert response.status_code in (200, 403, 404), user


NASTY = [
    "municipality=abc",
    "municipality=99999999999999999999",
    "provider=-1",
    "provider=99999999999999999999",
    "year=99999999999",
    "from_month=0",
    "law=xx",
    "segment=1.5",
    "product=%00",
    "module=%27%22",
    "export=kerncijfers&format=pdf",
]


@pytest.mark.parametrize("query", NASTY)
@pytest.mark.parametrize("who", ["staff_user", "contact_weert"])
def test_any_value_in_the_url_is_an_answer_never_a_500(client, declared, request, query, who):
    user = request.getfixturevalue(who)
    for name in ("overview", "lines", "signals"):
        response = get(client, user, name, query=query)
        assert response.status_code in (200, 403, 404), (name, query)
    page = get(client, user, "lines", query=f"page=-5&kind=evil&{query}")
    assert page.status_code in (200, 403, 404)
