"""Invoices as a CSV with documented columns: many invoices in one file."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from contracts.imports.base import ImportFormat, ImportProblem, ImportResult, Upload, save_invoices
from contracts.imports.registry import FORMATS
from contracts.models import PAYMENT_TERM_DAYS, Contract, Invoice, InvoiceSource, Provider, invoice_problems
from municipalities.lookup import MunicipalityLookup
from portal.textfiles import FIRST_YEAR, LAST_YEAR, date_out_of_range, decode_text, parse_amount, parse_date, read_csv

# column -> (required, description): shown on the import page as the documentation.
CSV_COLUMNS: dict[str, tuple[bool, str]] = {
    "aanbieder_agb": (True, "AGB-code van de aanbieder, 8 cijfers"),
    "factuurnummer": (True, "factuurnummer van de aanbieder, uniek per aanbieder"),
    "factuurdatum": (True, "dd-mm-jjjj of jjjj-mm-dd"),
    "contract": (True, "contractkenmerk in het portaal, bijvoorbeeld JGD-S1-2024-001"),
    "gemeente": (True, "CBS-code (GM0988) of naam"),
    "periode_van": (True, "eerste dag van de gefactureerde periode"),
    "periode_tot": (True, "laatste dag van de gefactureerde periode"),
    "bedrag": (True, "in euro's, bijvoorbeeld 1.234,56; negatief voor een creditnota"),
    "declaratiereferentie": (False, "optioneel: kenmerk van de declaratie"),
}
# invoice_problems names model fields; the file knows them by these columns.
FIELD_COLUMNS = {
    "period_end": "periode_tot",
    "contract": "contract",
    "municipality": "gemeente",
    "period_start": "periode_van",
}


@FORMATS.register
class CsvInvoices(ImportFormat):
    name = "CSV"
    extensions = (".csv", ".txt")
    documentation = "contracts/imports/csv_invoices.html"
    columns = CSV_COLUMNS

    def recognises(self, upload: Upload) -> bool:
        # Any text that is not XML: the CSV reader says what is wrong with it, line by line.
        return not upload.looks_like_xml

    def import_file(self, upload: Upload, *, by) -> ImportResult:
        return import_invoices_csv(upload.data, by=by)


def import_invoices_csv(data: bytes, *, by) -> ImportResult:
    rows = _read_rows(data)
    if isinstance(rows, ImportProblem):
        return ImportResult.refused(rows)
    invoices, problems = _check_rows(rows, _Known.for_rows(rows), by)
    column_order = {name: i for i, name in enumerate(CSV_COLUMNS)}
    problems.sort(key=lambda p: (p.line, column_order.get(p.column, -1)))  # as they stand in the file
    if problems:
        return ImportResult.refused(*problems)
    save_invoices(invoices)
    return ImportResult(created=invoices)


def _read_rows(data: bytes) -> list[tuple[int, dict[str, str]]] | ImportProblem:
    """The non-empty lines after the header, by line number, as column -> stripped value; or why
    the file as a whole cannot be read."""
    if len(data) > CsvInvoices.max_bytes:
        return ImportProblem(0, "", str(CsvInvoices.too_large))
    try:
        lines = read_csv(decode_text(data))
    except ValueError as exc:
        return ImportProblem(0, "", str(exc))
    reader = iter(lines)
    header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c, (required, _d) in CSV_COLUMNS.items() if required and c not in header]
    if missing:
        return ImportProblem(1, "", _("missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = [
        (number, dict(zip(header, (c.strip() for c in cells), strict=False)))
        for number, cells in enumerate(reader, start=2)
        if any(c.strip() for c in cells)
    ]
    if not rows:
        return ImportProblem(0, "", _("The file contains no invoices."))
    return rows


@dataclass
class _Known:
    """What the portal knows of the providers, contracts and municipalities the file names."""

    providers: dict[str, Provider]
    contracts: dict[str, Contract]
    participants: dict[int, set[int]]  # contract id -> municipality ids
    municipalities: MunicipalityLookup = field(default_factory=MunicipalityLookup)

    @classmethod
    def for_rows(cls, rows: list[tuple[int, dict[str, str]]]) -> _Known:
        agb_codes = {r.get("aanbieder_agb", "") for _n, r in rows}
        references = {r.get("contract", "") for _n, r in rows}
        providers = {p.agb_code: p for p in Provider.objects.filter(agb_code__in=agb_codes)}
        contracts = {
            c.reference: c for c in Contract.objects.filter(reference__in=references).select_related("segment")
        }
        participants: dict[int, set[int]] = defaultdict(set)
        for contract_id, municipality_id in Contract.municipalities.through.objects.filter(
            contract__in=contracts.values()
        ).values_list("contract_id", "municipality_id"):
            participants[contract_id].add(municipality_id)
        return cls(providers, contracts, participants)


def _check_rows(rows, known: _Known, by) -> tuple[list[Invoice], list[ImportProblem]]:
    """An invoice for every right line, and every problem: of a line, an invoice number twice in
    the file, an invoice already in the portal."""
    invoices: list[Invoice] = []
    problems: list[ImportProblem] = []
    seen: dict[tuple[int, str, str], int] = {}  # (provider id, law, invoice number) -> line
    for number, values in rows:
        row = _Row(number, values)
        invoice = _invoice(row, known, by)
        problems.extend(row.problems)
        if invoice is None:
            continue
        # OP349: a number is unique per provider per law; the law is the contract's.
        key = (invoice.provider_id, invoice.contract.segment.law, invoice.invoice_number)
        if key in seen:
            message = _("invoice %(number)s of this provider already appears on line %(line)d.") % {
                "number": invoice.invoice_number,
                "line": seen[key],
            }
            problems.append(ImportProblem(number, "factuurnummer", message))
        seen[key] = number
        invoices.append(invoice)
    for key in sorted(existing_numbers(set(seen))):
        message = _("invoice %(number)s of this provider is already in the portal.") % {"number": key[2]}
        problems.append(ImportProblem(seen[key], "factuurnummer", message))
    return invoices, problems


def existing_numbers(keys: set[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
    """Which (provider id, law, invoice number) keys are already in the portal: per provider and
    law, an IN list on the unique (provider, law, invoice number) index, in chunks."""
    by_provider: dict[tuple[int, str], list[str]] = defaultdict(list)
    for provider_id, law, number in keys:
        by_provider[(provider_id, law)].append(number)
    found: set[tuple[int, str, str]] = set()
    for (provider_id, law), numbers in by_provider.items():
        for i in range(0, len(numbers), 900):
            found.update(
                Invoice.objects.filter(
                    provider_id=provider_id, law=law, invoice_number__in=numbers[i : i + 900]
                ).values_list("provider_id", "law", "invoice_number")
            )
    return found


class _Row:
    """One line of the file and the problems found in it."""

    def __init__(self, number: int, values: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.problems: list[ImportProblem] = []

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.number, column, message))


def _invoice(row: _Row, known: _Known, by) -> Invoice | None:
    """The line as an unsaved invoice; None when it has problems (recorded on the row)."""
    provider = known.providers.get(row["aanbieder_agb"])
    if provider is None:
        row.problem("aanbieder_agb", _("no provider with AGB code '%(value)s'.") % {"value": row["aanbieder_agb"]})
    invoice_number = row["factuurnummer"]
    if not invoice_number or len(invoice_number) > 40:
        row.problem("factuurnummer", _("give an invoice number of at most 40 characters."))
    dates = {column: _date(row, column) for column in ("factuurdatum", "periode_van", "periode_tot")}
    amount = _amount(row)
    contract = known.contracts.get(row["contract"])
    if contract is None:
        row.problem("contract", _("no contract with reference '%(value)s'.") % {"value": row["contract"]})
    municipality = known.municipalities.find(row["gemeente"])
    if municipality is None:
        row.problem("gemeente", _("unknown municipality '%(value)s'.") % {"value": row["gemeente"]})
    reference = row["declaratiereferentie"] or ""
    if len(reference) > 40:
        row.problem("declaratiereferentie", _("at most 40 characters."))
    if contract is not None:
        for field_name, message in invoice_problems(
            contract,
            provider.pk if provider else None,
            municipality.pk if municipality else None,
            dates["periode_van"],
            dates["periode_tot"],
            known.participants[contract.pk],
        ).items():
            row.problem(FIELD_COLUMNS[field_name], message)
    if row.problems:
        return None
    return Invoice(
        provider=provider,
        contract=contract,
        municipality=municipality,
        invoice_number=invoice_number,
        invoice_date=dates["factuurdatum"],
        due_date=dates["factuurdatum"] + datetime.timedelta(days=PAYMENT_TERM_DAYS),
        period_start=dates["periode_van"],
        period_end=dates["periode_tot"],
        amount=amount,
        declaration_reference=reference,
        source=InvoiceSource.CSV,
        registered_by=by,
    )


def _date(row: _Row, column: str) -> datetime.date | None:
    value = row[column]
    parsed = parse_date(value)
    if date_out_of_range(value):
        row.problem(
            column,
            _("the date '%(value)s' is not between %(first)d and %(last)d.")
            % {"value": value, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    elif parsed is None and re.fullmatch(r"\s*\d{1,2}-\d{1,2}-\d{4}\s*", value):
        row.problem(column, _("the date '%(value)s' does not exist.") % {"value": value})
    elif parsed is None:
        row.problem(column, _("'%(value)s' is not a date (dd-mm-jjjj).") % {"value": value})
    return parsed


def _amount(row: _Row) -> Decimal | None:
    value = row["bedrag"]
    amount = parse_amount(value)
    if amount is None and re.fullmatch(r"\s*-?\d{1,3}(\.\d{3})+\s*", value):
        row.problem(
            "bedrag",
            _("'%(value)s' could mean thousands or a decimal point; write it with cents, e.g. 10.000,00 or 10,00.")
            % {"value": value},
        )
    elif amount is None:
        row.problem("bedrag", _("'%(value)s' is not an amount in euros (e.g. 1.234,56).") % {"value": value})
    return amount
