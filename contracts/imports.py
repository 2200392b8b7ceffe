"""Import of invoices: a CSV with documented columns, and the national declaration messages
JW323 (youth) and WMO323 (Wmo) of iJw/iWmo release 3.2.

Both are all-or-nothing: every problem is reported (line, column, reason) and nothing is saved
unless the whole file is right. Citizen numbers (BSN) in 323 messages are never stored.
"""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from audit.services import record_created
from contracts.models import (
    COST_STATUSES,
    PAYMENT_TERM_DAYS,
    Contract,
    Invoice,
    InvoiceLedger,
    InvoiceLine,
    InvoiceSource,
    Law,
    Provider,
    SpendingTotal,
    invoice_problems,
)
from municipalities.models import Municipality
from portal.textfiles import FIRST_YEAR, LAST_YEAR, date_out_of_range, decode_text, parse_amount, parse_date, read_csv

MAX_BYTES = 20 * 1024 * 1024
BATCH = 1000

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


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 0 = the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = _("Line %(line)d") % {"line": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class InvoiceImportResult:
    created: list[Invoice] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.created), Decimal("0.00"))

    def per_municipality(self) -> list[tuple[str, int, Decimal]]:
        counts: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
        for invoice in self.created:
            counts[invoice.municipality.name][0] += 1
            counts[invoice.municipality.name][1] += invoice.amount
        return [(name, n, total) for name, (n, total) in sorted(counts.items())]


class MunicipalityIndex:
    def __init__(self) -> None:
        self.by_key: dict[str, Municipality] = {}
        for m in Municipality.objects.all():
            for key in (m.cbs_code, m.cbs_number, m.name, m.slug):
                self.by_key[key.strip().lower()] = m

    def find(self, value: str) -> Municipality | None:
        return self.by_key.get(value.strip().lower())


def existing_numbers(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (provider id, invoice number) pairs are already in the portal: per provider, an IN
    list on the unique (provider, invoice number) index, in chunks."""
    by_provider: dict[int, list[str]] = defaultdict(list)
    for provider_id, number in pairs:
        by_provider[provider_id].append(number)
    found: set[tuple[int, str]] = set()
    for provider_id, numbers in by_provider.items():
        for i in range(0, len(numbers), 900):
            found.update(
                Invoice.objects.filter(provider_id=provider_id, invoice_number__in=numbers[i : i + 900]).values_list(
                    "provider_id", "invoice_number"
                )
            )
    return found


def _bulk_save(invoices: list[Invoice], lines: list[InvoiceLine] | None = None) -> None:
    with transaction.atomic():
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        InvoiceLedger.bump()
        # Imported invoices arrive as "received"; should one ever arrive approved, its total moves.
        SpendingTotal.refresh({(i.municipality_id, i.invoice_date.year) for i in invoices if i.status in COST_STATUSES})
        if lines:
            for line in lines:
                line.invoice_id = line.invoice.pk
            InvoiceLine.objects.bulk_create(lines, batch_size=BATCH)
        # bulk_create sends no signals: one create entry per invoice (who, when, which import),
        # in batches in this transaction, so a failed import leaves none. Without the field
        # values: they stay on the invoice and every later change records the old one, and
        # copying them would double the import's time (measured: docs/benchmarks.md).
        if invoices:
            note = str(InvoiceSource(invoices[0].source).label)
            if lines:
                note += ", " + ngettext(
                    "imported with %(count)d declared performance",
                    "imported with %(count)d declared performances",
                    len(lines),
                ) % {"count": len(lines)}
            record_created(invoices, by=invoices[0].registered_by, note=note, with_values=False)


# --- CSV -------------------------------------------------------------------------------------


def import_invoices_csv(data: bytes, *, by) -> InvoiceImportResult:
    result = InvoiceImportResult()
    if len(data) > MAX_BYTES:
        result.problems.append(ImportProblem(0, "", _("The file is larger than 20 MB.")))
        return result
    try:
        text = decode_text(data)
    except ValueError as exc:
        result.problems.append(ImportProblem(0, "", str(exc)))
        return result
    try:
        lines = read_csv(text)
    except ValueError as exc:
        result.problems.append(ImportProblem(0, "", str(exc)))
        return result
    reader = iter(lines)
    header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c, (required, _d) in CSV_COLUMNS.items() if required and c not in header]
    if missing:
        result.problems.append(
            ImportProblem(1, "", _("missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return result
    rows = [
        (number, dict(zip(header, (c.strip() for c in cells), strict=False)))
        for number, cells in enumerate(reader, start=2)
        if any(c.strip() for c in cells)
    ]
    if not rows:
        result.problems.append(ImportProblem(0, "", _("The file contains no invoices.")))
        return result

    providers = {
        p.agb_code: p for p in Provider.objects.filter(agb_code__in={r.get("aanbieder_agb", "") for _n, r in rows})
    }
    contracts = {
        c.reference: c for c in Contract.objects.filter(reference__in={r.get("contract", "") for _n, r in rows})
    }
    participants: dict[int, set[int]] = defaultdict(set)
    for contract_id, municipality_id in Contract.municipalities.through.objects.filter(
        contract__in=contracts.values()
    ).values_list("contract_id", "municipality_id"):
        participants[contract_id].add(municipality_id)
    municipalities = MunicipalityIndex()
    seen: dict[tuple[int, str], int] = {}
    invoices: list[Invoice] = []
    for number, row in rows:
        problems, invoice = _csv_row(number, row, providers, contracts, participants, municipalities, by)
        result.problems.extend(problems)
        if invoice is not None:
            key = (invoice.provider_id, invoice.invoice_number)
            if key in seen:
                result.problems.append(
                    ImportProblem(
                        number,
                        "factuurnummer",
                        _("invoice %(number)s of this provider already appears on line %(line)d.")
                        % {"number": invoice.invoice_number, "line": seen[key]},
                    )
                )
            seen[key] = number
            invoices.append(invoice)
    duplicates = existing_numbers(set(seen))
    for key in sorted(duplicates):
        result.problems.append(
            ImportProblem(
                seen[key],
                "factuurnummer",
                _("invoice %(number)s of this provider is already in the portal.") % {"number": key[1]},
            )
        )
    column_order = {name: i for i, name in enumerate(CSV_COLUMNS)}
    result.problems.sort(key=lambda p: (p.line, column_order.get(p.column, -1)))  # as they stand in the file
    if not result.problems:
        _bulk_save(invoices)
        result.created = invoices
    return result


def _csv_row(
    number: int, row: dict[str, str], providers, contracts, participants, municipalities, by
) -> tuple[list[ImportProblem], Invoice | None]:
    problems: list[ImportProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(ImportProblem(number, column, message))

    provider = providers.get(row.get("aanbieder_agb", ""))
    if provider is None:
        problem("aanbieder_agb", _("no provider with AGB code '%(value)s'.") % {"value": row.get("aanbieder_agb", "")})
    invoice_number = row.get("factuurnummer", "")
    if not invoice_number or len(invoice_number) > 40:
        problem("factuurnummer", _("give an invoice number of at most 40 characters."))
    dates = {}
    for column in ("factuurdatum", "periode_van", "periode_tot"):
        value = row.get(column, "")
        dates[column] = parse_date(value)
        if date_out_of_range(value):
            problem(
                column,
                _("the date '%(value)s' is not between %(first)d and %(last)d.")
                % {"value": value, "first": FIRST_YEAR, "last": LAST_YEAR},
            )
        elif dates[column] is None and re.fullmatch(r"\s*\d{1,2}-\d{1,2}-\d{4}\s*", value):
            problem(column, _("the date '%(value)s' does not exist.") % {"value": value})
        elif dates[column] is None:
            problem(column, _("'%(value)s' is not a date (dd-mm-jjjj).") % {"value": value})
    amount = parse_amount(row.get("bedrag", ""))
    if amount is None and re.fullmatch(r"\s*-?\d{1,3}(\.\d{3})+\s*", row.get("bedrag", "")):
        problem(
            "bedrag",
            _("'%(value)s' could mean thousands or a decimal point; write it with cents, e.g. 10.000,00 or 10,00.")
            % {"value": row.get("bedrag", "")},
        )
    elif amount is None:
        problem(
            "bedrag", _("'%(value)s' is not an amount in euros (e.g. 1.234,56).") % {"value": row.get("bedrag", "")}
        )
    contract = contracts.get(row.get("contract", ""))
    if contract is None:
        problem("contract", _("no contract with reference '%(value)s'.") % {"value": row.get("contract", "")})
    municipality = municipalities.find(row.get("gemeente", ""))
    if municipality is None:
        problem("gemeente", _("unknown municipality '%(value)s'.") % {"value": row.get("gemeente", "")})
    reference = row.get("declaratiereferentie", "") or ""
    if len(reference) > 40:
        problem("declaratiereferentie", _("at most 40 characters."))
    if contract is not None:
        field_columns = {
            "period_end": "periode_tot",
            "contract": "contract",
            "municipality": "gemeente",
            "period_start": "periode_van",
        }
        for field_name, message in invoice_problems(
            contract,
            provider.pk if provider else None,
            municipality.pk if municipality else None,
            dates["periode_van"],
            dates["periode_tot"],
            participants[contract.pk],
        ).items():
            problem(field_columns[field_name], message)
    if problems:
        return problems, None
    return [], Invoice(
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


# --- 323 declaration messages ----------------------------------------------------------------

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
MESSAGES = {
    "http://www.istandaarden.nl/ijw/3_2/jw323/schema": (
        "JW323",
        SCHEMA_DIR / "ijw" / "JW323.xsd",
        Law.YOUTH,
        "http://www.istandaarden.nl/ijw/3_2/basisschema/schema",
    ),
    "http://www.istandaarden.nl/iwmo/3_2/wmo323/schema": (
        "WMO323",
        SCHEMA_DIR / "iwmo" / "WMO323.xsd",
        Law.WMO,
        "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema",
    ),
}


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _signed_cents(node, amount_tag: str, ns: dict[str, str]) -> Decimal:
    cents = int(node.findtext(f"b:{amount_tag}", namespaces=ns))
    sign = -1 if node.findtext("b:DebetCredit", namespaces=ns) == "C" else 1
    return (Decimal(sign * cents) / 100).quantize(Decimal("0.01"))


def import_declaration_message(data: bytes, *, by) -> InvoiceImportResult:
    """One 323 message is one declaration: one invoice with its performances as lines."""
    result = InvoiceImportResult()

    def refuse(message: str, line: int = 0) -> InvoiceImportResult:
        result.problems.append(ImportProblem(line, "", message))
        return result

    if len(data) > MAX_BYTES:
        return refuse(_("The file is larger than 20 MB."))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        document = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        return refuse(_("The file is not valid XML: %(error)s") % {"error": exc.msg}, exc.lineno or 0)
    if document.docinfo.doctype or document.docinfo.internalDTD is not None:
        return refuse(
            _(
                "The message contains a document type declaration (DTD), which declaration messages "
                "never have; it is refused for safety."
            )
        )
    namespace = etree.QName(document.getroot()).namespace
    if namespace not in MESSAGES:
        return refuse(_("This is not a JW323 or WMO323 declaration message (release 3.2)."))
    name, schema_path, law, base_ns = MESSAGES[namespace]
    schema = _schema(schema_path)
    try:
        valid = schema.validate(document)
    except etree.Error:
        valid = False
    if not valid:
        for error in list(schema.error_log)[:50]:
            result.problems.append(
                ImportProblem(
                    error.line,
                    "",
                    _("does not match the %(name)s schema: %(error)s") % {"name": name, "error": error.message},
                )
            )
        return result
    ns = {"m": namespace, "b": base_ns}
    root = document.getroot()
    agb = root.findtext("m:Header/m:Afzender", namespaces=ns)
    gemeente = root.findtext("m:Header/m:Ontvanger", namespaces=ns)
    message_id = root.findtext("m:Header/m:BerichtIdentificatie/b:Identificatie", namespaces=ns)
    declaration = root.find("m:Declaratie", namespaces=ns)
    provider = Provider.objects.filter(agb_code=agb).first()
    municipality = Municipality.objects.filter(cbs_code=f"GM{gemeente}").first()
    if provider is None:
        refuse(_("The sender (AGB code %(agb)s) is not a provider known to the portal.") % {"agb": agb})
    if municipality is None:
        refuse(
            _("The receiver (municipality code %(code)s) is not a municipality known to the portal.")
            % {"code": gemeente}
        )
    if provider is None or municipality is None:
        return result
    period_start = _message_date(declaration.findtext("m:DeclaratiePeriode/b:Begindatum", namespaces=ns))
    period_end = _message_date(declaration.findtext("m:DeclaratiePeriode/b:Einddatum", namespaces=ns))
    invoice_date = _message_date(declaration.findtext("m:DeclaratieDagtekening", namespaces=ns))
    invoice_number = declaration.findtext("m:DeclaratieNummer", namespaces=ns)
    total = _signed_cents(declaration.find("m:TotaalIngediendBedrag", namespaces=ns), "TotaalBedrag", ns)
    lines = [
        _message_line(p, ns)
        for p in declaration.iterfind("m:Clienten/m:Client/m:Prestaties/m:Prestatie", namespaces=ns)
    ]
    periods = [(period_start, period_end)] + [(line.period_start, line.period_end) for line in lines]
    if invoice_date is None or any(start is None or end is None for start, end in periods):
        return refuse(
            _("A date in the message has a time zone or lies outside %(first)d–%(last)d; it is refused.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    if any(end < start for start, end in periods):
        return refuse(_("A period in the message ends before it begins."))
    if sum((line.amount for line in lines), Decimal("0.00")) != total:
        return refuse(
            _("The total of the declaration (%(total)s) differs from the sum of its lines (%(sum)s).")
            % {"total": total, "sum": sum((line.amount for line in lines), Decimal("0.00"))}
        )
    if Invoice.objects.filter(provider=provider, invoice_number=invoice_number).exists():
        return refuse(
            _("Declaration %(number)s of %(provider)s is already in the portal.")
            % {"number": invoice_number, "provider": provider}
        )
    contract, problem = _contract_for(
        provider, municipality, law, period_start, period_end, {line.product_code for line in lines}
    )
    if contract is None:
        return refuse(problem)
    invoice = Invoice(
        provider=provider,
        contract=contract,
        municipality=municipality,
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        due_date=invoice_date + datetime.timedelta(days=PAYMENT_TERM_DAYS),
        period_start=period_start,
        period_end=period_end,
        amount=total,
        declaration_reference=message_id or "",
        source=InvoiceSource.MESSAGE,
        registered_by=by,
    )
    for line in lines:
        line.invoice = invoice
    _bulk_save([invoice], lines)
    result.created = [invoice]
    return result


def _message_date(text: str | None) -> datetime.date | None:
    """An xs:date of the message as a date; None for what the schema allows but the portal cannot
    store: a time zone (2026-04-01Z), a negative year or one outside the plausible years."""
    try:
        value = datetime.date.fromisoformat(text or "")
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR and len(text or "") == 10 else None


def _message_line(node, ns: dict[str, str]) -> InvoiceLine:
    tariff = node.findtext("m:ProductTarief", namespaces=ns)
    return InvoiceLine(
        reference_number=node.findtext("m:ProductReferentie/b:ReferentieNummer", namespaces=ns),
        assignment_number=node.findtext("m:ToewijzingNummer", namespaces=ns) or "",
        product_category=node.findtext("m:ProductCategorie", namespaces=ns),
        product_code=node.findtext("m:ProductCode", namespaces=ns),
        period_start=_message_date(node.findtext("m:ProductPeriode/b:Begindatum", namespaces=ns)),
        period_end=_message_date(node.findtext("m:ProductPeriode/b:Einddatum", namespaces=ns)),
        volume=int(node.findtext("m:GeleverdVolume", namespaces=ns)),
        unit=node.findtext("m:Eenheid", namespaces=ns),
        tariff=(Decimal(int(tariff)) / 100).quantize(Decimal("0.01")) if tariff else None,
        amount=_signed_cents(node.find("m:IngediendBedrag", namespaces=ns), "Bedrag", ns),
    )


def _contract_for(
    provider: Provider,
    municipality: Municipality,
    law: str,
    start: datetime.date,
    end: datetime.date,
    product_codes: set[str],
) -> tuple[Contract | None, str]:
    """The one contract of this provider, for this law, in which the municipality takes part and
    that covers the period; tariff lines decide between several."""
    candidates = list(
        Contract.objects.filter(
            provider=provider,
            segment__law=law,
            participations__municipality=municipality,
            start_date__lte=start,
            end_date__gte=end,
        )
        .prefetch_related("tariff_lines")
        .distinct()
    )
    if len(candidates) > 1 and product_codes:
        fitting = [c for c in candidates if product_codes <= {t.product_code for t in c.tariff_lines.all()}]
        candidates = fitting or candidates
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, _(
            "No contract of %(provider)s for %(law)s in which %(municipality)s takes part covers %(start)s – %(end)s."
        ) % {
            "provider": provider,
            "law": Law(law).label,
            "municipality": municipality,
            "start": f"{start:%d-%m-%Y}",
            "end": f"{end:%d-%m-%Y}",
        }
    return None, _(
        "More than one contract fits (%(references)s); import this declaration as CSV with the contract reference."
    ) % {"references": ", ".join(c.reference for c in candidates)}
