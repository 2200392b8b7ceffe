"""JW325 / WMO325: a municipality's answer to one declaration. It names the declaration by
provider, law and number, gives the total declared and granted, and per performance it lists its
return codes (0200: accepted; any other: rejected). Performances it does not list are accepted.
Granted + rejected must equal declared, to the cent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from lxml import etree

from audit.context import acting_as
from contracts.codes import ACCEPTED
from contracts.imports import ImportProblem
from contracts.imports.base import batched
from contracts.imports.messages import MessageInvalid, MessageType, elements, text, values
from contracts.models import Invoice, InvoiceLine, InvoiceSource
from contracts.signals import changing
from portal.pseudonyms import Pseudonymiser
from portal.templatetags.portal import money
from traffic.imports.common import BATCH, cents, message_date, parties
from traffic.models import DeclarationReturn, ReturnLine


@dataclass
class Answer:
    """One answered performance; the client is already a key."""

    line: int
    client_key: str
    reference: str
    period_start: object
    period_end: object
    amount: Decimal
    codes: list[str]

    @property
    def accepted(self) -> bool:
        return not self.codes or self.codes == [ACCEPTED]


@dataclass
class Head:
    sender: str = ""
    receiver: str = ""
    message_id: str = ""
    message_date: object = None
    declaration_id: str = ""
    codes: list[str] = field(default_factory=list)
    number: str = ""
    declared: Decimal | None = None
    granted: Decimal | None = None
    rejected: Decimal = Decimal("0.00")
    answers: int = 0
    refused: bool = False


def _codes(element, message: MessageType) -> list[str]:
    return (
        [c.strip() for c in element.findall("m:RetourCodes/m:RetourCode", namespaces=message.namespaces) if c.text]
        if element is not None
        else []
    )


def read(data: bytes, message: MessageType, keys: Pseudonymiser, head: Head, *, validate: bool = False):
    """Fills ``head`` as the message is read and yields each answered performance."""
    ns = message.namespaces
    for element in elements(
        data, message, "Header", "TotaalToegekendBedrag", "Prestatie", "Client", "DeclaratieAntwoord", validate=validate
    ):
        tag = etree.QName(element).localname
        try:
            if tag == "Header":
                head.sender, head.receiver = text(element, "m:Afzender", message), text(element, "m:Ontvanger", message)
                head.message_id = text(element, "m:BerichtIdentificatie/b:Identificatie", message)
                head.message_date = message_date(text(element, "m:BerichtIdentificatie/b:Dagtekening", message))
                head.declaration_id = text(element, "m:DeclaratieIdentificatie/b:Identificatie", message)
                head.codes = [c.text.strip() for c in element.iterfind("m:RetourCodes/m:RetourCode", ns)]
            elif tag == "TotaalToegekendBedrag":
                answer = element.getparent()
                head.number = text(answer, "m:DeclaratieNummer", message)
                head.declared = _total(answer.find("m:TotaalIngediendBedrag", ns), message)
                head.granted = _total(element, message)
            elif tag == "DeclaratieAntwoord":
                head.codes = [c.text.strip() for c in element.iterfind("m:RetourCodes/m:RetourCode", ns)] or head.codes
            elif tag == "Prestatie":
                yield _answer(element, keys)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError):
            if not validate:
                raise


def _total(element, message: MessageType) -> Decimal:
    return cents(text(element, "b:TotaalBedrag", message), text(element, "b:DebetCredit", message))


def _answer(element, keys: Pseudonymiser) -> Answer:
    found = values(element)
    client = element.getparent().getparent()
    period, (amount, debit_credit) = found["ProductPeriode"], found["IngediendBedrag"][:2]
    return Answer(
        line=element.sourceline or 0,
        client_key=keys((client[0].text or "").strip()),
        reference=found["ProductReferentie"][0],
        period_start=message_date(period[0]),
        period_end=message_date(period[1]),
        amount=cents(amount, debit_credit),
        codes=[code.strip() for code in found.get("RetourCodes") or [] if code],
    )


def import_return(
    data: bytes, message: MessageType, keys: Pseudonymiser, *, by
) -> tuple[str, list[ImportProblem], Invoice | None]:
    """(summary, [], the answered invoice) when the answer is saved; ("", problems, None) when
    nothing of it is."""
    head = Head()
    try:
        checked = _check(data, message, keys, head)
    except MessageInvalid as exc:
        return "", [exc.problem], None
    if isinstance(checked, list):
        return "", checked, None
    invoice = checked
    try:
        _save(data, message, keys, head, invoice, by=by)
    except (DataError, IntegrityError):  # a colleague imported the same answer a moment earlier
        return (
            "",
            [ImportProblem(0, "", _("The answer could not be saved; nothing of it was imported. Try again."))],
            None,
        )
    summary = _(
        "Answer to declaration %(number)s of %(provider)s: %(granted)s granted of %(declared)s declared, "
        "%(rejected)s rejected."
    ) % {
        "number": invoice.invoice_number,
        "provider": invoice.provider,
        "granted": money(head.granted),
        "declared": money(head.declared),
        "rejected": money(head.declared - head.granted),
    }
    return summary, [], invoice


def _save(data: bytes, message: MessageType, keys: Pseudonymiser, head: Head, invoice: Invoice, *, by) -> None:
    used: set[int] = set()
    # The monitor's granted and rejected figures of these lines follow the answer.
    with transaction.atomic(), acting_as(by), changing(InvoiceLine.objects.filter(invoice=invoice)):
        answer = DeclarationReturn.objects.create(
            invoice=invoice,
            message_identification=head.message_id,
            message_date=head.message_date,
            declared=head.declared,
            granted=head.granted,
            return_codes=" ".join(head.codes),
            refused=head.refused,
            imported_by=by,
        )
        for batch in batched(read(data, message, keys, Head()), BATCH):
            matched, _problems = _match(invoice, batch, used)
            ReturnLine.objects.bulk_create(
                [
                    ReturnLine(
                        declaration_return=answer,
                        invoice_line_id=line_id,
                        accepted=a.accepted,
                        return_codes=" ".join(a.codes),
                    )
                    for a, line_id in matched
                ]
            )


def _check(data: bytes, message: MessageType, keys: Pseudonymiser, head: Head) -> Invoice | list[ImportProblem]:
    invoice, problems, used = None, [], set()
    for batch in batched(read(data, message, keys, head, validate=True), BATCH):
        if invoice is None:
            invoice = _declaration(head, message)
        if not isinstance(invoice, Invoice):
            continue  # the stream is still read to the end: a schema error there comes first
        pairs, missing = _match(invoice, batch, used)
        problems += missing
        head.answers += len(batch)
        head.rejected += sum((a.amount for a, _line in pairs if not a.accepted), Decimal("0.00"))
    if not head.sender:
        raise MessageInvalid(0, message, "Element 'Header': missing")
    invoice = invoice if invoice is not None else _declaration(head, message)
    if not isinstance(invoice, Invoice):
        return invoice
    return problems[:50] or _totals(head, invoice) or invoice


def _declaration(head: Head, message: MessageType) -> Invoice | list[ImportProblem]:
    """The imported declaration this answers: by provider, law and number (or, when the whole
    message was refused without a DeclaratieAntwoord, by the declaration message's identification)."""
    found = parties(head.sender, head.receiver)
    if isinstance(found, list):
        return found
    municipality, provider = found
    invoices = Invoice.objects.filter(provider=provider, law=message.law, municipality=municipality)
    invoices = (
        invoices.filter(invoice_number=head.number)
        if head.number
        else invoices.filter(declaration_reference=head.declaration_id, source=InvoiceSource.MESSAGE)
    )
    invoice = invoices.select_related("provider").first()
    if invoice is None:
        return [
            ImportProblem(
                0,
                "DeclaratieNummer",
                _(
                    "Declaration %(number)s of %(provider)s (%(law)s) for %(municipality)s is not in the portal: "
                    "import the declaration (323) first."
                )
                % {
                    "number": head.number or head.declaration_id,
                    "provider": provider,
                    "law": message.law_label,
                    "municipality": municipality,
                },
            )
        ]
    if DeclarationReturn.objects.filter(invoice=invoice).exists():
        return [
            ImportProblem(
                0,
                "DeclaratieNummer",
                _("Declaration %(number)s of %(provider)s has already been answered.")
                % {"number": invoice.invoice_number, "provider": provider},
            )
        ]
    return invoice


def _match(invoice: Invoice, answers: list[Answer], used: set[int]) -> tuple[list, list[ImportProblem]]:
    """Each answer with the declared performance it answers (same client, reference and period,
    not answered before in this message), and the answers that match none."""
    lines = defaultdict(list)
    rows = InvoiceLine.objects.filter(invoice=invoice, reference_number__in={a.reference for a in answers})
    for pk, key, ref, start, end, amount in rows.values_list(
        "pk", "client_key", "reference_number", "period_start", "period_end", "amount"
    ).order_by("pk"):
        if pk not in used:
            lines[(key, ref, start, end)].append((pk, amount))
    pairs, problems = [], []
    for answer in answers:
        candidates = lines.get((answer.client_key, answer.reference, answer.period_start, answer.period_end))
        if not candidates:
            problems.append(
                ImportProblem(
                    answer.line,
                    "Prestatie",
                    _("performance %(reference)s of this client and period is not in declaration %(number)s.")
                    % {"reference": answer.reference, "number": invoice.invoice_number},
                )
            )
            continue
        pk, amount = candidates.pop(0)
        used.add(pk)
        if amount != answer.amount:
            problems.append(
                ImportProblem(
                    answer.line,
                    "IngediendBedrag",
                    _("the declared amount %(answer)s differs from the %(declared)s of the declaration.")
                    % {"answer": money(answer.amount), "declared": money(amount)},
                )
            )
        pairs.append((answer, pk))
    return pairs, problems


def _totals(head: Head, invoice: Invoice) -> list[ImportProblem]:
    if head.message_date is None:
        return [ImportProblem(0, "Dagtekening", _("the date has a time zone or lies outside the plausible years."))]
    if head.declared is None:  # the whole declaration refused: nothing granted
        head.declared, head.granted, head.rejected = invoice.amount, Decimal("0.00"), invoice.amount
        head.refused = True
        return []
    if head.declared != invoice.amount:
        return [
            ImportProblem(
                0,
                "TotaalIngediendBedrag",
                _("the total declared (%(answer)s) differs from the declaration's %(declared)s.")
                % {"answer": money(head.declared), "declared": money(invoice.amount)},
            )
        ]
    if head.granted + head.rejected != head.declared:
        return [
            ImportProblem(
                0,
                "TotaalToegekendBedrag",
                _("granted (%(granted)s) and rejected (%(rejected)s) do not add up to the declared %(declared)s.")
                % {"granted": money(head.granted), "rejected": money(head.rejected), "declared": money(head.declared)},
            )
        ]
    return []
