"""Exports are data, never code (issue 13, finding 4).

A text that starts with = + - @, a tab or a carriage return is what a spreadsheet reads as a
formula (or a DDE command). Every CSV the portal writes gives such a text a leading apostrophe;
every XLSX writes it as a string cell, never a formula. Numbers and dates stay typed: a negative
amount is a number, not a text. A file the portal wrote reads back through its imports as it was."""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from budgeting.models import AllocationKeyShare, AllocationMethod, AnnualAccounts, Budget, BudgetLine, RealisedLine
from budgeting.services import import_realised_csv, realised_template_csv
from contracts.imports import import_invoices_csv
from contracts.models import Invoice
from tests.factories import ContractFactory, InvoiceFactory, MembershipFactory, ModuleFactory

D = datetime.date
ROOT = Path(__file__).resolve().parent.parent

FORMULA = "=1+1"
DDE = "+cmd|' /C calc'!A0"
HOSTILE = [FORMULA, DDE, "-2+3", "@SUM(A1:A2)", "\t=3+3", "\r=4+4", "\n=5+5"]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def streamed(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_cells(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula(content: bytes) -> None:
    formulas = [(c.coordinate, c.value) for c in xlsx_cells(content) if c.data_type == "f"]
    assert not formulas, formulas


# --- The helper ---------------------------------------------------------------------------------


def csv_cell(value):
    from portal.spreadsheets import csv_cell

    return csv_cell(value)


def from_csv_cell(text):
    from portal.spreadsheets import from_csv_cell

    return from_csv_cell(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_text_gets_an_apostrophe_and_reads_back_as_it_was(text):
    assert csv_cell(text) == "'" + text
    assert from_csv_cell(csv_cell(text)) == text


@pytest.mark.parametrize("text", ["'=1+1", "''-x", "'s-Hertogenbosch", "'", "Weert", "", "GM0988", "a=b"])
def test_other_texts_survive_the_round_trip(text):
    assert from_csv_cell(csv_cell(text)) == text


def test_numbers_and_dates_stay_numbers():
    assert csv_cell(Decimal("-20.00")) == "-20,00"
    assert csv_cell(-3) == "-3"
    assert csv_cell(D(2026, 5, 6)) == "06-05-2026"
    assert csv_cell(None) == ""


# --- The invoice and contract lists -------------------------------------------------------------


@pytest.fixture
def hostile_lists(youth, region):
    contract = ContractFactory(
        reference="JGD-2026-009", title=DDE, provider=youth["provider"], segment=youth["segment"],
        municipalities=[region["weert"]],
    )  # fmt: skip
    for number, text in enumerate(HOSTILE):
        InvoiceFactory(
            contract=contract, municipality=region["weert"], invoice_number=text,
            declaration_reference=f"@{number}", amount=Decimal("-20.00"),
        )  # fmt: skip
    return contract


def test_the_invoice_csv_neutralises_text_and_keeps_amounts(login, users, hostile_lists):
    response = login(users["staff"]).get(reverse("contracts:invoices"), {"export": "csv"})
    rows = csv_rows(streamed(response))
    header = rows[0]
    numbers = sorted(r[header.index("factuurnummer")] for r in rows[1:])
    assert numbers == sorted("'" + text for text in HOSTILE)
    assert {r[header.index("bedrag")] for r in rows[1:]} == {"-20,00"}  # a credit note stays a number
    assert {r[header.index("declaratiereferentie")][:2] for r in rows[1:]} == {"'@"}


def test_the_contract_csv_neutralises_the_title(login, users, hostile_lists):
    rows = csv_rows(streamed(login(users["staff"]).get(reverse("contracts:list"), {"export": "csv"})))
    titles = {r[0]: r[1] for r in rows[1:]}
    assert titles["JGD-2026-009"] == "'" + DDE


@pytest.mark.parametrize("name", ["contracts:invoices", "contracts:list"])
def test_the_list_xlsx_has_no_formula_and_keeps_text_and_numbers(login, users, hostile_lists, name):
    content = login(users["staff"]).get(reverse(name), {"export": "xlsx"}).content
    assert_no_formula(content)
    values = {c.value for c in xlsx_cells(content)}
    if name == "contracts:invoices":
        assert set(HOSTILE) <= values  # the text itself, exactly, as a string cell
        amounts = [c for c in xlsx_cells(content) if c.column == 9 and c.row > 1]
        assert {(c.data_type, Decimal(str(c.value))) for c in amounts} == {("n", Decimal("-20.00"))}
    else:
        assert DDE in values


def test_an_exported_invoice_csv_imports_back_with_its_numbers(login, users, hostile_lists, staff_user):
    content = streamed(login(users["staff"]).get(reverse("contracts:invoices"), {"export": "csv"}))
    Invoice.objects.all().delete()
    result = import_invoices_csv(content, by=staff_user)
    assert result.ok, result.problems
    # The import strips the spaces around a cell, as it always did; the formula text stays.
    assert sorted(Invoice.objects.values_list("invoice_number", flat=True)) == sorted(t.strip() for t in HOSTILE)


# --- The annual-accounts template ---------------------------------------------------------------


@pytest.fixture
def hostile_accounts(region, staff_user):
    module = ModuleFactory(name="Module met formules")
    MembershipFactory(module=module, municipality=region["weert"], start_date=D(2018, 1, 1))
    budget = Budget.objects.create(module=module, year=2026, created_by=staff_user, contingency_percent=Decimal(0))
    BudgetLine.objects.create(budget=budget, kind="other", description=FORMULA, amount=Decimal("1000"))
    BudgetLine.objects.create(budget=budget, kind="other", description="Kosten", amount=Decimal("-50"))
    Budget.objects.filter(pk=budget.pk).update(status="adopted", adopted_on=D(2025, 7, 2))
    accounts = AnnualAccounts.objects.create(budget=budget, created_by=staff_user)
    for line in budget.lines.all():
        RealisedLine.objects.create(accounts=accounts, line=line, amount=line.amount * 2, explanation="-minder " + DDE)
    return accounts


def test_the_accounts_template_neutralises_text_and_reads_back(login, users, hostile_accounts):
    response = login(users["staff"]).get(reverse("budgeting:accounts_template", args=[hostile_accounts.pk]))
    rows = csv_rows(response.content)
    assert rows[0] == ["regel", "omschrijving", "begroot", "gerealiseerd", "toelichting"]
    by_text = {r[1]: r for r in rows[1:]}
    assert by_text["'" + FORMULA][4] == "'-minder " + DDE
    assert by_text["Kosten"][2:4] == ["-50,00", "-100,00"]  # amounts stay numbers
    RealisedLine.objects.all().delete()
    assert import_realised_csv(hostile_accounts, response.content) == 2
    assert set(RealisedLine.objects.values_list("explanation", flat=True)) == {"-minder " + DDE}
    assert realised_template_csv(hostile_accounts) == response.content.decode("utf-8-sig")


# --- The cost-allocation table ------------------------------------------------------------------


@pytest.fixture
def hostile_allocation(region, staff_user):
    module = ModuleFactory(name="Module met een vreemde naam")
    for slug in ("leudal", "weert"):
        MembershipFactory(module=module, municipality=region[slug], start_date=D(2018, 1, 1))
    budget = Budget.objects.create(
        module=module, year=2026, created_by=staff_user, contingency_percent=Decimal(0),
        allocation_method=AllocationMethod.KEY,
    )  # fmt: skip
    BudgetLine.objects.create(budget=budget, kind="other", description="Organisatie", amount=Decimal("1000"))
    for slug in ("leudal", "weert"):
        AllocationKeyShare.objects.create(budget=budget, municipality=region[slug], percent=Decimal(50))
    region["weert"].name = FORMULA  # any name the manager types in /beheer/
    region["weert"].save(update_fields=["name"])
    return budget


def test_the_allocation_csv_neutralises_text(login, users, hostile_allocation):
    url = reverse("budgeting:budget_allocation_csv", args=[hostile_allocation.pk])
    rows = csv_rows(streamed(login(users["manager"]).get(url)))
    by_name = {r[0]: r for r in rows[1:]}
    assert sorted(by_name) == ["'" + FORMULA, "Leudal", "Totaal"]
    assert by_name["'" + FORMULA][5] == "500,00"


def test_the_allocation_xlsx_has_no_formula(login, users, hostile_allocation):
    url = reverse("budgeting:budget_allocation_xlsx", args=[hostile_allocation.pk])
    content = login(users["manager"]).get(url).content
    assert_no_formula(content)
    names = [c for c in xlsx_cells(content) if c.column == 1]
    assert sorted((c.value, c.data_type) for c in names[1:]) == [(FORMULA, "s"), ("Leudal", "s"), ("Totaal", "s")]
    assert [c.value for c in names if c.quotePrefix] == [FORMULA]  # Excel keeps it text when edited, too
    amounts = [c for c in xlsx_cells(content) if c.column == 6 and c.row > 1]
    assert {c.data_type for c in amounts} == {"n"}


# --- No writer outside the helper ---------------------------------------------------------------

WRITERS = re.compile(r"csv\.writer|csv\.DictWriter|\bWorkbook\b|openpyxl|xlsxwriter|to_csv\(|to_excel\(")
ALLOWED = {Path("portal/spreadsheets.py")}


def source_files():
    """The project's Python files, without the tests, the virtualenv and other hidden folders."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"tests", "node_modules", "__pycache__"}]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder, name)


def test_every_csv_and_xlsx_writer_goes_through_the_helper():
    offenders = []
    for path in source_files():
        relative = path.relative_to(ROOT)
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "write CSV/XLSX with portal.spreadsheets:\n" + "\n".join(offenders)
