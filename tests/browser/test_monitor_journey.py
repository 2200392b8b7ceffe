"""The monitor in the browser: the contract manager prepares a provider conversation (overview,
one click to the provider, one click to the lines above the tariff, a CSV of them); Weert's
contact prepares the account talk (its own figures, "< 5" for its small numbers, 404 for Venlo);
an AB member reads the overview. axe checks every page on the way.

With MONITOR_SHOTS=<directory> set, one more test saves screenshots of the overview, a provider
and Weert's page at desktop and phone width for a person to look at."""

from __future__ import annotations

import csv
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import log_in
from tests.factories import ContractFactory, ProviderFactory
from tests.monitor.conftest import VENLO, bsn, declared  # noqa: F401 - the fixture
from tests.traffic.builders import Performance, declaration
from tests.traffic.conftest import AGB, WEERT, traffic  # noqa: F401 - the fixture
from traffic.imports import import_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = "year=2026"
SECOND_AGB = "65656066"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def monitored(declared, region, staff_user):  # noqa: F811
    """`declared` (April 2026, Zorggroep Maasland: Weert 3 clients, Venlo 11, as two of its twelve
    test numbers coincide), plus a second provider with seven Venlo clients and one of Weert's in
    March 2026, and Maasland's Venlo in April 2025 (last year). Weert stays below 5 clients in
    every cell; 21 clients and € 1.460,00 in the region in 2026."""
    second = ProviderFactory(name="Jeugdhulp Peel en Maas", agb_code=SECOND_AGB, kvk_number="87654321")
    ContractFactory(
        reference="JGD-2024-002",
        provider=second,
        segment=declared["segment"],
        municipalities=[region["weert"], region["venlo"]],
    )
    march = {"start": "2026-03-01", "end": "2026-03-31"}
    venlo = [Performance(bsn(40 + i), f"P{i:03d}", f"{400 + i}", Decimal("96.00"), **march) for i in range(7)]
    weert = [Performance(bsn(0), "PW000", "500", Decimal("72.00"), **march)]
    last_year = {"start": "2025-04-01", "end": "2025-04-30"}
    earlier = [Performance(bsn(10 + i), f"L{i:03d}", f"{600 + i}", Decimal("44.00"), **last_year) for i in range(10)]
    for message in (
        declaration("JW323", SECOND_AGB, VENLO, "PV001", venlo, message_id="323000101", date="2026-04-06", **march),
        declaration("JW323", SECOND_AGB, WEERT, "PW001", weert, message_id="323000102", date="2026-04-06", **march),
        declaration("JW323", AGB, VENLO, "LV001", earlier, message_id="323000103", date="2025-05-06", **last_year),
    ):
        result = import_message(message, by=staff_user)
        assert result.ok, result.problems
    return {**declared, "second": second}


def _table(page, name: str):
    """The card of one monitor table, by its name (the id of its heading)."""
    return page.locator("section.monitor-table").filter(has=page.locator(f"#table-{name}"))


def test_contract_manager_prepares_a_provider_conversation(page, users, monitored, tmp_path, check_a11y):
    log_in(page, users["staff"].username)
    page.goto(f"/monitor/?{YEAR}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitor 2026")
    check_a11y(page)

    _table(page, "provider").get_by_role("link", name="Zorggroep Maasland").click()
    expect(page).to_have_url(re.compile(rf"/monitor/aanbieder/{monitored['provider'].pk}/\?.*year=2026"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zorggroep Maasland")
    tariff = _table(page, "tarief")
    expect(tariff).to_contain_text("JGD-2024-001 · 45/45A03")
    expect(tariff).to_contain_text("€\u00a012,00")  # W000: 60,00 for 4 units at 12,00
    check_a11y(page)

    tariff.locator('a[href*="kind=above_tariff"]').first.click()
    expect(page).to_have_url(re.compile(r"/monitor/regels/\?.*kind=above_tariff"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026")
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DW001")
    expect(rows.first).to_contain_text("€\u00a060,00")
    check_a11y(page)

    with page.expect_download() as download_info:
        page.locator("p.exports").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    records = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(records) == 2, records  # the header and the one line above the tariff
    assert "DW001" in records[1] and "Weert" in records[1] and "Zorggroep Maasland" in records[1]


def test_weerts_contact_prepares_the_account_talk(page, users, monitored, check_a11y):
    log_in(page, users["contact_weert"].username)
    page.goto(f"/monitor/?{YEAR}")
    main = page.locator("main")
    expect(main).to_contain_text("< 5")  # Weert's 3 clients
    expect(main).not_to_contain_text("Venlo")
    expect(main).to_contain_text("€\u00a01.460,00")  # the region: 716 + 7 x 96 + 72
    check_a11y(page)

    response = page.goto(f"/monitor/gemeente/weert/?{YEAR}")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Weert")
    key = _table(page, "kerncijfers")
    expect(key.locator("tbody tr").first).to_contain_text("< 5")
    expect(key.locator("tbody tr").last).to_contain_text("Regio")
    expect(page.get_by_role("heading", name="Tegenover de regio")).to_be_visible()
    expect(main).to_contain_text("Minder dan 5 cliënten")
    expect(main).not_to_contain_text("Venlo")
    expect(main).not_to_contain_text("212,00")  # Weert's own amount stays hidden
    check_a11y(page)

    response = page.goto(f"/monitor/gemeente/venlo/?{YEAR}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    check_a11y(page)


def test_ab_member_reads_the_overview(page, users, monitored, check_a11y):
    log_in(page, users["ab"].username)
    page.get_by_role("link", name="Monitor", exact=True).click()
    expect(page).to_have_url(re.compile(r"/monitor/$"))
    page.goto(f"/monitor/?{YEAR}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitor 2026")
    main = page.locator("main")
    expect(main).to_contain_text("Weert")
    expect(main).to_contain_text("Venlo")
    expect(main).to_contain_text("Jeugdhulp Peel en Maas")
    expect(main).not_to_contain_text("< 5")  # the board sees the whole region
    expect(page.locator("a", has_text="Signalen")).to_have_count(0)  # the office's
    for svg in page.locator("main svg.monitor-chart").all():
        assert svg.get_attribute("aria-labelledby")
    check_a11y(page)


SHOTS = os.environ.get("MONITOR_SHOTS", "")
# The outermost elements that reach past the viewport's right edge (a scrolling table's cells not).
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-container')
               && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
  .map(e => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}#${e.id}`
            + ` right=${Math.round(e.getBoundingClientRect().right)}`)"""


@pytest.mark.skipif(not SHOTS, reason="set MONITOR_SHOTS=<directory> to save screenshots")
def test_screenshots(page, users, monitored):
    out = Path(SHOTS)
    out.mkdir(parents=True, exist_ok=True)
    report: list[str] = []
    provider = monitored["provider"].pk
    for user, pages in (
        ("staff", {"overview": "/monitor/", "provider": f"/monitor/aanbieder/{provider}/"}),
        ("contact_weert", {"weert-contact": "/monitor/gemeente/weert/", "overview-contact": "/monitor/"}),
        ("staff", {"weert-staff": "/monitor/gemeente/weert/", "lines": "/monitor/regels/"}),
    ):
        log_in(page, users[user].username)
        for name, path in pages.items():
            for width_name, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{path}?{YEAR}")
                page.screenshot(path=str(out / f"{name}-{width_name}.png"), full_page=True)
                report += [f"{name}-{width_name}: {e}" for e in page.evaluate(WIDER_THAN_THE_SCREEN)]
    (out / "overflow.txt").write_text("\n".join(report) + "\n")
