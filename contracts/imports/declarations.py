"""The national declaration messages JW323 (youth) and WMO323 (Wmo) of iJw/iWmo release 3.2.

One message is one declaration: one invoice with its performances as lines. Both formats are read
the same way; they differ in namespace, schema and law. Citizen numbers (BSN) in the messages are
never stored."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from lxml import etree

from contracts.imports.base import (
    BATCH,
    LINE_COLUMNS,
    MAX_BYTES,
    NO_PSEUDONYM_KEY,
    ImportFormat,
    ImportProblem,
    ImportResult,
    Upload,
    batched,
    record_import,
    save_invoice_with_lines,
    save_invoices,
)
from contracts.imports.messages import MessageInvalid, MessageType, elements, message_type, text, values
from contracts.imports.registry import FORMATS
from contracts.models import PAYMENT_TERM_DAYS, Contract, Invoice, InvoiceLine, InvoiceSource, Law, Provider
from contracts.signals import added
from municipalities.lookup import MunicipalityLookup
from municipalities.models import Municipality
from portal.bulk import insert_rows
from portal.pseudonyms import Pseudonymiser
from portal.templatetags.portal import money
from portal.textfiles import FIRST_YEAR, LAST_YEAR


class DeclarationFormat(ImportFormat):
    """A 323 message of one law, recognised by the namespace of its root element."""

    message: ClassVar[MessageType]
    extensions = (".xml",)
    documentation = "contracts/imports/declarations.html"

    @property
    def law(self) -> str:
        return self.message.law

    def recognises(self, upload: Upload) -> bool:
        return upload.looks_like_xml and upload.reading(read_message) == self.message

    def refusal(self, upload: Upload) -> ImportProblem | None:
        found = upload.reading(read_message) if upload.looks_like_xml else None
        return found if isinstance(found, ImportProblem) else None

    def import_file(self, upload: Upload, *, by) -> ImportResult:
        return import_declaration(upload.data, self.message, by=by)


@FORMATS.register
class JW323(DeclarationFormat):
    name = "JW323"
    message = MessageType("JW323")


@FORMATS.register
class WMO323(DeclarationFormat):
    name = "WMO323"
    message = MessageType("WMO323")


def read_message(data: bytes) -> MessageType | ImportProblem:
    """The kind of a 323 message; or why it is none: too large, not XML, a DTD, another kind."""
    if len(data) > MAX_BYTES:
        return ImportProblem(0, "", str(DeclarationFormat.too_large))
    return message_type(data, codes=("323",))


def import_declaration_message(data: bytes, *, by) -> ImportResult:
    """One 323 message, of whichever law its namespace names."""
    found = read_message(data)
    if isinstance(found, ImportProblem):
        return ImportResult.refused(found)
    return import_declaration(data, found, by=by)


class Refused(Exception):
    """Raised inside the import's transaction: everything saved so far is rolled back."""

    def __init__(self, *problems: ImportProblem) -> None:
        super().__init__(problems)
        self.problems = list(problems)


def import_declaration(data: bytes, message: MessageType, *, by) -> ImportResult:
    """Read, check and save the message in one pass in one transaction: the invoice when its head
    is read, the performances in batches as they come; any problem (schema, parties, dates,
    totals, the number) rolls it all back. When several contracts fit, the products decide: then
    the whole message is checked first and saved in a second pass."""
    try:
        keys = Pseudonymiser()
    except ImproperlyConfigured:
        return ImportResult.refused(ImportProblem(0, "", str(NO_PSEUDONYM_KEY)))
    try:
        with transaction.atomic():
            return _one_pass(data, message, keys, by=by)
    except Refused as exc:
        return ImportResult.refused(*exc.problems)
    except MessageInvalid as exc:
        return ImportResult.refused(exc.problem)


def _one_pass(data: bytes, message: MessageType, keys: Pseudonymiser, *, by) -> ImportResult:
    items = read_declaration(data, message, keys, validate=True)
    head = next((item for item in items if isinstance(item, DeclarationHead)), None)
    if head is None:
        raise MessageInvalid(0, message, "Element 'Declaratie': missing")
    try:
        provider, municipality, contract = _start(head, message)
    except Refused:
        for _item in items:  # a difference from the schema later in the message is said first
            pass
        raise
    if contract is None:
        return _two_passes(data, message, keys, by=by)
    invoice = head.invoice(provider, contract, municipality, by=by)
    broken = False
    try:
        with transaction.atomic():
            save_invoices([invoice], record=False)
    except (DataError, IntegrityError):  # a value the schema will name when the stream gets there
        broken = True
    for batch in batched(items, BATCH * 5):
        lines = [item for item in batch if isinstance(item, Performance)]
        for line in lines:
            head.add(line)
        if not broken:
            try:
                with transaction.atomic():
                    insert_rows(InvoiceLine, ("invoice_id", *LINE_COLUMNS), [(invoice.pk, *line) for line in lines])
            except (DataError, IntegrityError):  # a value the schema will name when the stream gets there
                broken = True
    refusal = head.refusal(provider, message.law, number_checked=True)
    if broken or refusal:
        raise Refused(ImportProblem(0, "", refusal or _("A value in the message cannot be stored.")))
    record_import([invoice], head.line_count)
    added(InvoiceLine.objects.filter(invoice=invoice))
    return ImportResult(created=[invoice], assignment_numbers=head.assignment_numbers)


def _start(head: DeclarationHead, message: MessageType) -> tuple[Provider, Municipality, Contract | None]:
    """What the head decides: the parties, the number, the period and the contract (None when
    several fit); Refused when any of them is wrong."""
    parties = _parties(head.sender, head.receiver)
    if isinstance(parties, list):
        raise Refused(*parties)
    provider, municipality = parties
    refusal = head.refusal_of_head(provider, message.law)
    if refusal:
        raise Refused(ImportProblem(0, "", refusal))
    candidates = contracts_for(provider, municipality, message.law, head.period_start, head.period_end)
    if not candidates:
        _contract, refusal = contract_for(
            provider, municipality, message.law, head.period_start, head.period_end, set()
        )
        raise Refused(ImportProblem(0, "", refusal))
    return provider, municipality, candidates[0] if len(candidates) == 1 else None


def _two_passes(data: bytes, message: MessageType, keys: Pseudonymiser, *, by) -> ImportResult:
    checked = check_declaration(data, message, keys)
    if isinstance(checked, list):
        raise Refused(*checked)
    head, contract, provider, municipality = checked
    invoice = head.invoice(provider, contract, municipality, by=by)
    lines = (item for item in read_declaration(data, message, keys) if isinstance(item, Performance))
    save_invoice_with_lines(invoice, lines, count=head.line_count)
    return ImportResult(created=[invoice], assignment_numbers=head.assignment_numbers)


def check_declaration(data: bytes, message: MessageType, keys: Pseudonymiser):
    """(head, contract, provider, municipality) of a message that can be saved; else its problems."""
    head = None
    # lxml reports a schema difference once the chunk that holds it is read: until then every
    # item is taken as it comes, and what cannot be read is left for the schema to name.
    for item in read_declaration(data, message, keys, validate=True):
        if isinstance(item, DeclarationHead):
            head = item
        elif head is not None:
            head.add(item)
    if head is None:
        raise MessageInvalid(0, message, "Element 'Declaratie': missing")
    parties = _parties(head.sender, head.receiver)
    if isinstance(parties, list):
        return parties
    provider, municipality = parties
    refusal = head.refusal(provider, message.law)
    if refusal:
        return [ImportProblem(0, "", refusal)]
    contract, refusal = contract_for(
        provider, municipality, message.law, head.period_start, head.period_end, head.products
    )
    if contract is None:
        return [ImportProblem(0, "", refusal)]
    return head, contract, provider, municipality


def read_declaration(data: bytes, message: MessageType, keys: Pseudonymiser, *, validate: bool = False):
    """The declaration's head, then each performance as a Performance; the client's citizen number
    is turned into its key as it is read and goes no further."""
    ns = message.namespaces
    header = {}
    for element in elements(data, message, "Header", "TotaalIngediendBedrag", "Prestatie", "Client", validate=validate):
        tag = etree.QName(element).localname
        if tag == "Header":
            header = {
                "sender": text(element, "m:Afzender", message),
                "receiver": text(element, "m:Ontvanger", message),
                "message_id": text(element, "m:BerichtIdentificatie/b:Identificatie", message),
            }
        else:
            try:
                if tag == "TotaalIngediendBedrag":
                    yield DeclarationHead.read(element.getparent(), ns, **header)
                elif tag == "Prestatie":
                    client = element.getparent().getparent()
                    yield _performance(values(element), keys(client[0].text or ""))
            except (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError):
                # A value the schema refuses: the stream goes on so the schema names it.
                if not validate:
                    raise


def _parties(agb: str, code: str) -> tuple[Provider, Municipality] | list[ImportProblem]:
    """The provider that sent the message and the municipality it is addressed to, or why not."""
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
class DeclarationHead:
    """What the portal takes from a declaration's head, and what its performances add up to."""

    sender: str
    receiver: str
    message_id: str
    number: str
    invoice_date: datetime.date | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    total: Decimal
    lines_total: Decimal = Decimal("0.00")
    line_count: int = 0
    missing_date: bool = False  # a performance's date the portal cannot store
    reversed_period: bool = False  # a performance that ends before it begins
    products: set[str] = field(default_factory=set)
    assignment_numbers: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, declaration, ns: dict[str, str], **header: str) -> DeclarationHead:
        return cls(
            **header,
            number=declaration.findtext("m:DeclaratieNummer", namespaces=ns),
            invoice_date=_message_date(declaration.findtext("m:DeclaratieDagtekening", namespaces=ns)),
            period_start=_message_date(declaration.findtext("m:DeclaratiePeriode/b:Begindatum", namespaces=ns)),
            period_end=_message_date(declaration.findtext("m:DeclaratiePeriode/b:Einddatum", namespaces=ns)),
            total=_signed_cents(declaration.find("m:TotaalIngediendBedrag", namespaces=ns), "TotaalBedrag", ns),
        )

    def add(self, line: Performance) -> None:
        self.lines_total += line.amount
        self.line_count += 1
        self.products.add(line.product_code)
        if line.assignment_number:
            self.assignment_numbers.add(line.assignment_number)
        if line.period_start is None or line.period_end is None:
            self.missing_date = True
        elif line.period_end < line.period_start:
            self.reversed_period = True

    def refusal_of_head(self, provider: Provider, law: str) -> str:
        """What the head alone shows: a date the portal cannot store, a period backwards, a number
        already in the portal (OP349: unique per provider per law); "" when all is right."""
        if None in (self.invoice_date, self.period_start, self.period_end):
            return self._date_refusal()
        if self.period_end < self.period_start:
            return _("A period in the message ends before it begins.")
        if Invoice.objects.filter(provider=provider, law=law, invoice_number=self.number).exists():
            return _("Declaration %(number)s of %(provider)s is already in the portal.") % {
                "number": self.number,
                "provider": provider,
            }
        return ""

    def _date_refusal(self) -> str:
        return _("A date in the message has a time zone or lies outside %(first)d–%(last)d; it is refused.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }

    def refusal(self, provider: Provider, law: str, *, number_checked: bool = False) -> str:
        """Why the declaration cannot be an invoice of this provider; "" when it can."""
        if not number_checked and (refusal := self.refusal_of_head(provider, law)):
            return refusal
        if self.missing_date:
            return self._date_refusal()
            return _("A date in the message has a time zone or lies outside %(first)d–%(last)d; it is refused.") % {
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
        if self.reversed_period:
            return _("A period in the message ends before it begins.")
        if self.lines_total != self.total:
            return _("The total of the declaration (%(total)s) differs from the sum of its lines (%(sum)s).") % {
                "total": money(self.total),
                "sum": money(self.lines_total),
            }
        return ""

    def invoice(self, provider: Provider, contract: Contract, municipality: Municipality, *, by) -> Invoice:
        return Invoice(
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


class Performance(NamedTuple):
    """One prestatie as it is saved (the columns of contracts.InvoiceLine but the invoice)."""

    client_key: str
    reference_number: str
    assignment_number: str
    product_category: str
    product_code: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    volume: int
    unit: str
    tariff: Decimal | None
    amount: Decimal


def _performance(found: dict, client_key: str) -> Performance:
    tariff = found.get("ProductTarief")
    (cents, debit_credit), period = found["IngediendBedrag"][:2], found["ProductPeriode"]
    return Performance(
        client_key=client_key,
        reference_number=found["ProductReferentie"][0],
        assignment_number=found.get("ToewijzingNummer") or "",
        product_category=found["ProductCategorie"],
        product_code=found["ProductCode"],
        period_start=_message_date(period[0]),
        period_end=_message_date(period[1]),
        volume=int(found["GeleverdVolume"]),
        unit=found["Eenheid"],
        tariff=(Decimal(int(tariff)) / 100).quantize(Decimal("0.01")) if tariff else None,
        amount=(Decimal(int(cents) * (-1 if debit_credit == "C" else 1)) / 100).quantize(Decimal("0.01")),
    )


def contracts_for(
    provider: Provider, municipality: Municipality, law: str, start: datetime.date, end: datetime.date
) -> list[Contract]:
    """The contracts of this provider, for this law, in which the municipality takes part and that
    cover the period."""
    return list(
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
    candidates = contracts_for(provider, municipality, law, start, end)
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
