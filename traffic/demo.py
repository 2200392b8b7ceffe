"""Demo message traffic, generated deterministically (the same seed gives the same data).

Three years of what the fourteen municipalities exchange with the providers, fitted to the demo
invoices of contracts.demo: every message-sourced invoice gets its declared performances (323
lines) whose amounts add up to the invoice to the cent, each naming an allocation (301) of that
municipality and law; most declarations have the municipality's answer (325) rejecting a few
per cent of the lines with the code that fits what is wrong with them. Tariff-based lines cost
volume x the contract's tariff; what is left of an invoice is declared in euros (unit 83) on a
client with a budget allocation, as the standard allows. No citizen number is kept: clients are
fake test numbers turned into keyed pseudonyms (portal.pseudonyms) the moment they are made.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from audit.services import record_created, record_update, values_of
from contracts.models import Invoice, InvoiceLine, InvoiceSource, Law, TariffLine, add_months
from municipalities.models import Municipality
from portal.bulk import insert_rows
from portal.pseudonyms import Pseudonymiser
from traffic.models import Allocation, DeclarationReturn, ReturnLine

SEED = 2615
MAX_LINES = 150_000  # the benchmark's 200,000 invoices get lines on a sample only
MAX_LINES_PER_INVOICE = 60
BATCH = 5000
FAKE_BSN_BASE = 999_000_000  # fake test numbers; only their keyed pseudonyms are stored
UNKNOWN_FROM = 90_000  # allocation sequence numbers from here on were never allocated
EUROS = "83"  # unit "Euro's": the amount need not be volume x tariff (rule 9346)
FULLY_GRANTED, ANSWERED = "8001", "0200"
PREFIX = {Law.YOUTH: "JW", Law.WMO: "WMO"}
LAW_DIGIT = {Law.YOUTH: 1, Law.WMO: 2}
# A month of care for one client, roughly, in euros: how many lines an invoice has.
LINE_AMOUNT = {"JGD-S1": 1000, "JGD-CR": 2000, "WMO-OND": 750, "WMO-HH": 500, "BW": 4000, "MO": 1800}
# What can be wrong with a declared performance, how often, and the 325's codes that reject it.
FAULTS = [
    ("unknown", 0.010, "9338"),  # no allocation with this number
    ("over", 0.014, "9321"),  # more than the allocated volume
    ("ended", 0.008, "9307 9308"),  # the allocation ended before this month
    ("twice", 0.008, "9361"),  # the same product twice in overlapping periods
    ("tariff", 0.008, "0611"),  # not the contract's tariff
]
FAULT_CODES = {name: codes for name, _chance, codes in FAULTS}
CREDIT_WITHOUT_DEBIT = "8017"
# Reasons a later 301 changed an allocation (LDT_RedenWijziging), by weight.
CHANGES = {"04": 5, "05": 2, "14": 2, "03": 1, "02": 1, "07": 1}
CHANGED_SHARE = 0.10


@dataclass
class _Care:
    """One allocation being generated, with what the lines need to know of it."""

    allocation: Allocation
    tariff: Decimal | None  # None: a budget in euros
    month_volume: int
    declared: Decimal = Decimal("0.00")
    before: dict | None = None  # the values of the first 301 when a later one changed it


@dataclass
class _Caseload:
    """The clients of one provider in one municipality under one segment's contracts."""

    municipality_id: int
    number_prefix: str
    law: str
    provider_id: int
    segment: str
    tariffs: list[TariffLine]
    care: list[_Care] = field(default_factory=list)  # current or future, oldest first
    budgets: list[_Care] = field(default_factory=list)
    ended: list[_Care] = field(default_factory=list)  # tariff-based allocations that ended

    def prune(self, day: datetime.date) -> None:
        """Move the allocations that ended before this day out of the way (the invoices come in
        order of their period, so an allocation that has ended stays ended)."""
        if any(c.allocation.end_date and c.allocation.end_date < day for c in self.care):
            self.ended += [c for c in self.care if c.allocation.end_date and c.allocation.end_date < day]
            self.care = [c for c in self.care if not (c.allocation.end_date and c.allocation.end_date < day)]
        self.budgets = [c for c in self.budgets if not (c.allocation.end_date and c.allocation.end_date < day)]


@dataclass(slots=True)
class _Line:
    """A declared performance as InvoiceLine stores it (its attribute names), with the allocation it
    was declared on: 60,000 model instances took a third of the demo's time."""

    invoice_id: int
    client_key: str
    reference_number: str
    assignment_number: str
    product_category: str
    product_code: str
    period_start: datetime.date
    period_end: datetime.date
    volume: int
    unit: str
    tariff: Decimal | None
    amount: Decimal
    care: _Care
    pk: int | None = None


@dataclass
class _Declared:
    invoice: Invoice
    lines: list[tuple[_Line, str]]  # the line and the codes that will reject it ("" = none)


def load_traffic_demo(
    *,
    seed: int = SEED,
    today: datetime.date | None = None,
    max_lines: int = MAX_LINES,
    log: Callable[[str], None] = print,
    warn: Callable[[str], None] = print,
) -> int:
    """Create the demo allocations, declared performances and returns unless there is message
    traffic already; returns the rows created."""
    if Allocation.objects.exists() or InvoiceLine.objects.exists() or DeclarationReturn.objects.exists():
        return 0
    try:
        pseudonym = Pseudonymiser()
    except ImproperlyConfigured:
        warn("No demo message traffic: CLIENT_PSEUDONYM_KEY is not set.")
        return 0
    clerk = User.objects.filter(groups__name="Medewerker").order_by("pk").first()
    invoices = list(
        Invoice.objects.filter(source=InvoiceSource.MESSAGE)
        .select_related("contract__segment")
        .order_by("period_start", "pk")
    )
    if clerk is None or not invoices:
        return 0
    traffic = _Traffic(random.Random(seed), today or datetime.date.today(), pseudonym)
    declared = traffic.declare_all(_sample(traffic.rng, invoices, max_lines))
    with transaction.atomic():
        created = traffic.save_allocations(clerk)
        log(f"  allocations: {created:,}")
        lines = _save_lines(declared)
        log(f"  declared performances: {lines:,}")
        created += lines + traffic.save_returns(declared, clerk)
    return created


def _sample(rng: random.Random, invoices: list[Invoice], max_lines: int) -> list[Invoice]:
    """All message invoices, or a sample of them when their lines would exceed max_lines."""
    expected = sum(
        min(MAX_LINES_PER_INVOICE, abs(i.amount) / LINE_AMOUNT[i.contract.segment.code] + 2) for i in invoices
    )
    share = min(1.0, max_lines / float(expected or 1))
    return [i for i in invoices if share >= 1.0 or rng.random() < share]


def _save_lines(declared: list[_Declared]) -> int:
    lines = [line for d in declared for line, _codes in d.lines]
    _insert(InvoiceLine, lines)
    # The only lines there are (load_traffic_demo starts without any): their ids, for the returns.
    ids = {(i, ref): pk for pk, i, ref in InvoiceLine.objects.values_list("pk", "invoice_id", "reference_number")}
    for line in lines:
        line.pk = ids[(line.invoice_id, line.reference_number)]
    return len(lines)


def _insert(model: type[models.Model], objs: list) -> None:
    """Every field of every row set by the demo (the caller reads the keys back)."""
    columns = tuple(f.attname for f in model._meta.concrete_fields if not f.primary_key)
    insert_rows(model, columns, [tuple(getattr(o, c) for c in columns) for o in objs])


class _Traffic:
    def __init__(self, rng: random.Random, today: datetime.date, pseudonym: Pseudonymiser) -> None:
        self.rng, self.today, self.pseudonym = rng, today, pseudonym
        self.first_day = datetime.date(today.year - 2, 1, 1)
        self.municipalities = {m.pk: m for m in Municipality.objects.order_by("cbs_code")}
        self.index = {pk: i + 1 for i, pk in enumerate(self.municipalities)}
        self.tariffs: dict[int, list[TariffLine]] = {}
        for tariff in TariffLine.objects.order_by("pk"):
            self.tariffs.setdefault(tariff.contract_id, []).append(tariff)
        self.caseloads: dict[tuple, _Caseload] = {}
        self.sequence: dict[str, int] = {}
        self.clients = 0
        self.messages = 0
        self.all_care: list[_Care] = []

    # --- allocations ---------------------------------------------------------------------

    def caseload(self, invoice: Invoice) -> _Caseload:
        segment = invoice.contract.segment.code
        key = (invoice.municipality_id, invoice.law, invoice.provider_id, segment)
        if key not in self.caseloads:
            prefix = f"{self.index[invoice.municipality_id]:02d}{LAW_DIGIT[invoice.law]}"
            self.caseloads[key] = _Caseload(
                invoice.municipality_id,
                prefix,
                invoice.law,
                invoice.provider_id,
                segment,
                self.tariffs[invoice.contract_id],
            )
        return self.caseloads[key]

    def new_client(self) -> str:
        self.clients += 1
        return self.pseudonym(str(FAKE_BSN_BASE + self.clients))

    def message_id(self, law: str, municipality_id: int, code: str, on: datetime.date) -> str:
        """E.g. JW301-03260105-0042: message, sender, day, a running number (no 9-digit run)."""
        self.messages += 1
        return f"{PREFIX[law]}{code}-{self.index[municipality_id]:02d}{on:%y%m%d}-{self.messages % 10_000:04d}"

    def allocate(self, load: _Caseload, start_of_need: datetime.date, end_of_need: datetime.date, euros: bool) -> _Care:
        """A new allocation that covers this month, started some weeks before it."""
        rng = self.rng
        start = max(self.first_day, start_of_need - datetime.timedelta(days=rng.randint(0, 60)))
        months = rng.choice([6, 12, 12, 24, 24, 36])
        open_ended = rng.random() < (0.6 if load.segment == "WMO-HH" else 0.25)
        end = None if open_ended else max(end_of_need, add_months(start, months) - datetime.timedelta(days=1))
        allocated_on = min(self.today, max(self.first_day, start - datetime.timedelta(days=rng.randint(0, 21))))
        ended = [c for c in load.ended[-20:] if c.allocation.end_date < start]  # a client had care before
        client = rng.choice(ended).allocation.client_key if ended and rng.random() < 0.25 else self.new_client()
        tariff = rng.choice(load.tariffs)
        self.sequence[load.number_prefix] = self.sequence.get(load.number_prefix, 0) + 1
        if self.sequence[load.number_prefix] >= UNKNOWN_FROM:
            raise RuntimeError("Too many demo allocations for one municipality and law.")
        allocation = Allocation(
            municipality=self.municipalities[load.municipality_id],  # loaded: str() reads it
            provider_id=load.provider_id,
            law=load.law,
            number=f"{load.number_prefix}{self.sequence[load.number_prefix]:05d}",
            client_key=client,
            product_category=tariff.product_category,
            product_code=tariff.product_code,
            allocated_on=allocated_on,
            start_date=start,
            end_date=end,
            unit=EUROS if euros else tariff.unit,
            message_identification=self.message_id(load.law, load.municipality_id, "301", allocated_on),
            message_date=allocated_on,
            imported_at=_at(allocated_on, 8),
        )
        typical = LINE_AMOUNT[load.segment] * rng.uniform(0.5, 1.6)
        care = _Care(allocation, None if euros else tariff.tariff, max(1, round(Decimal(typical) / tariff.tariff)))
        (load.budgets if euros else load.care).append(care)
        self.all_care.append(care)
        return care

    def pick(self, load: _Caseload, invoice: Invoice, used: set[int], euros: bool = False) -> _Care:
        """The next client with a current allocation not yet declared on this invoice."""
        for care in load.budgets if euros else load.care:
            a = care.allocation
            current = a.start_date <= invoice.period_start and (a.end_date is None or a.end_date >= invoice.period_end)
            if current and id(care) not in used:
                used.add(id(care))
                return care
        care = self.allocate(load, invoice.period_start, invoice.period_end, euros)
        used.add(id(care))
        return care

    # --- declarations --------------------------------------------------------------------

    def declare_all(self, invoices: list[Invoice]) -> list[_Declared]:
        declared = []
        for invoice in invoices:
            load = self.caseload(invoice)
            load.prune(invoice.period_start)
            if invoice.amount < 0:
                declared.append(_Declared(invoice, self.credit(load, invoice)))
            else:
                declared.append(_Declared(invoice, self.debit(load, invoice)))
        for care in self.all_care:
            self.finish(care)
        return declared

    def fault(self) -> str:
        draw = self.rng.random()
        for name, chance, _codes in FAULTS:
            if draw < chance:
                return name
            draw -= chance
        return ""

    def debit(self, load: _Caseload, invoice: Invoice) -> list[tuple[_Line, str]]:
        """Tariff-based lines up to most of the amount; the rest in euros on a budget."""
        lines: list[tuple[_Line, str]] = []
        used: set[int] = set()
        remaining = invoice.amount
        keep = (invoice.amount * Decimal(str(self.rng.uniform(0.05, 0.25)))).quantize(Decimal("0.01"))
        while remaining > keep and len(lines) < MAX_LINES_PER_INVOICE - 1:
            line, fault = self.tariff_line(load, invoice, used, self.fault(), lines)
            codes = FAULT_CODES.get(fault, "")
            if line.amount > remaining:  # the last tariff-based line: what is left of the month
                line.volume = int(remaining // line.tariff)
                line.amount = line.volume * line.tariff
                codes = "" if fault in ("over", "twice") else codes
                if not line.volume:
                    break
            lines.append((line, codes))
            remaining -= line.amount
            if fault != "unknown":
                line.care.declared += line.amount
        if remaining:
            care = self.pick(load, invoice, used, euros=True)
            lines.append((self.line(invoice, care, len(lines), max(1, round(remaining)), None, remaining), ""))
            care.declared += remaining
        return lines

    def tariff_line(
        self, load: _Caseload, invoice: Invoice, used: set[int], fault: str, lines: list
    ) -> tuple[_Line, str]:
        """A line at the contract's tariff, with the fault it has ("" for none)."""
        if fault == "twice" and lines and lines[-1][0].tariff is not None:
            previous = lines[-1][0]
            care = previous.care
            return self.line(invoice, care, len(lines), previous.volume, previous.tariff, previous.amount), fault
        if fault in ("twice", "ended") and not (fault == "ended" and load.ended):
            fault = ""  # nothing to declare twice or no allocation that ended: a sound line
        care = load.ended[-1] if fault == "ended" else self.pick(load, invoice, used)
        volume = max(1, round(care.month_volume * self.rng.uniform(0.6, 1.0)))
        if fault == "over":
            volume = care.month_volume + self.rng.randint(1, 4)
        tariff = care.tariff * Decimal("1.035") if fault == "tariff" else care.tariff
        tariff = tariff.quantize(Decimal("0.01"))
        line = self.line(invoice, care, len(lines), volume, tariff, volume * tariff)
        if fault == "unknown":
            line.assignment_number = f"{load.number_prefix}{self.rng.randrange(UNKNOWN_FROM, 100_000):05d}"
            line.client_key = self.new_client()
        return line, fault

    def credit(self, load: _Caseload, invoice: Invoice) -> list[tuple[_Line, str]]:
        """A credit note: one performance declared before, taken back in euros."""
        care = self.pick(load, invoice, set(), euros=True)
        line = self.line(invoice, care, 0, max(1, round(-invoice.amount)), None, invoice.amount)
        care.declared += invoice.amount
        return [(line, CREDIT_WITHOUT_DEBIT if self.rng.random() < 0.15 else "")]

    def line(
        self, invoice: Invoice, care: _Care, i: int, volume: int, tariff: Decimal | None, amount: Decimal
    ) -> _Line:
        a = care.allocation
        return _Line(
            invoice_id=invoice.pk,
            client_key=a.client_key,
            reference_number=f"{invoice.invoice_number}-{i + 1:03d}"[-20:],
            assignment_number=a.number,
            product_category=a.product_category,
            product_code=a.product_code,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            volume=volume,
            unit=a.unit,
            tariff=tariff,
            amount=amount,
            care=care,
        )

    # --- finishing and saving --------------------------------------------------------------

    def finish(self, care: _Care) -> None:
        """Volume, frequency and budget as the 301 gave them; sometimes a later 301 changed it."""
        a, rng = care.allocation, self.rng
        months = (
            None
            if a.end_date is None
            else (a.end_date.year - a.start_date.year) * 12 + a.end_date.month - a.start_date.month + 1
        )
        if care.tariff is None:
            budget = max(Decimal(500), Decimal(math.ceil(care.declared * Decimal(rng.uniform(1.05, 1.4)) / 100) * 100))
            a.volume, a.frequency, a.budget = int(budget), "6", budget
        elif a.unit == "04" and rng.random() < 0.5:
            a.volume, a.frequency = math.ceil(care.month_volume / 4), "2"
        elif months and rng.random() < 0.2:
            a.volume, a.frequency = care.month_volume * months, "6"
        else:
            a.volume, a.frequency = care.month_volume, "4"
        if care.tariff is not None and months and rng.random() < 0.15:
            a.budget = care.tariff * care.month_volume * months
        if rng.random() < CHANGED_SHARE:
            self.change(care)

    def change(self, care: _Care) -> None:
        """What the first 301 said before a later one changed it (the row keeps the latest)."""
        a, rng = care.allocation, self.rng
        reason = rng.choices(list(CHANGES), list(CHANGES.values()))[0]
        care.before = values_of(a)
        if reason == "04" and a.end_date and add_months(a.end_date, -3) > a.start_date:  # extended
            care.before["end_date"] = add_months(a.end_date, -3).isoformat()
            changed_on = add_months(a.end_date, -3) - datetime.timedelta(days=rng.randint(5, 30))
        elif reason in ("05", "02", "07") and a.end_date:  # ended earlier than allocated
            care.before["end_date"] = None if rng.random() < 0.5 else add_months(a.end_date, 6).isoformat()
            changed_on = a.end_date - datetime.timedelta(days=rng.randint(0, 14))
        else:  # another volume
            reason = reason if reason in ("03", "14") else "14"
            care.before["volume"] = (a.volume or 1) + rng.randint(1, 3)
            changed_on = a.allocated_on + datetime.timedelta(days=rng.randint(7, 60))
        changed_on = min(self.today, max(a.allocated_on, changed_on))
        a.change_reason, a.message_date, a.imported_at = reason, changed_on, _at(changed_on, 8)
        a.message_identification = self.message_id(a.law, a.municipality_id, "301", changed_on)

    def save_allocations(self, clerk: User) -> int:
        allocations = [c.allocation for c in self.all_care]
        _insert(Allocation, allocations)  # the only ones there are (the demo starts without any)
        ids = {
            (m, law, n): pk for pk, m, law, n in Allocation.objects.values_list("pk", "municipality", "law", "number")
        }
        for allocation in allocations:
            allocation.pk = ids[(allocation.municipality_id, allocation.law, allocation.number)]
        record_created(allocations, by=clerk, note="301", with_values=False)
        for care in self.all_care:
            if care.before is not None:
                record_update(care.allocation, care.before, by=clerk)
        return len(allocations)

    def save_returns(self, declared: list[_Declared], clerk: User) -> int:
        """The municipality's 325 for most declarations: the rejected lines with their codes."""
        returns, rejections = [], []
        for d in declared:
            invoice = d.invoice
            answered_on = invoice.invoice_date + datetime.timedelta(days=self.rng.randint(3, 14))
            if answered_on > self.today or self.rng.random() < 0.03:
                continue
            rejected = [(line, codes) for line, codes in d.lines if codes]
            answer = DeclarationReturn(
                invoice=invoice,
                message_identification=self.message_id(invoice.law, invoice.municipality_id, "325", answered_on),
                message_date=answered_on,
                declared=invoice.amount,
                granted=invoice.amount - sum((line.amount for line, _c in rejected), Decimal("0.00")),
                return_codes=ANSWERED if rejected else FULLY_GRANTED,
                imported_at=_at(answered_on, 7),
                imported_by=clerk,
            )
            returns.append(answer)
            rejections.append(rejected)
        _insert(DeclarationReturn, returns)  # the only ones there are (the demo starts without any)
        ids = dict(DeclarationReturn.objects.values_list("invoice_id", "pk"))
        for answer in returns:
            answer.pk = ids[answer.invoice_id]
        record_created(returns, by=clerk, note="325", with_values=False)
        lines = [
            ReturnLine(declaration_return_id=answer.pk, invoice_line_id=line.pk, accepted=False, return_codes=codes)
            for answer, rejected in zip(returns, rejections, strict=True)
            for line, codes in rejected
        ]
        _insert(ReturnLine, lines)
        return len(returns) + len(lines)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
