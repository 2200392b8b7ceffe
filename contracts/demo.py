"""Demo contracts and invoices, generated deterministically (the same seed gives the same data).

About 40 providers, 120 contracts over the segments and, by default, 20,000 invoices over three
years with realistic amounts and a realistic spread of statuses. The benchmark uses the same
generator with 200,000 invoices. Midden-Limburg takes part in module-1 youth contracts through a
service agreement (DVO) in 2024-2025 and as a member from 2026 (seed 000).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from contracts.models import (
    PAYMENT_TERM_DAYS,
    Contract,
    ContractLogEntry,
    ContractParticipation,
    FundingVariant,
    Invoice,
    InvoiceSource,
    InvoiceStatus,
    InvoiceTransition,
    Law,
    ProcurementProcedure,
    Provider,
    Segment,
    ServiceAgreement,
    TariffLine,
    add_months,
)
from entity.models import Module
from municipalities.models import Municipality
from portal.money import MoneySum, split_largest_remainder

SEGMENTS = [  # code, name, law, module
    ("JGD-S1", "Segment 1 jeugdhulp", Law.YOUTH, 1),
    ("JGD-CR", "Crisiszorg jeugd", Law.YOUTH, 1),
    ("WMO-OND", "Wmo-ondersteuning", Law.WMO, 1),
    ("WMO-HH", "Hulp bij het huishouden", Law.WMO, 1),
    ("BW", "Beschermd wonen", Law.WMO, 2),
    ("MO", "Maatschappelijke opvang", Law.WMO, 2),
]
# Segments Midden-Limburg bought through a DVO before joining module 1 (seed 000).
DVO_SEGMENTS = ["JGD-S1", "JGD-CR"]
DVO_PERIOD = (datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))
DVO_FEE = Decimal("42500.00")

PREFIXES = [
    "Zorggroep",
    "Stichting",
    "Jeugdzorg",
    "Wonen en Welzijn",
    "Thuiszorg",
    "Begeleiding",
    "Kompas",
    "Zorgcoöperatie",
]
NAMES = [
    "Maasland",
    "De Peel",
    "Noorderlicht",
    "Horizon",
    "Venlo-Oost",
    "Roerstreek",
    "Kempenland",
    "De Linde",
    "Maasduinen",
    "Het Anker",
    "Leudal",
    "Weerterland",
    "De Brug",
    "Op Maat",
    "Samen Sterk",
    "Vitaal",
    "De Kern",
    "Zuiderzon",
    "Grensland",
    "Middenpunt",
]
PRODUCTS = {  # segment -> (category, [(code, unit, tariff)])
    "JGD-S1": ("45", [("45A03", "04", "62.50"), ("45A04", "04", "75.00"), ("45A10", "14", "1450.00")]),
    "JGD-CR": ("44", [("44A01", "01", "310.00"), ("44A02", "04", "98.00")]),
    "WMO-OND": ("02", [("02A01", "04", "58.20"), ("02A02", "04", "66.40")]),
    "WMO-HH": ("01", [("01A01", "04", "31.80")]),
    "BW": ("08", [("08A01", "01", "142.00")]),
    "MO": ("09", [("09A01", "01", "88.00")]),
}
SEGMENT_AMOUNT = {
    "JGD-S1": (8.3, 1.0),
    "JGD-CR": (8.8, 0.9),
    "WMO-OND": (8.0, 1.0),
    "WMO-HH": (7.6, 0.8),
    "BW": (9.3, 0.7),
    "MO": (8.6, 0.8),
}  # log-normal (mu, sigma) of a monthly invoice in euros


def _months(start: datetime.date, end: datetime.date):
    month = start.replace(day=1)
    while month <= end:
        following = add_months(month, 1)
        yield month, following - datetime.timedelta(days=1)
        month = following


def load_contract_demo(
    *, invoices: int = 20_000, seed: int = 2026, today: datetime.date | None = None, log: Callable[[str], None] = print
) -> int:
    """Create the demo contracts and invoices unless they exist; returns the rows created."""
    if Contract.objects.exists():
        return 0
    today = today or datetime.date.today()
    rng = random.Random(seed)
    staff = list(User.objects.filter(groups__name__in=["Medewerker", "Leidinggevende"]).distinct().order_by("pk"))
    if len(staff) < 2:
        raise RuntimeError("The demo invoices need at least two staff users (four eyes).")
    municipalities = {m.slug: m for m in Municipality.objects.all()}
    with transaction.atomic():
        segments = _segments()
        _service_agreements(segments)
        providers = _providers(rng)
        contracts = _contracts(rng, segments, providers, municipalities, today)
        created = len(segments) + len(providers) + len(contracts)
        created += _log_entries(rng, contracts, staff, today)
        created += _invoices(rng, contracts, staff, today, invoices, log)
    return created


def _segments() -> dict[str, Segment]:
    modules = {m.number: m for m in Module.objects.all()}
    return {
        code: Segment.objects.get_or_create(code=code, defaults={"name": name, "law": law, "module": modules[module]})[
            0
        ]
        for code, name, law, module in SEGMENTS
    }


def _service_agreements(segments: dict[str, Segment]) -> None:
    for municipality in Municipality.objects.exclude(region="NL"):
        agreement = ServiceAgreement.objects.create(
            municipality=municipality, start_date=DVO_PERIOD[0], end_date=DVO_PERIOD[1], annual_fee=DVO_FEE
        )
        agreement.segments.set([segments[code] for code in DVO_SEGMENTS])


def _providers(rng: random.Random) -> list[Provider]:
    names = [f"{p} {n}" for p in PREFIXES for n in NAMES]
    rng.shuffle(names)
    providers = []
    for i, name in enumerate(sorted(names[:40])):
        providers.append(
            Provider(
                name=name,
                kvk_number=f"{rng.randrange(10**7, 10**8):08d}",
                agb_code=f"{98000000 + i * 137:08d}",
                contact_name=f"Contractbeheer {name.split()[-1]}",
                email=f"contract@{name.lower().replace(' ', '').replace('ö', 'o')[:20]}.example.org",
            )
        )
    return Provider.objects.bulk_create(providers)


def _participants(segment: Segment, start: datetime.date, municipalities: dict[str, Municipality]) -> list:
    noord = [m for m in municipalities.values() if m.region == "NL"]
    midden = [m for m in municipalities.values() if m.region != "NL"]
    if segment.module.number == 2:
        return noord + midden
    if segment.code in DVO_SEGMENTS and start >= DVO_PERIOD[0]:
        return noord + midden  # DVO until 2025, members from 2026: covered on every day
    if start >= datetime.date(2026, 1, 1):
        return noord + midden
    return noord


def _contracts(
    rng: random.Random,
    segments: dict[str, Segment],
    providers: list[Provider],
    municipalities: dict[str, Municipality],
    today: datetime.date,
) -> list[Contract]:
    inhabitants = {m.pk: m.inhabitants_on(datetime.date(2025, 1, 1)) or 1 for m in municipalities.values()}
    contracts, participations, tariffs = [], [], []
    codes = [code for code, *_rest in SEGMENTS]
    for i in range(120):
        segment = segments[codes[i % len(codes)]]
        start = datetime.date(rng.choice([2023, 2024, 2024, 2025, 2026, 2027]), rng.choice([1, 1, 1, 4, 7]), 1)
        if segment.code in DVO_SEGMENTS and start < DVO_PERIOD[0] and rng.random() < 0.5:
            start = DVO_PERIOD[0]
        end = add_months(start, 12 * rng.choice([2, 3, 3, 4])) - datetime.timedelta(days=1)
        variant = rng.choices([FundingVariant.EFFORT, FundingVariant.OUTPUT, FundingVariant.TASK], [6, 3, 1])[0]
        ceiling = (
            Decimal(rng.randrange(200, 4000) * 1000) if variant == FundingVariant.TASK or rng.random() < 0.4 else None
        )
        contract = Contract(
            reference=f"{segment.code}-{start.year}-{i + 1:03d}",
            provider=providers[(i * 7) % len(providers)],
            segment=segment,
            title=f"{segment.name} – {providers[(i * 7) % len(providers)].name}",
            procedure=rng.choice(list(ProcurementProcedure)),
            funding_variant=variant,
            start_date=start,
            end_date=end,
            latest_end_date=add_months(end, 24) if rng.random() < 0.6 else None,
            notice_months=rng.choice([3, 3, 6, 6, 12]),
            ceiling=ceiling,
        )
        contract.notice_date = add_months(end, -contract.notice_months)
        contracts.append(contract)
    Contract.objects.bulk_create(contracts)
    for contract in contracts:
        members = _participants(contract.segment, contract.start_date, municipalities)
        shares = (
            split_largest_remainder(Decimal(100), {m.pk: inhabitants[m.pk] for m in members})
            if contract.is_lump_sum
            else {}
        )
        participations += [
            ContractParticipation(contract=contract, municipality=m, key_share=shares.get(m.pk)) for m in members
        ]
        category, products = PRODUCTS[contract.segment.code]
        tariffs += [
            TariffLine(
                contract=contract, product_category=category, product_code=code, unit=unit, tariff=Decimal(tariff)
            )
            for code, unit, tariff in products
        ]
    ContractParticipation.objects.bulk_create(participations)
    TariffLine.objects.bulk_create(tariffs)
    return contracts


def _log_entries(rng: random.Random, contracts: list[Contract], staff: list[User], today: datetime.date) -> int:
    texts = {
        "visit": [
            "Werkbezoek op locatie; wachtlijst besproken en afspraken over doorlooptijden gemaakt.",
            "Kennismaking met nieuwe regiebehandelaar; geen bijzonderheden.",
        ],
        "signal": [
            "Signaal van wijkteam over lange wachttijden voor intake.",
            "Declaraties over het vorige kwartaal kwamen laat binnen; aanbieder aangesproken.",
        ],
        "agreement": [
            "Afgesproken dat de aanbieder maandelijks een wachtlijstoverzicht aanlevert.",
            "Tariefindexatie volgens de contractvoorwaarden toegepast.",
        ],
    }
    entries = []
    for contract in contracts[::3]:
        for _i in range(rng.randint(1, 3)):
            kind = rng.choice(list(texts))
            date = min(today, contract.start_date + datetime.timedelta(days=rng.randint(20, 600)))
            entries.append(
                ContractLogEntry(
                    contract=contract, kind=kind, date=date, author=rng.choice(staff), text=rng.choice(texts[kind])
                )
            )
    ContractLogEntry.objects.bulk_create(entries)
    return len(entries)


def _invoices(
    rng: random.Random,
    contracts: list[Contract],
    staff: list[User],
    today: datetime.date,
    count: int,
    log: Callable[[str], None],
) -> int:
    slots, key_shares = _invoice_slots(contracts, today)
    if not slots:
        return 0
    picks_per_slot = max(1.0, count / len(slots))
    numbers: dict[int, int] = {}
    # Each provider numbers its invoices its own way, e.g. MAAS-2026-00413.
    prefixes = {c.provider_id: c.provider.name.split()[-1][:4].upper().replace("Ö", "O") for c in contracts}
    created = 0
    steps: list[tuple[Invoice, list[tuple[str, str, int, datetime.datetime, str]]]] = []
    for n in range(count):
        # The order of the random draws is the demo's: the same seed gives the same invoices.
        contract, municipality_id, period_start, period_end = slots[rng.randrange(len(slots))]
        invoice_date = min(today, period_end + datetime.timedelta(days=rng.randint(3, 25)))
        amount = _invoice_amount(rng, contract, municipality_id, key_shares, picks_per_slot)
        numbers[contract.provider_id] = numbers.get(contract.provider_id, 0) + 1
        registrant = staff[n % len(staff)]
        colleague = staff[(n + 1) % len(staff)]
        status, history = _history(rng, invoice_date, today, registrant, colleague)
        invoice = Invoice(
            provider_id=contract.provider_id,
            contract=contract,
            municipality_id=municipality_id,
            invoice_number=f"{prefixes[contract.provider_id]}-{invoice_date.year}-{numbers[contract.provider_id]:05d}",
            invoice_date=invoice_date,
            due_date=invoice_date + datetime.timedelta(days=PAYMENT_TERM_DAYS),
            period_start=period_start,
            period_end=period_end,
            amount=amount,
            status=status,
            rejection_reason=history[-1][4] if status == InvoiceStatus.REJECTED else "",
            source=rng.choice([InvoiceSource.MESSAGE, InvoiceSource.MESSAGE, InvoiceSource.CSV, InvoiceSource.MANUAL]),
            registered_by=registrant,
            registered_at=datetime.datetime.combine(invoice_date, datetime.time(9), tzinfo=datetime.UTC),
        )
        steps.append((invoice, history))
        if len(steps) == 5000 or n == count - 1:
            _save_invoices(steps)
            created += len(steps)
            log(f"  invoices: {created:,} of {count:,}")
            steps = []
    _fit_ceilings(rng, contracts)
    from contracts.services import rebuild_spending_totals

    rebuild_spending_totals()
    return created


def _invoice_slots(
    contracts: list[Contract], today: datetime.date
) -> tuple[list[tuple[Contract, int, datetime.date, datetime.date]], dict[tuple[int, int], Decimal]]:
    """Every possible monthly invoice (contract, municipality id, period start, period end) of the last
    two years, and the key share of each participation."""
    first = datetime.date(today.year - 2, 1, 1)
    participants: dict[int, list[int]] = {}
    key_shares: dict[tuple[int, int], Decimal] = {}
    for contract_id, municipality_id, share in ContractParticipation.objects.filter(contract__in=contracts).values_list(
        "contract_id", "municipality_id", "key_share"
    ):
        participants.setdefault(contract_id, []).append(municipality_id)
        key_shares[(contract_id, municipality_id)] = share or Decimal(0)
    slots = []
    for contract in contracts:
        # Invoices arrive within weeks after the month they cover.
        start, end = max(contract.start_date, first), min(contract.end_date, today - datetime.timedelta(days=3))
        for month_start, month_end in _months(start, end):
            if month_end <= end:
                slots += [(contract, m, month_start, month_end) for m in participants[contract.pk]]
    return slots, key_shares


def _invoice_amount(
    rng: random.Random,
    contract: Contract,
    municipality_id: int,
    key_shares: dict[tuple[int, int], Decimal],
    picks_per_slot: float,
) -> Decimal:
    if contract.is_lump_sum:  # an instalment of this municipality's part of the contract sum
        months = (contract.end_date.year - contract.start_date.year) * 12 + contract.end_date.month
        months -= contract.start_date.month - 1
        part = contract.ceiling * key_shares[(contract.pk, municipality_id)] / 100 / months
        amount = (part / Decimal(picks_per_slot) * Decimal(str(rng.uniform(0.8, 1.0)))).quantize(Decimal("0.01"))
    else:
        mu, sigma = SEGMENT_AMOUNT[contract.segment.code]
        amount = Decimal(str(round(rng.lognormvariate(mu, sigma), 2))).quantize(Decimal("0.01"))
    if rng.random() < 0.02:
        amount = -amount.quantize(Decimal("1")) / 4  # credit note: a partial correction
        amount = amount.quantize(Decimal("0.01"))
    return amount


def _save_invoices(steps: list[tuple[Invoice, list[tuple[str, str, int, datetime.datetime, str]]]]) -> None:
    # Past "received" only with the steps that got it there, checked as the workflow would.
    Invoice.objects.bulk_create_with_history(
        [
            (
                inv,
                [
                    InvoiceTransition(from_status=a, to_status=b, by_id=by, at=at, reason=reason)
                    for a, b, by, at, reason in history
                ],
            )
            for inv, history in steps
        ],
        batch_size=1000,
    )


def _fit_ceilings(rng: random.Random, contracts: list[Contract]) -> None:
    """Ceilings of effort- and output-based contracts in proportion to what was invoiced, so most
    contracts stay under their ceiling and a few run over, as in real life."""
    spent = dict(
        Invoice.objects.filter(contract__in=contracts).values_list("contract_id").annotate(total=MoneySum("amount"))
    )
    changed = []
    for contract in contracts:
        if contract.ceiling is not None and not contract.is_lump_sum:
            factor = Decimal(str(rng.choice([0.9, 1.2, 1.4, 1.6, 1.8, 2.5])))
            contract.ceiling = max(Decimal(100_000), (spent.get(contract.pk, 0) * factor).quantize(Decimal("1E4")))
            changed.append(contract)
    Contract.objects.bulk_update(changed, ["ceiling"])


def _history(
    rng: random.Random, invoice_date: datetime.date, today: datetime.date, registrant: User, colleague: User
) -> tuple[str, list]:
    """The steps an invoice went through, ending in its current status. Approval is always by
    someone other than the registrant (four eyes)."""
    age = (today - invoice_date).days
    if age > 45:  # long settled: paid, or rejected
        target = rng.choices(["paid", "rejected"], [96, 4])[0]
    elif age > 20:
        target = rng.choices(["paid", "approved", "checked", "rejected", "received"], [65, 8, 10, 5, 12])[0]
    else:
        target = rng.choices(["received", "checked", "approved", "rejected"], [55, 25, 15, 5])[0]
    path = {
        "received": [],
        "checked": ["checked"],
        "approved": ["checked", "approved"],
        "paid": ["checked", "approved", "paid"],
        "rejected": ["checked", "rejected"],
    }[target]
    history, current = [], "received"
    for i, step in enumerate(path):
        at = datetime.datetime.combine(
            min(today, invoice_date + datetime.timedelta(days=2 + 5 * i)), datetime.time(10 + i), tzinfo=datetime.UTC
        )
        by = colleague if step == "approved" else (registrant if step != "rejected" else colleague)
        reason = "Tarief wijkt af van het contract; graag een gecorrigeerde factuur." if step == "rejected" else ""
        history.append((current, step, by.pk, at, reason))
        current = step
    return target, history
