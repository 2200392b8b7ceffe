"""The statements per municipality (page, PDF), the whole table (CSV, XLSX, ZIP), who may
download what, the download log, the basis form, the financial frames and the joining scenario."""

import csv
import datetime
import io
import logging
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from budgeting.models import (
    AllocationKeyShare,
    AllocationMethod,
    AnnualAccounts,
    Budget,
    BudgetLine,
    FinancialFrame,
    RealisedLine,
    StatementDownload,
)
from entity.models import Module
from tests.budgeting.helpers import mark_adopted
from tests.factories import MembershipFactory, ModuleFactory

D = datetime.date


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    return text, len(reader.pages)


@pytest.fixture
def seed_003_draft(region, staff_user):
    """Seed 003 as a draft budget: Leudal, Nederweert and Weert share 779,740.00 by 36 / 16 / 48 %."""
    module = ModuleFactory(name="Midden-Limburg West")
    for slug in ("leudal", "nederweert", "weert"):
        MembershipFactory(module=module, municipality=region[slug], start_date=D(2018, 1, 1))
    budget = Budget.objects.create(
        module=module,
        year=2026,
        created_by=staff_user,
        contingency_percent=Decimal(0),
        allocation_method=AllocationMethod.KEY,
    )
    BudgetLine.objects.create(budget=budget, kind="other", description="Organisatiekosten", amount=Decimal("704740"))
    BudgetLine.objects.create(budget=budget, kind="other", description="Eenmalige toevoeging", amount=Decimal("75000"))
    for slug, percent in (("leudal", 36), ("nederweert", 16), ("weert", 48)):
        AllocationKeyShare.objects.create(budget=budget, municipality=region[slug], percent=Decimal(percent))
    return budget


@pytest.fixture
def seed_003(seed_003_draft):
    """Seed 003, adopted by the AB on 2 July 2025."""
    budget = seed_003_draft
    return mark_adopted(budget, adopted_on=D(2025, 7, 2))


def url(name, budget, *args):
    return reverse(f"budgeting:{name}", args=[budget.pk, *args])


# --- The statement PDF --------------------------------------------------------------------------


def test_the_statement_pdf_states_the_amounts_on_one_page(login, users, seed_003, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    response = login(users["staff"]).get(url("budget_statement_pdf", seed_003, "weert"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="kostenverdeling-2026-module-{seed_003.module.number}-weert.pdf"'
    )
    text, pages = pdf_text(response.content)
    assert pages == 1
    for expected in (
        "Kostenverdeling 2026 – Weert",
        "GM0988",
        "Vastgesteld door het AB op 02-07-2025",
        "vastgelegd toen het AB het document vaststelde",  # and so never recomputed
        "Vaste verdeelsleutel: 48,00 %",
        "Basispakket (48,00 %) € 374.275,20",
        "Totaal € 374.275,20",
        "€ 280.706,40",  # Leudal and Nederweert in the chart
        "€ 124.758,40",
        "grootste restwaarde",
        "Pagina 1 van 1",
    ):
        assert expected in text, expected
    assert [r for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_a_draft_statement_says_it_is_a_draft(login, users, seed_003_draft):
    # (An adopted budget cannot be turned back into a draft: tests/controls/test_freeze_paths.py.)
    text, _pages = pdf_text(login(users["staff"]).get(url("budget_statement_pdf", seed_003_draft, "leudal")).content)
    assert "Concept, nog niet vastgesteld door het AB" in text and "Vastgesteld door" not in text
    assert "€ 280.706,40" in text


def test_the_statement_page_shows_the_same(login, users, seed_003):
    html = login(users["ab"]).get(url("budget_statement", seed_003, "nederweert")).content.decode()
    assert "€\xa0124.758,40" in html and "GM0946" in html and "<svg" in html
    assert url("budget_statement_pdf", seed_003, "nederweert") in html


# --- Who may download what ----------------------------------------------------------------------


def test_a_contact_gets_its_own_statement_only(login, users, seed_003, region):
    client = login(users["contact_weert"])
    response = client.get(url("budget_statement_pdf", seed_003, "weert"))
    assert response.status_code == 200
    assert client.get(url("budget_statement_pdf", seed_003, "leudal")).status_code == 404
    assert client.get(url("budget_statement", seed_003, "leudal")).status_code == 404
    assert client.get(url("budget_statement", seed_003, "venlo")).status_code == 404
    for name in ("budget_allocation_csv", "budget_allocation_xlsx", "budget_allocation_zip", "scenario"):
        assert client.get(url(name, seed_003)).status_code == 403
    # The table page sends a contact to its own statement.
    assert client.get(url("budget_allocation", seed_003))["Location"] == url("budget_statement", seed_003, "weert")
    [logged] = StatementDownload.objects.all()
    assert (logged.user, logged.kind, logged.budget, logged.municipality) == (
        users["contact_weert"],
        "pdf",
        seed_003,
        region["weert"],
    )


def test_a_municipality_outside_the_allocation_has_no_statement(login, users, seed_003):
    assert login(users["staff"]).get(url("budget_statement", seed_003, "venlo")).status_code == 404
    assert login(users["staff"]).get(url("budget_statement", seed_003, "atlantis")).status_code == 404


@pytest.mark.parametrize(
    "name,args",
    [
        ("budget_statement", ["weert"]),
        ("budget_statement_pdf", ["weert"]),
        ("budget_allocation", []),
        ("budget_allocation_csv", []),
        ("budget_allocation_zip", []),
        ("scenario", []),
        ("scenario_pdf", []),
    ],
)
def test_download_pages_refuse_post(login, users, seed_003, name, args):
    assert login(users["staff"]).post(url(name, seed_003, *args)).status_code == 405
    assert not StatementDownload.objects.exists()


# --- The whole table ----------------------------------------------------------------------------


def test_the_csv_has_every_participant_and_totals_that_add_up(login, users, seed_003):
    response = login(users["db"]).get(url("budget_allocation_csv", seed_003))
    assert response["Content-Disposition"].endswith(
        f'filename="kostenverdeling-2026-module-{seed_003.module.number}.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Gemeente", "CBS-code", "Sleutelpercentage (%)"]
    body, total = rows[1:-1], rows[-1]
    assert [(r[0], r[2], r[5]) for r in body] == [
        ("Leudal", "36,00", "280706,40"),
        ("Nederweert", "16,00", "124758,40"),
        ("Weert", "48,00", "374275,20"),
    ]
    assert total[0] == "Totaal" and total[4] == "100,00" and total[-1] == "779740,00"
    assert StatementDownload.objects.get().kind == "csv"


def test_the_xlsx_has_typed_amounts(login, users, seed_003):
    response = login(users["manager"]).get(url("budget_allocation_xlsx", seed_003))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][0] == "Weert" and Decimal(str(rows[3][5])) == Decimal("374275.20")
    assert rows[-1][0] == "Totaal" and Decimal(str(rows[-1][-1])) == Decimal("779740.00")
    assert sheet.cell(row=4, column=6).number_format.startswith('"€"')
    assert sheet.cell(row=4, column=5).number_format == "0.00"  # a share is not money


def test_the_zip_holds_every_statement(login, users, seed_003):
    response = login(users["kwartiermaker"]).get(url("budget_allocation_zip", seed_003))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    number = seed_003.module.number
    assert sorted(archive.namelist()) == [
        f"kostenverdeling-2026-module-{number}-{slug}.pdf" for slug in ("leudal", "nederweert", "weert")
    ]
    text, _pages = pdf_text(archive.read(f"kostenverdeling-2026-module-{number}-leudal.pdf"))
    assert "Leudal" in text and "€ 280.706,40" in text
    logged = StatementDownload.objects.get()
    assert (logged.kind, logged.municipality) == ("zip", None)


def test_the_table_page_lists_the_downloads_for_the_office(login, users, seed_003):
    login(users["contact_weert"]).get(url("budget_statement_pdf", seed_003, "weert"))
    html = login(users["manager"]).get(url("budget_allocation", seed_003)).content.decode()
    assert "€\xa0779.740,00" in html and "Downloads van de kostenverdelingen" in html
    assert "kostenverdeling (pdf)" in html
    board = login(users["ab"]).get(url("budget_allocation", seed_003)).content.decode()
    assert "Downloads van de kostenverdelingen" not in board


# --- The annual accounts ------------------------------------------------------------------------


def test_the_accounts_statement_settles_the_result(login, users, seed_003, staff_user):
    accounts = AnnualAccounts.objects.create(budget=seed_003, created_by=staff_user)
    for line in seed_003.lines.all():
        RealisedLine.objects.create(accounts=accounts, line=line, amount=line.amount - Decimal("10000"))
    response = login(users["staff"]).get(reverse("budgeting:accounts_statement_pdf", args=[accounts.pk, "weert"]))
    assert response["Content-Disposition"].endswith(
        f'filename="kostenverdeling-jaarrekening-2026-module-{seed_003.module.number}-weert.pdf"'
    )
    text, _pages = pdf_text(response.content)
    # Result 20,000.00: Weert gets 48 % back, 9,600.00, of its 374,275.20.
    assert "Bijdrage volgens de begroting € 374.275,20" in text
    assert "Bijdrage volgens de jaarrekening € 364.675,20" in text
    assert "Terug te betalen aan de gemeente € 9.600,00" in text


# --- The basis of a draft -----------------------------------------------------------------------


@pytest.fixture
def draft(region, staff_user):
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2027, created_by=staff_user)
    BudgetLine.objects.create(budget=budget, kind="other", description="ICT", amount=Decimal("140000"))
    return budget


def key_data(region, **percents):
    data = {"method": "key", "reference_date": ""}
    data.update({f"key_{m.pk}": percents.get(slug, "") for slug, m in region.items()})
    return data


def test_a_fixed_key_that_does_not_add_up_is_refused_with_the_input_kept(login, users, draft, region):
    shares = dict.fromkeys(region, "7,14")  # 14 × 7.14 = 99.96
    response = login(users["staff"]).post(url("allocation_basis", draft), key_data(region, **shares))
    assert response.status_code == 200
    html = response.content.decode()
    assert "99,96 %; dat moet precies 100 % zijn" in html and 'value="7,14"' in html
    draft.refresh_from_db()
    assert draft.allocation_method == "inhabitants" and not draft.key_shares.exists()


def test_a_missing_share_and_bad_numbers_are_named(login, users, draft, region):
    shares = dict.fromkeys(region, "7,14")
    shares.update(weert="", venlo="abc")
    html = login(users["staff"]).post(url("allocation_basis", draft), key_data(region, **shares)).content.decode()
    assert "Vul het sleutelpercentage van Weert in." in html and "Voer een getal in." in html
    assert not draft.key_shares.exists()


def test_the_office_sets_a_fixed_key_on_a_draft(login, users, draft, region):
    shares = dict.fromkeys(region, "7,14")
    shares["venlo"] = "7,18"  # 13 × 7.14 + 7.18 = 100.00
    response = login(users["staff"]).post(url("allocation_basis", draft), key_data(region, **shares))
    assert response.status_code == 302
    assert draft.key_shares.count() == 14
    draft.refresh_from_db()
    assert draft.allocation_method == "key"
    page = login(users["staff"]).get(url("budget_allocation", draft)).content.decode()
    assert "€\xa010.554,60" in page  # Venlo: 7.18 % of 147,000 (140,000 with 5 % contingency)


def test_the_basis_of_an_adopted_budget_is_fixed(login, users, seed_003):
    response = login(users["staff"]).get(url("allocation_basis", seed_003), follow=True)
    assert response.redirect_chain[-1][0] == url("budget_allocation", seed_003)
    assert "de grondslag verandert niet meer" in response.content.decode()
    assert login(users["staff"]).post(url("allocation_basis", seed_003), {"method": "inhabitants"}).status_code == 302
    seed_003.refresh_from_db()
    assert seed_003.allocation_method == "key"
    assert login(users["db"]).get(url("allocation_basis", seed_003)).status_code == 403


def test_a_reference_date_without_counts_is_refused(login, users, draft):
    response = login(users["staff"]).post(
        url("allocation_basis", draft), {"method": "inhabitants", "reference_date": "2020-01-01"}
    )
    assert response.status_code == 200
    assert "Geen inwoneraantal op 01-01-2020" in response.content.decode()
    draft.refresh_from_db()
    assert draft.allocation_reference_date is None
    future = login(users["staff"]).post(
        url("allocation_basis", draft), {"method": "inhabitants", "reference_date": "2099-01-01"}
    )
    assert "in de toekomst" in future.content.decode()


def test_a_statement_that_cannot_be_made_says_why(login, users, draft, region):
    from municipalities.models import PopulationCount

    PopulationCount.objects.filter(municipality=region["weert"]).delete()
    response = login(users["staff"]).get(url("budget_statement", draft, "venlo"))
    assert (
        response.status_code == 200
        and "Geen inwoneraantal" in response.content.decode()
        and "Weert" in response.content.decode()
    )
    assert login(users["staff"]).get(url("budget_statement_pdf", draft, "venlo")).status_code == 302
    page = login(users["staff"]).get(url("budget_allocation", draft)).content.decode()
    assert url("allocation_basis", draft) in page  # the way back to the basis stays


def test_the_reference_date_of_a_draft(login, users, draft):
    response = login(users["manager"]).post(
        url("allocation_basis", draft), {"method": "inhabitants", "reference_date": "2025-07-01"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reference_date == D(2025, 7, 1)
    bad = login(users["manager"]).post(
        url("allocation_basis", draft), {"method": "inhabitants", "reference_date": "31-02-2025"}
    )
    assert "Vul een geldige datum in" in bad.content.decode()


# --- Financial frames and the joining scenario ---------------------------------------------------


def test_the_manager_records_frames_and_the_scenario_flags_them(login, users, draft, region):
    client = login(users["manager"])
    bad = client.post(url("frames", draft), {f"frame_{region['weert'].pk}": "veel"})
    assert bad.status_code == 200 and "Voer een getal in." in bad.content.decode()
    assert not FinancialFrame.objects.exists()
    response = client.post(url("frames", draft), {f"frame_{region['weert'].pk}": "1.000,00"})
    assert response.status_code == 302
    assert FinancialFrame.objects.get().amount == Decimal("1000.00")
    html = client.get(url("scenario", draft) + "?voor=2026-12-31&na=2027-01-01").content.decode()
    assert "1 gemeente zou boven haar financieel kader uitkomen" in html and "Weert" in html
    pdf = client.get(url("scenario_pdf", draft) + "?voor=2025-12-31&na=2026-01-01")
    text, _pages = pdf_text(pdf.content)
    assert "Toetredingsscenario" in text and "treedt toe" in text
    assert StatementDownload.objects.get().kind == "scenario"


def test_the_scenario_explains_a_bad_date(login, users, draft):
    response = login(users["db"]).get(url("scenario", draft) + "?voor=gisteren&na=2026-01-01")
    assert response.status_code == 200
    assert "Vul een geldige datum in" in response.content.decode()


def test_the_scenario_with_the_default_dates(login, users, draft):
    html = login(users["staff"]).get(url("scenario", draft)).content.decode()
    assert "31-12-2026" in html and "01-01-2027" in html


# --- On the budget page --------------------------------------------------------------------------


def test_the_budget_page_shows_the_contributions(login, users, seed_003):
    office = login(users["staff"]).get(url("detail", seed_003)).content.decode()
    assert "Bijdragen van de gemeenten" in office and "€\xa0124.758,40" in office
    contact = login(users["contact_weert"]).get(url("detail", seed_003)).content.decode()
    assert "€\xa0374.275,20" in contact and "124.758,40" not in contact
    assert url("budget_statement_pdf", seed_003, "weert") in contact


def test_the_budget_pdf_has_the_contributions(login, users, seed_003):
    text, _pages = pdf_text(login(users["staff"]).get(url("pdf", seed_003)).content)
    assert "Bijdragen van de gemeenten" in text and "€ 374.275,20" in text
