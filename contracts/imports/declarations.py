"""The national declaration messages JW323 (youth) and WMO323 (Wmo) of iJw/iWmo release 3.2.

One message is one declaration: one invoice with its performances as lines. Both formats are read
the same way; they differ in namespace, schema and law. Citizen numbers (BSN) in the messages are
never stored."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import ClassVar

from django.utils.translation import gettext as _
from lxml import etree

from contracts.imports.base import MAX_BYTES, ImportFormat, ImportProblem, ImportResult, Upload, save_invoices
from contracts.imports.registry import FORMATS
from contracts.models import PAYMENT_TERM_DAYS, Contract, Invoice, InvoiceLine, InvoiceSource, Law, Provider
from municipalities.lookup import MunicipalityLookup
from municipalities.models import Municipality
from portal.textfiles import FIRST_YEAR, LAST_YEAR

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@dataclass(frozen=True)
class Message:
    """A well-formed message without a DTD, and the registered format its namespace names."""

    document: etree._ElementTree
    format: DeclarationFormat


class DeclarationFormat(ImportFormat):
    """A 323 message of one law, recognised by the namespace of its root element."""

    namespace: ClassVar[str]
    base_namespace: ClassVar[str]
    schema_path: ClassVar[Path]
    law: ClassVar[str]
    extensions = (".xml",)
    documentation = "contracts/imports/declarations.html"

    def recognises(self, upload: Upload) -> bool:
        if not upload.looks_like_xml:
            return False
        message = upload.reading(read_message)
        return isinstance(message, Message) and message.format is self

    def refusal(self, upload: Upload) -> ImportProblem | None:
        message = upload.reading(read_message) if upload.looks_like_xml else None
        return message if isinstance(message, ImportProblem) else None

    def import_file(self, upload: Upload, *, by) -> ImportResult:
        return _import(upload.reading(read_message), by=by)

    @property
    def namespaces(self) -> dict[str, str]:
        return {"m": self.namespace, "b": self.base_namespace}

    def import_message(self, message: Message, *, by) -> ImportResult:
        problems = self.schema_problems(message.document)
        if problems is not None:
            return ImportResult.refused(*problems)
        root = message.document.getroot()
        parties = _parties(root, self.namespaces)
        if isinstance(parties, list):
            return ImportResult.refused(*parties)
        provider, municipality = parties
        declaration = Declaration.read(root, self.namespaces)
        refusal = declaration.refusal(provider)
        if refusal:
            return ImportResult.refused(ImportProblem(0, "", refusal))
        contract, refusal = contract_for(
            provider, municipality, self.law, declaration.period_start, declaration.period_end, declaration.products
        )
        if contract is None:
            return ImportResult.refused(ImportProblem(0, "", refusal))
        invoice = declaration.invoice(provider, contract, municipality, by=by)
        save_invoices([invoice], declaration.lines)
        return ImportResult(created=[invoice])

    def schema_problems(self, document: etree._ElementTree) -> list[ImportProblem] | None:
        """None when the message matches the format's schema; otherwise the first 50 differences."""
        schema = _schema(self.schema_path)
        try:
            valid = schema.validate(document)
        except etree.Error:
            valid = False
        if valid:
            return None
        return [
            ImportProblem(
                error.line,
                "",
                _("does not match the %(name)s schema: %(error)s") % {"name": self.name, "error": error.message},
            )
            for error in list(schema.error_log)[:50]
        ]


@FORMATS.register
class JW323(DeclarationFormat):
    name = "JW323"
    namespace = "http://www.istandaarden.nl/ijw/3_2/jw323/schema"
    base_namespace = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
    schema_path = SCHEMA_DIR / "ijw" / "JW323.xsd"
    law = Law.YOUTH


@FORMATS.register
class WMO323(DeclarationFormat):
    name = "WMO323"
    namespace = "http://www.istandaarden.nl/iwmo/3_2/wmo323/schema"
    base_namespace = "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
    schema_path = SCHEMA_DIR / "iwmo" / "WMO323.xsd"
    law = Law.WMO


def import_declaration_message(data: bytes, *, by) -> ImportResult:
    """One 323 message, of whichever registered format its namespace names."""
    return _import(read_message(data), by=by)


def _import(message: Message | ImportProblem, *, by) -> ImportResult:
    if isinstance(message, ImportProblem):
        return ImportResult.refused(message)
    return message.format.import_message(message, by=by)


def read_message(data: bytes) -> Message | ImportProblem:
    """The message and its format; or why it is none: too large, not XML, a DTD, an unknown kind."""
    if len(data) > MAX_BYTES:
        return ImportProblem(0, "", str(DeclarationFormat.too_large))
    # No entity is expanded and nothing is fetched: a message is data from outside.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        document = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        return ImportProblem(exc.lineno or 0, "", _("The file is not valid XML: %(error)s") % {"error": exc.msg})
    if document.docinfo.doctype or document.docinfo.internalDTD is not None:
        message = _(
            "The message contains a document type declaration (DTD), which declaration messages "
            "never have; it is refused for safety."
        )
        return ImportProblem(0, "", message)
    namespace = etree.QName(document.getroot()).namespace
    for candidate in FORMATS:
        if isinstance(candidate, DeclarationFormat) and candidate.namespace == namespace:
            return Message(document, candidate)
    return ImportProblem(0, "", _("This is not a JW323 or WMO323 declaration message (release 3.2)."))


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _parties(root, ns: dict[str, str]) -> tuple[Provider, Municipality] | list[ImportProblem]:
    """The provider that sent the message and the municipality it is addressed to, or why not."""
    agb = root.findtext("m:Header/m:Afzender", namespaces=ns)
    code = root.findtext("m:Header/m:Ontvanger", namespaces=ns)
    provider = Provider.objects.filter(agb_code=agb).first()
    municipality = MunicipalityLookup().find(f"GM{code}")
    problems = []
    if provider is None:
        message = _("The sender (AGB code %(agb)s) is not a provider known to the portal.") % {"agb": agb}
        problems.append(ImportProblem(0, "", message))
    if municipality is None:
        message = _("The receiver (municipality code %(code)s) is not a municipality known to the portal.") % {
            "code": code
        }
        problems.append(ImportProblem(0, "", message))
    if provider is None or municipality is None:
        return problems
    return provider, municipality


@dataclass
class Declaration:
    """What the portal takes from a message that matches its schema."""

    number: str
    message_id: str
    invoice_date: datetime.date | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    total: Decimal
    lines: list[InvoiceLine]

    @classmethod
    def read(cls, root, ns: dict[str, str]) -> Declaration:
        declaration = root.find("m:Declaratie", namespaces=ns)
        return cls(
            number=declaration.findtext("m:DeclaratieNummer", namespaces=ns),
            message_id=root.findtext("m:Header/m:BerichtIdentificatie/b:Identificatie", namespaces=ns) or "",
            invoice_date=_message_date(declaration.findtext("m:DeclaratieDagtekening", namespaces=ns)),
            period_start=_message_date(declaration.findtext("m:DeclaratiePeriode/b:Begindatum", namespaces=ns)),
            period_end=_message_date(declaration.findtext("m:DeclaratiePeriode/b:Einddatum", namespaces=ns)),
            total=_signed_cents(declaration.find("m:TotaalIngediendBedrag", namespaces=ns), "TotaalBedrag", ns),
            lines=[
                _message_line(p, ns)
                for p in declaration.iterfind("m:Clienten/m:Client/m:Prestaties/m:Prestatie", namespaces=ns)
            ],
        )

    @property
    def products(self) -> set[str]:
        return {line.product_code for line in self.lines}

    def refusal(self, provider: Provider) -> str:
        """Why the declaration cannot be an invoice of this provider; "" when it can."""
        periods = [(self.period_start, self.period_end)] + [(line.period_start, line.period_end) for line in self.lines]
        if self.invoice_date is None or any(start is None or end is None for start, end in periods):
            return _("A date in the message has a time zone or lies outside %(first)d–%(last)d; it is refused.") % {
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
        if any(end < start for start, end in periods):
            return _("A period in the message ends before it begins.")
        lines_total = sum((line.amount for line in self.lines), Decimal("0.00"))
        if lines_total != self.total:
            return _("The total of the declaration (%(total)s) differs from the sum of its lines (%(sum)s).") % {
                "total": self.total,
                "sum": lines_total,
            }
        if Invoice.objects.filter(provider=provider, invoice_number=self.number).exists():
            return _("Declaration %(number)s of %(provider)s is already in the portal.") % {
                "number": self.number,
                "provider": provider,
            }
        return ""

    def invoice(self, provider: Provider, contract: Contract, municipality: Municipality, *, by) -> Invoice:
        """The declaration as an unsaved invoice, its lines pointing to it."""
        invoice = Invoice(
            provider=provider,
            contract=contract,
            municipality=municipality,
            invoice_number=self.number,
            invoice_date=self.invoice_date,
            due_date=self.invoice_date + datetime.timedelta(days=PAYMENT_TERM_DAYS),
            period_start=self.period_start,
            period_end=self.period_end,
            amount=self.total,
            declaration_reference=self.message_id,
            source=InvoiceSource.MESSAGE,
            registered_by=by,
        )
        for line in self.lines:
            line.invoice = invoice
        return invoice


def _message_date(text: str | None) -> datetime.date | None:
    """An xs:date of the message as a date; None for what the schema allows but the portal cannot
    store: a time zone (2026-04-01Z), a negative year or one outside the plausible years."""
    try:
        value = datetime.date.fromisoformat(text or "")
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR and len(text or "") == 10 else None


def _signed_cents(node, amount_tag: str, ns: dict[str, str]) -> Decimal:
    cents = int(node.findtext(f"b:{amount_tag}", namespaces=ns))
    sign = -1 if node.findtext("b:DebetCredit", namespaces=ns) == "C" else 1
    return (Decimal(sign * cents) / 100).quantize(Decimal("0.01"))


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


def contract_for(
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
