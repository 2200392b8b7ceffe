"""The cost allocation in the browser: Weert's contact finds, reads and downloads its own statement
and nothing more; staff downloads every statement at once; a manager records a financial frame
that the joining scenario then flags. axe checks every page on the way."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from budgeting.models import AnnualAccounts, Budget, StatementDownload
from budgeting.services import budget_allocation, default_scenario_dates, joining_scenario
from entity.models import Module
from tests.browser.test_roles import log_in
from tests.budgeting.helpers import mark_adopted, other, personnel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT_PDF = "kostenverdeling-2026-module-1-weert.pdf"
ALL_STATEMENTS_ZIP = "kostenverdeling-2026-module-1.zip"
ZIP_TIMEOUT = 120_000  # fourteen PDFs are rendered before the download starts


def euro(amount: Decimal) -> str:
    """Dutch money as the pages show it, worked out here rather than by the app's filter:
    1234.5 -> '€ 1.234,50' with a non-breaking space."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"€\u00a0{text}"


def percent(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + "\u00a0%"


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def frame_input(amount: Decimal) -> str:
    """As a user types an amount into a Dutch form: '12.345,67'."""
    return euro(amount).removeprefix("€\u00a0")


@pytest.fixture
def adopted_2026(users, region) -> Budget:
    """Module 1's adopted budget for 2026, the first year with all fourteen participants, with a
    personnel line, other costs and a plus package that Weert buys."""
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2026, created_by=users["staff"])
    personnel(budget)
    other(budget, "45000.00", description="ICT en licenties")
    other(budget, "12500.00", description="Extra inkoopadvies", package="plus", plus_municipality=region["weert"])
    return mark_adopted(budget, adopted_on=datetime.date(2025, 7, 2))


def test_contact_reads_and_downloads_only_its_own_statement(page, users, region, adopted_2026, check_a11y):
    budget, weert = adopted_2026, region["weert"]
    row = budget_allocation(budget).row_for(weert)
    assert row is not None and row.basis is not None and len(row.plus_items) == 1
    statement_url = f"/begrotingen/{budget.pk}/kostenverdeling/weert/"

    log_in(page, users["contact_weert"].username)  # the home page leads to its statement
    page.get_by_role("link", name="Kostenverdeling bij Begroting 2026 module 1").click()
    expect(page).to_have_url(re.compile(re.escape(statement_url) + "$"))

    page.goto(f"/begrotingen/{budget.pk}/")  # so does the budget page, with what Weert pays
    expect(page.get_by_role("heading", name="Bijdragen van de gemeenten")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Weert draagt in 2026 {euro(row.total)} bij.")
    expect(page.get_by_role("link", name="Download de kostenverdeling van Weert (pdf)")).to_be_visible()
    page.get_by_role("link", name="Kostenverdeling van Weert", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(statement_url) + "$"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Kostenverdeling 2026 – Weert")
    amounts = page.get_by_role("table", name="Wat Weert betaalt voor 2026")
    basic = amounts.locator("tbody tr").filter(has_text="Basispakket")
    expect(basic).to_contain_text(f"Basispakket ({percent(row.basis.share)})")
    expect(basic).to_contain_text(euro(row.basic))
    plus = row.plus_items[0]
    expect(amounts.locator("tbody tr").filter(has_text=f"Pluspakket: {plus.label}")).to_contain_text(euro(plus.amount))
    expect(amounts.locator("tbody.totals tr")).to_contain_text("Totaal")
    expect(amounts.locator("tbody.totals tr")).to_contain_text(euro(row.total))
    expect(page.locator("main")).to_contain_text(f"{number(row.basis.inhabitants)} inwoners op 01-01-2025")
    check_a11y(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download de kostenverdeling van Weert (pdf)").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == STATEMENT_PDF
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    logged = StatementDownload.objects.filter(user=users["contact_weert"], budget=budget)
    assert [(d.kind, d.municipality_id) for d in logged] == [("pdf", weert.pk)]
    # The server names the file itself too, not only the link's download attribute.
    response = page.request.get(f"{statement_url}pdf/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{STATEMENT_PDF}"'

    # The table of every participant leads a contact to its own statement ...
    page.goto(f"/begrotingen/{budget.pk}/kostenverdeling/")
    expect(page).to_have_url(re.compile(re.escape(statement_url) + "$"))
    # ... another municipality's statement does not exist for it ...
    for path in (
        f"/begrotingen/{budget.pk}/kostenverdeling/venlo/",
        f"/begrotingen/{budget.pk}/kostenverdeling/venlo/pdf/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    # ... and the whole table and the scenario are not for it.
    for path in (
        f"/begrotingen/{budget.pk}/kostenverdeling.csv",
        f"/begrotingen/{budget.pk}/kostenverdeling.xlsx",
        f"/begrotingen/{budget.pk}/kostenverdeling.zip",
        f"/begrotingen/{budget.pk}/toetredingsscenario/",
    ):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    assert StatementDownload.objects.filter(user=users["contact_weert"]).count() == 2  # the two PDFs above


@pytest.mark.parametrize("role", ["staff", "ab"])
def test_internal_role_sees_the_table_and_downloads_every_statement(
    page, users, region, adopted_2026, check_a11y, role
):
    budget = adopted_2026
    allocation = budget_allocation(budget)
    log_in(page, users[role].username)
    page.goto(f"/begrotingen/{budget.pk}/")
    page.get_by_role("link", name="Kostenverdeling: per gemeente, csv, xlsx en zip").click()
    expect(page).to_have_url(re.compile(rf"/begrotingen/{budget.pk}/kostenverdeling/$"))
    table = page.get_by_role("table", name="Kostenverdeling per gemeente")
    expect(table.locator("tbody tr")).to_have_count(14)
    weert_total = euro(allocation.row_for(region["weert"]).total)
    weert_row = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="Weert", exact=True))
    expect(weert_row).to_contain_text(weert_total)
    expect(table.locator("tfoot tr")).to_contain_text(euro(allocation.totals["total"]))
    check_a11y(page)

    with page.expect_download(timeout=ZIP_TIMEOUT) as info:
        page.get_by_role("link", name="Alle kostenverdelingen (zip met pdf's)").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == ALL_STATEMENTS_ZIP
    with open(download.path(), "rb") as raw, zipfile.ZipFile(io.BytesIO(raw.read())) as archive:
        names = archive.namelist()
        assert len(names) == 14 and all(name.endswith(".pdf") for name in names)
        assert STATEMENT_PDF in names
        assert all(archive.read(name).startswith(b"%PDF-") for name in names)
    logged = StatementDownload.objects.filter(user=users[role], budget=budget)
    assert [(d.kind, d.municipality_id) for d in logged] == [("zip", None)]


def test_manager_records_a_frame_that_the_scenario_flags(page, users, region, adopted_2026, check_a11y):
    budget, weert = adopted_2026, region["weert"]
    scenario = joining_scenario(budget, *default_scenario_dates(budget))
    after = next(r for r in scenario.rows if r.municipality.pk == weert.pk).after_total
    frame = after - Decimal("1000.00")  # Weert set aside a thousand euros too little

    log_in(page, users["manager"].username)
    page.goto(f"/begrotingen/{budget.pk}/toetredingsscenario/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Toetredingsscenario – Begroting 2026 module 1")
    expect(page.locator("main")).not_to_contain_text("financieel kader uitkomen")
    check_a11y(page)

    page.get_by_role("link", name="Financiële kaders vastleggen").click()
    expect(page).to_have_url(re.compile(rf"/begrotingen/{budget.pk}/financiele-kaders/$"))
    check_a11y(page)
    page.get_by_label("Financieel kader Weert", exact=True).fill(frame_input(frame))
    page.get_by_role("button", name="Kaders opslaan").click()

    expect(page).to_have_url(re.compile(rf"/begrotingen/{budget.pk}/toetredingsscenario/$"))
    main = page.locator("main")
    expect(main).to_contain_text("De financiële kaders zijn opgeslagen.")
    expect(main).to_contain_text("1 gemeente zou boven haar financieel kader uitkomen: Weert.")
    weert_row = page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=re.compile("^Weert")))
    for text in (euro(after), euro(frame), f"Nee: {euro(Decimal('1000.00'))} boven het kader"):
        expect(weert_row).to_contain_text(text)
    check_a11y(page)

    page.goto(f"/begrotingen/{budget.pk}/financiele-kaders/")  # the frame is kept, and who recorded it
    expect(page.get_by_label("Financieel kader Weert", exact=True)).to_have_value(frame_input(frame))
    expect(main).to_contain_text("Weert: vastgelegd door")
    check_a11y(page)


def test_every_statement_link_of_a_contact_opens_its_statement(page, users, region, check_a11y):
    """The demo's budgets and accounts of module 1 (2025-2028): each cost-allocation link Weert's
    contact is shown, on the home page and on the pages of the documents, opens Weert's statement."""
    from budgeting.demo import load_budget_demo

    load_budget_demo()
    log_in(page, users["contact_weert"].username)
    links = page.get_by_role("link", name=re.compile("^Kostenverdeling bij "))
    expect(links.first).to_be_visible()
    targets = {f"startpagina: {link.inner_text()}": link.get_attribute("href") for link in links.all()}
    documents = [
        *Budget.objects.exclude(status__in=("draft", "framework")),
        *AnnualAccounts.objects.exclude(status="draft"),
    ]
    for document in documents:
        page.goto(document.get_absolute_url())
        link = page.get_by_role("link", name="Kostenverdeling van Weert", exact=True)
        if link.count():
            targets[f"{document} (pagina): Kostenverdeling van Weert"] = link.get_attribute("href")
    assert "startpagina: Kostenverdeling bij Begroting 2026 module 1" in targets
    # Weert joined on 1 January 2026 and had no DVO here: nothing to show for 2025.
    assert not [name for name in targets if "2025" in name]
    dead = []
    for name, href in sorted(targets.items()):
        assert href.endswith("/kostenverdeling/weert/"), (name, href)
        status = page.goto(href).status
        if status != 200:
            dead.append((name, status))
            continue
        expect(page.get_by_role("heading", level=1)).to_contain_text("– Weert")
        check_a11y(page)
    assert dead == []
