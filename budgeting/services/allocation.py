"""Who pays what: the cost allocation of a budget and of its annual accounts, to the cent.

- Participants are the members of the module during the year; one that joins or leaves during
  the year takes part pro rata by its days of membership.
- The basic package (with the contingency) is split by inhabitants on the budget's reference
  date, or by a fixed key agreed per budget, times the days of membership.
- Plus-package lines are charged in full to their municipality. So are the fees of service
  agreements (DVO): they are income of the module, so they lower the basic package the
  participants share, and the contributions together equal the budget.
- In the annual accounts each municipality bears its own approved invoices and, for lump sums,
  its key share of the contract sum; the result is settled by the same key as the contributions.

A document's inputs are read in one place (`allocation_inputs`: participants with their days
and bases, plus items, DVOs, care costs) into a frozen `AllocationInputs`; `split` turns them into
rows without the database. At adoption (`store_allocation`, called by the AB's decision) exactly
those inputs and their result are stored, and for a budget also its joining scenario. From then
on every page, PDF, export, comparison, scenario and settlement of that document reads what was
stored (`allocation_for`); new population counts, memberships, DVOs, invoices or keys change
drafts only.

Every split uses the largest remainder method (`portal.money.split_largest_remainder`): parts
are rounded down to the cent and the cents left go to the largest remainders; a tie goes to the
larger weight, then to the municipality first in alphabetical order. Parts always add up to the
total, so every row and column of every table adds up to the cent.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_created
from budgeting.models import (
    ACCOUNTS_FROZEN,
    AllocationKeyShare,
    AllocationMethod,
    AllocationPart,
    AnnualAccounts,
    Budget,
    FinancialFrame,
    Package,
    StoredAllocation,
    StoredAllocationItem,
    StoredAllocationRow,
)
from budgeting.services.accounts import accounts_summary
from budgeting.services.cycle import budget_totals, current_version
from contracts.models import Contract, FundingVariant, Invoice, ServiceAgreement
from entity.models import Membership, Module
from municipalities.models import Municipality
from portal.money import MoneySum, split_largest_remainder
from portal.templatetags.portal import money

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _overlap_days(start: datetime.date, end: datetime.date | None, first: datetime.date, last: datetime.date) -> int:
    start, end = max(start, first), min(end or last, last)
    return max(0, (end - start).days + 1)


def reference_date(budget: Budget) -> datetime.date:
    return budget.reference_date


def membership_days(module: Module, year: int) -> dict[int, int]:
    """Days of membership of ``module`` in ``year``, per municipality id."""
    first, last = _year_bounds(year)
    days: dict[int, int] = {}
    for m in Membership.objects.filter(module=module).overlapping(first, last):
        days[m.municipality_id] = days.get(m.municipality_id, 0) + _overlap_days(m.start_date, m.end_date, first, last)
    return days


# --- The parts of a statement -------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """Why a participant pays the share it pays."""

    municipality: Municipality
    days: int
    inhabitants: int | None = None
    key_percent: Decimal | None = None
    share: Decimal = ZERO  # its percentage of the basic package; all shares add up to 100.00
    inhabitants_date: datetime.date | None = None  # the count used: the latest on or before the reference date

    @property
    def weight(self) -> Decimal:
        base = self.inhabitants if self.key_percent is None else self.key_percent
        return Decimal(base or 0) * self.days


@dataclass(frozen=True)
class Item:
    label: str
    amount: Decimal


@dataclass
class AllocationRow:
    municipality: Municipality
    basis: Basis | None = None  # None: not a participant (a DVO or care costs only)
    basic: Decimal = ZERO
    plus_items: list[Item] = field(default_factory=list)
    dvo_items: list[Item] = field(default_factory=list)
    care_items: list[Item] = field(default_factory=list)

    @property
    def plus(self) -> Decimal:
        return sum((i.amount for i in self.plus_items), ZERO)

    @property
    def dvo(self) -> Decimal:
        return sum((i.amount for i in self.dvo_items), ZERO)

    @property
    def care(self) -> Decimal:
        return sum((i.amount for i in self.care_items), ZERO)

    @property
    def bought(self) -> Decimal:
        """What it pays in full for itself: plus packages and DVO fees."""
        return self.plus + self.dvo

    @property
    def contribution(self) -> Decimal:
        """What it pays the entity: basic package, plus packages and DVO fees."""
        return self.basic + self.plus + self.dvo

    @property
    def total(self) -> Decimal:
        return self.contribution + self.care


@dataclass(frozen=True)
class AllocationInputs:
    """Everything the split of one document is made of: read from the database in one place
    (`allocation_inputs`), or from what was stored at its adoption. `split` makes the rows of it
    without the database; the stored allocation is these inputs and that result."""

    document: Budget | AnnualAccounts
    year: int
    days_in_year: int
    method: str
    reference_date: datetime.date
    basic_cost: Decimal  # the basic package (contingency included) before the DVO income; realised in the accounts
    bases: tuple[Basis, ...]  # the participants, alphabetical (the order ties are broken in)
    plus: tuple[tuple[Municipality, Item], ...] = ()
    dvo: tuple[tuple[Municipality, Item], ...] = ()
    care: tuple[tuple[Municipality, Item], ...] = ()  # accounts only
    participants_on: datetime.date | None = None  # a scenario: the participants of this date
    planned: Allocation | None = None  # accounts: what the adopted budget charged, to settle against


@dataclass
class Allocation:
    inputs: AllocationInputs
    rows: list[AllocationRow]
    settlement: dict[int, Decimal] = field(default_factory=dict)  # accounts: per municipality id
    stored: StoredAllocation | None = None  # read from what was stored at adoption

    @property
    def document(self) -> Budget | AnnualAccounts:
        return self.inputs.document

    @property
    def budget(self) -> Budget:
        return self.document.cycle_budget

    @property
    def accounts(self) -> AnnualAccounts | None:
        return self.document if self.is_accounts else None

    @property
    def is_accounts(self) -> bool:
        return self.document.is_accounts

    @property
    def year(self) -> int:
        return self.inputs.year

    @property
    def module(self) -> Module:
        return self.budget.module

    @property
    def method(self) -> str:
        return self.inputs.method

    @property
    def by_key(self) -> bool:
        return self.method == AllocationMethod.KEY

    @property
    def reference_date(self) -> datetime.date:
        return self.inputs.reference_date

    @property
    def days_in_year(self) -> int:
        return self.inputs.days_in_year

    @property
    def basic_cost(self) -> Decimal:
        return self.inputs.basic_cost

    @property
    def participants_on(self) -> datetime.date | None:
        return self.inputs.participants_on

    @property
    def participants(self) -> list[AllocationRow]:
        return [r for r in self.rows if r.basis is not None]

    @property
    def part_year(self) -> bool:
        """Some participant took part for only part of the year."""
        return any(r.basis.days < self.days_in_year for r in self.participants)

    def row_for(self, municipality: Municipality) -> AllocationRow | None:
        return next((r for r in self.rows if r.municipality.pk == municipality.pk), None)

    def total(self, column: str) -> Decimal:
        return sum((getattr(r, column) for r in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {c: self.total(c) for c in ("basic", "plus", "dvo", "bought", "care", "contribution", "total")}

    @property
    def dvo_income(self) -> Decimal:
        return self.total("dvo")

    @property
    def settlement_total(self) -> Decimal:
        return sum(self.settlement.values(), ZERO)


def allocate(
    basic_to_split: Decimal,
    bases: list[Basis],
    plus: Iterable[tuple[Municipality, Item]] = (),
    dvo: Iterable[tuple[Municipality, Item]] = (),
    care: Iterable[tuple[Municipality, Item]] = (),
) -> list[AllocationRow]:
    """The rows of an allocation; no database access (the property tests and the benchmark use it).

    ``bases`` in the order ties are broken in (alphabetical); their ``share`` is filled in."""
    if not bases:
        raise ValidationError(_("There are no participants to split the basic package over."))
    weights = {b.municipality.pk: b.weight for b in bases}
    if not any(weights.values()):
        raise ValidationError(_("The participants have no inhabitants or key share to split by."))
    shares = split_largest_remainder(HUNDRED, weights)
    parts = split_largest_remainder(basic_to_split, weights)
    rows: dict[int, AllocationRow] = {}
    for b in bases:
        pk = b.municipality.pk
        basis = Basis(b.municipality, b.days, b.inhabitants, b.key_percent, shares[pk], b.inhabitants_date)
        rows[pk] = AllocationRow(b.municipality, basis, parts[pk])
    for attribute, items in (("plus_items", plus), ("dvo_items", dvo), ("care_items", care)):
        for municipality, item in items:
            row = rows.setdefault(municipality.pk, AllocationRow(municipality))
            getattr(row, attribute).append(item)
    return sorted(rows.values(), key=lambda r: (r.basis is None, r.municipality.name))


# --- From the database --------------------------------------------------------------------------


def bases(budget: Budget, *, participants_on: datetime.date | None = None) -> list[Basis]:
    """The participants with their days and inhabitants (or key share), alphabetical.

    With ``participants_on`` the members of that date take part for the whole year: the joining
    scenario asks what the year would cost with the participants of one date or another."""
    year = budget.year
    if participants_on is None:
        days = membership_days(budget.module, year)
    else:
        ids = budget.module.participants_on(participants_on).values_list("pk", flat=True)
        days = dict.fromkeys(ids, days_in_year(year))
    participants = Municipality.objects.filter(pk__in=days).order_by("name")
    if budget.allocation_method == AllocationMethod.KEY:
        key = {k.municipality_id: k.percent for k in budget.key_shares.all()}
        missing = [m.name for m in participants if m.pk not in key]
        if missing:
            raise ValidationError(_("The fixed key has no share for: %(names)s.") % {"names": ", ".join(missing)})
        return [Basis(m, days[m.pk], key_percent=key[m.pk]) for m in participants]
    date = budget.reference_date
    rows = list(participants.with_inhabitants_on(date))
    missing = [m.name for m in rows if not m.inhabitants]
    if missing:
        raise ValidationError(
            _("No number of inhabitants on %(date)s for: %(names)s.")
            % {"date": f"{date:%d-%m-%Y}", "names": ", ".join(missing)}
        )
    return [Basis(m, days[m.pk], inhabitants=m.inhabitants, inhabitants_date=m.inhabitants_date) for m in rows]


def dvo_fees(module: Module, year: int, *, on: datetime.date | None = None) -> list[tuple[Municipality, Item]]:
    """The annual fee of every service agreement for the module's segments, pro rata by its days
    in the year (or in full for the agreements in force ``on`` a scenario date)."""
    first, last = _year_bounds(year)
    agreements = ServiceAgreement.objects.filter(segments__module=module).distinct().select_related("municipality")
    agreements = agreements.active_on(on) if on else agreements.overlapping(first, last)
    items = []
    for a in agreements.order_by("municipality__name", "start_date"):
        days = days_in_year(year) if on else _overlap_days(a.start_date, a.end_date, first, last)
        fee = (a.annual_fee * days / days_in_year(year)).quantize(CENT, ROUND_HALF_UP)
        label = _("Service agreement (DVO) from %(start)s") % {"start": f"{a.start_date:%d-%m-%Y}"}
        if days < days_in_year(year):
            label += " " + _("(%(days)d of %(total)d days)") % {"days": days, "total": days_in_year(year)}
        items.append((a.municipality, Item(label, fee)))
    return items


def _plus_items(budget: Budget) -> list[tuple[Municipality, Item]]:
    return [
        (line.plus_municipality, Item(line.description, line.base_amount))
        for line in budget.lines.filter(package=Package.PLUS).select_related("plus_municipality")
    ]


# --- The annual accounts ------------------------------------------------------------------------


def _lump_sum_for_year(contract: Contract, year: int) -> Decimal:
    """A lump sum's cost in ``year``: the contract sum pro rata by the contract's days in the year
    (without a contract sum: the approved invoices of that year)."""
    first, last = _year_bounds(year)
    if contract.ceiling is None:
        spent = Invoice.objects.costs().in_year(year).filter(contract=contract).aggregate(total=MoneySum("amount"))
        return spent["total"] or ZERO
    days = _overlap_days(contract.start_date, contract.end_date, first, last)
    whole = (contract.end_date - contract.start_date).days + 1
    return (contract.ceiling * days / whole).quantize(CENT, ROUND_HALF_UP)


def care_cost_items(module: Module, year: int) -> list[tuple[Municipality, Item]]:
    """Each municipality's own approved (and paid) invoices of the year for the module's segments,
    and for lump sums its key share of the contract sum (their instalment invoices are not
    counted again)."""
    items: list[tuple[Municipality, Item]] = []
    own = (
        Invoice.objects.costs()
        .in_year(year)
        .filter(contract__segment__module=module)
        .exclude(contract__funding_variant=FundingVariant.TASK)
        .values("municipality")
        .order_by("municipality")
        .annotate(total=MoneySum("amount"))
    )
    names = Municipality.objects.in_bulk([r["municipality"] for r in own])
    for r in own:
        items.append((names[r["municipality"]], Item(_("Own invoices (approved and paid)"), r["total"])))
    first, last = _year_bounds(year)
    lump_sums = (
        Contract.objects.filter(segment__module=module, funding_variant=FundingVariant.TASK)
        .filter(start_date__lte=last, end_date__gte=first)
        .prefetch_related("participations__municipality")
        .order_by("reference")
    )
    for contract in lump_sums:
        keyed = {p.municipality: p.key_share for p in contract.participations.all() if p.key_share}
        amount = _lump_sum_for_year(contract, year)
        if not keyed or not amount:
            continue
        ordered = dict(sorted(keyed.items(), key=lambda kv: kv[0].name))
        label = _("Lump sum %(reference)s by key") % {"reference": contract.reference}
        for municipality, part in split_largest_remainder(amount, ordered).items():
            items.append((municipality, Item(label, part)))
    return items


# --- A document's inputs and its split ------------------------------------------------------------


def allocation_inputs(
    document: Budget | AnnualAccounts, *, participants_on: datetime.date | None = None
) -> AllocationInputs:
    """Read everything the split of ``document`` needs, now; raises ValidationError (in Dutch)
    when something is missing. With ``participants_on``: a side of a budget's joining scenario."""
    if document.is_accounts:
        return _accounts_inputs(document)
    return _budget_inputs(document, participants_on)


def _budget_inputs(budget: Budget, participants_on: datetime.date | None) -> AllocationInputs:
    basic_cost = budget_totals(budget).basic
    dvo = dvo_fees(budget.module, budget.year, on=participants_on)
    _dvo_total(basic_cost, dvo)  # refused before the participants are read
    return AllocationInputs(
        budget,
        budget.year,
        days_in_year(budget.year),
        budget.allocation_method,
        budget.reference_date,
        basic_cost,
        tuple(bases(budget, participants_on=participants_on)),
        tuple(_plus_items(budget)),
        tuple(dvo),
        participants_on=participants_on,
    )


def _accounts_inputs(accounts: AnnualAccounts) -> AllocationInputs:
    """The realised amounts, and the budget's allocation as adopted: its participants and DVOs,
    and what each paid, to settle the result against."""
    summary = accounts_summary(accounts)
    if summary.missing:
        raise ValidationError(_("Enter every realised amount first."))
    budget = accounts.budget
    planned = allocation_for(budget)  # what the adopted budget charged, as stored
    realised_basic = sum((r.realised for r in summary.rows if r.line.package == Package.BASIC), ZERO)
    plus = tuple(
        (r.line.plus_municipality, Item(r.line.description, r.realised))
        for r in summary.rows
        if r.line.package == Package.PLUS
    )
    return AllocationInputs(
        accounts,
        budget.year,
        days_in_year(budget.year),
        budget.allocation_method,
        budget.reference_date,
        realised_basic,
        tuple(r.basis for r in planned.participants),
        plus,
        tuple((r.municipality, item) for r in planned.rows for item in r.dvo_items),
        tuple(care_cost_items(budget.module, budget.year)),
        planned=planned,
    )


def _dvo_total(basic_cost: Decimal, dvo: Iterable[tuple[Municipality, Item]]) -> Decimal:
    """The DVO income, which must not exceed the basic package it lowers."""
    dvo_total = sum((item.amount for _m, item in dvo), ZERO)
    if dvo_total > basic_cost:
        raise ValidationError(
            _("The DVO fees (%(dvo)s) are larger than the basic package (%(basic)s).")
            % {"dvo": money(dvo_total), "basic": money(basic_cost)}
        )
    return dvo_total


def split(inputs: AllocationInputs) -> Allocation:
    """Who pays what of the inputs, to the cent; no database access."""
    if inputs.document.is_accounts:
        return _split_accounts(inputs)
    rows = allocate(
        inputs.basic_cost - _dvo_total(inputs.basic_cost, inputs.dvo), list(inputs.bases), inputs.plus, inputs.dvo
    )
    return Allocation(inputs, rows)


def _split_accounts(inputs: AllocationInputs) -> Allocation:
    """The result is settled by the contribution key: each participant's realised basic package
    is its budgeted part minus its part of the basic result; plus lines are charged as realised.
    ``settlement`` (budgeted minus realised contribution) is positive when the municipality gets
    money back."""
    planned = inputs.planned
    result_basic = planned.basic_cost - inputs.basic_cost
    weights = {b.municipality.pk: b.weight for b in inputs.bases}
    result_parts = split_largest_remainder(result_basic, weights)
    rows = allocate(planned.basic_cost - planned.total("dvo"), list(inputs.bases), inputs.plus, inputs.dvo, inputs.care)
    for row in rows:
        if row.basis is not None:
            row.basic = planned.row_for(row.municipality).basic - result_parts[row.municipality.pk]
    allocation = Allocation(inputs, rows)
    for row in rows:
        before = planned.row_for(row.municipality)
        allocation.settlement[row.municipality.pk] = (before.contribution if before else ZERO) - row.contribution
    return allocation


def budget_allocation(budget: Budget, *, participants_on: datetime.date | None = None) -> Allocation:
    """Who pays what of ``budget``, computed now from the current inputs; raises ValidationError
    (in Dutch) when it cannot be split. Pages use `allocation_for`, which reads an adopted
    budget's stored allocation instead."""
    return split(allocation_inputs(budget, participants_on=participants_on))


def accounts_allocation(accounts: AnnualAccounts) -> Allocation:
    """The realised allocation, computed now (see `_split_accounts`)."""
    return split(allocation_inputs(accounts))


def has_statement(document: Budget | AnnualAccounts, municipality: Municipality) -> bool:
    """Whether ``municipality`` has a row in the document's allocation, without computing it (for
    the links a contact is shown): a member during the year, a plus line, a DVO in the year or,
    in the accounts, care costs of the year."""
    if document.is_frozen:
        return StoredAllocation.of(document).filter(rows__municipality=municipality).exists()
    budget = document.cycle_budget
    first, last = _year_bounds(budget.year)
    if Membership.objects.filter(module=budget.module, municipality=municipality).overlapping(first, last).exists():
        return True
    if budget.lines.filter(package=Package.PLUS, plus_municipality=municipality).exists():
        return True
    agreements = ServiceAgreement.objects.filter(municipality=municipality, segments__module=budget.module)
    if agreements.overlapping(first, last).exists():
        return True
    if not document.is_accounts:
        return False
    return any(m.pk == municipality.pk for m, _item in care_cost_items(budget.module, budget.year))


def allocation_for(document: Budget | AnnualAccounts) -> Allocation:
    """The allocation as stored at adoption for an adopted (or superseded) document; computed now
    for a draft."""
    if document.is_frozen:
        return adopted_allocation(document)
    return live_allocation(document)


def live_allocation(document: Budget | AnnualAccounts) -> Allocation:
    return split(allocation_inputs(document))


# --- Against last year --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    previous: Decimal | None
    current: Decimal
    against: str = ""  # what it is compared with, e.g. "2025" or "de vastgestelde begroting 2027"

    @property
    def amount(self) -> Decimal | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        if not self.previous:
            return None
        return (self.amount * HUNDRED / self.previous).quantize(Decimal("0.1"), ROUND_HALF_UP)


def previous_document(document: Budget | AnnualAccounts) -> tuple[Budget | AnnualAccounts | None, str]:
    """What a statement is compared with, and how to say so: an amendment with the version it
    amends, a budget with last year's version in force, accounts with last year's adopted ones."""
    if document.is_accounts:
        budget = document.budget
        previous = (
            AnnualAccounts.objects.filter(budget__module=budget.module, budget__year=budget.year - 1)
            .filter(status__in=ACCOUNTS_FROZEN)
            .first()
        )
        return previous, str(budget.year - 1)
    if document.is_amendment:
        return document.amends, _("the adopted version")
    return current_version(document.module, document.year - 1), str(document.year - 1)


def changes(allocation: Allocation) -> dict[int, Change]:
    """Per municipality id: its total against the previous document (see previous_document)."""
    previous, against = previous_document(allocation.document)
    before: dict[int, Decimal] = {}
    if previous is not None:
        try:
            before = {r.municipality.pk: r.total for r in allocation_for(previous).rows}
        except ValidationError:
            before = {}
    return {r.municipality.pk: Change(before.get(r.municipality.pk), r.total, against) for r in allocation.rows}


# --- The settlement as the accounts page shows it -----------------------------------------------


@dataclass
class Share:
    municipality: Municipality
    basic: Decimal = ZERO
    plus: Decimal = ZERO
    dvo: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.basic + self.plus + self.dvo


@dataclass
class Settlement:
    municipality: Municipality
    contribution: Share  # what it paid by the budget
    charge: Share  # what it owes by the realisation

    @property
    def amount(self) -> Decimal:
        """Positive: paid back to the municipality; negative: it pays the deficit."""
        return self.contribution.total - self.charge.total


def settlement(accounts: AnnualAccounts) -> list[Settlement]:
    """The result settled by the same key as the contributions; adds up to the result exactly."""
    realised = allocation_for(accounts)
    planned = allocation_for(accounts.budget)
    result = []
    for row in realised.rows:
        before = planned.row_for(row.municipality)
        if before is None:
            continue  # care costs only: nothing to settle
        result.append(
            Settlement(
                row.municipality,
                Share(row.municipality, before.basic, before.plus, before.dvo),
                Share(row.municipality, row.basic, row.plus, row.dvo),
            )
        )
    return result


def care_costs(accounts: AnnualAccounts) -> list[tuple[Municipality, Decimal]]:
    """Care costs of the year per municipality (own invoices and lump-sum key shares); of adopted
    accounts as stored."""
    if accounts.is_frozen:
        items = [(r.municipality, item) for r in adopted_allocation(accounts).rows for item in r.care_items]
    else:
        items = care_cost_items(accounts.budget.module, accounts.year)
    totals: dict[Municipality, Decimal] = {}
    for municipality, item in items:
        totals[municipality] = totals.get(municipality, ZERO) + item.amount
    return sorted(totals.items(), key=lambda t: t[0].name)


# --- The joining scenario -----------------------------------------------------------------------


@dataclass
class ScenarioRow:
    municipality: Municipality
    before: AllocationRow | None
    after: AllocationRow | None
    frame: Decimal | None

    @property
    def before_total(self) -> Decimal | None:
        return self.before.contribution if self.before else None

    @property
    def after_total(self) -> Decimal | None:
        return self.after.contribution if self.after else None

    @property
    def difference(self) -> Decimal:
        return (self.after_total or ZERO) - (self.before_total or ZERO)

    @property
    def percent(self) -> Decimal | None:
        if not self.before_total:
            return None
        return (self.difference * HUNDRED / self.before_total).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def exceeds_frame(self) -> bool:
        return self.frame is not None and self.after_total is not None and self.after_total > self.frame

    @property
    def over_frame(self) -> Decimal | None:
        return self.after_total - self.frame if self.exceeds_frame else None


@dataclass
class Scenario:
    budget: Budget
    before_date: datetime.date
    after_date: datetime.date
    before: Allocation
    after: Allocation
    rows: list[ScenarioRow]

    @property
    def flagged(self) -> list[ScenarioRow]:
        return [r for r in self.rows if r.exceeds_frame]

    @property
    def difference_total(self) -> Decimal:
        return self.after.total("contribution") - self.before.total("contribution")


def default_scenario_dates(budget: Budget) -> tuple[datetime.date, datetime.date]:
    return datetime.date(budget.year - 1, 12, 31), datetime.date(budget.year, 1, 1)


def financial_frames(module: Module, year: int) -> dict[int, Decimal]:
    return dict(FinancialFrame.objects.filter(module=module, year=year).values_list("municipality_id", "amount"))


def joining_scenario(budget: Budget, before: datetime.date, after: datetime.date) -> Scenario:
    """The budget's contributions with the participants of ``before`` against those of ``after``;
    of an adopted budget the scenario stored at adoption (the default dates). The financial
    frames are the municipalities' own figures and are read as they are now."""
    if budget.is_frozen:
        first, second = (
            adopted_allocation(budget, participants_on=before),
            adopted_allocation(budget, participants_on=after),
        )
    else:
        first = budget_allocation(budget, participants_on=before)
        second = budget_allocation(budget, participants_on=after)
    frames = financial_frames(budget.module, budget.year)
    municipalities = {r.municipality.pk: r.municipality for r in [*first.rows, *second.rows]}
    rows = [
        ScenarioRow(m, first.row_for(m), second.row_for(m), frames.get(pk))
        for pk, m in sorted(municipalities.items(), key=lambda kv: kv[1].name)
    ]
    return Scenario(budget, before, after, first, second, rows)


# --- Setting the basis and the frames -----------------------------------------------------------


@transaction.atomic
def save_allocation_basis(
    budget: Budget, *, method: str, reference: datetime.date | None, key: dict[Municipality, Decimal]
) -> None:
    """Choose inhabitants (on ``reference``, default 1 January of Y-1) or a fixed key that sums to
    exactly 100 %; only while the budget is a draft."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if not budget.is_editable:
        raise ValidationError(_("The draft has gone to the councils; its basis no longer changes."))
    if method == AllocationMethod.KEY:
        if sum(key.values(), Decimal(0)) != HUNDRED:
            raise ValidationError(_("The key shares must add up to exactly 100 %."))
        if any(v is None or v < 0 for v in key.values()):
            raise ValidationError(_("Every participant needs a key share of 0 % or more."))
    if reference is not None and reference > timezone.localdate():
        raise ValidationError(_("The reference date lies in the future: there are no counts yet."))
    budget.allocation_method = method
    budget.allocation_reference_date = reference
    budget.save(update_fields=["allocation_method", "allocation_reference_date"])
    if method == AllocationMethod.KEY:  # a key is kept when switching to inhabitants, to switch back
        budget.key_shares.all().delete()
        shares = AllocationKeyShare.objects.bulk_create(
            AllocationKeyShare(budget=budget, municipality=m, percent=p) for m, p in key.items()
        )
        record_created(shares)  # bulk_create sends no signals; the deletes above are recorded
    bases(budget)  # refuses (and so rolls back) a basis without counts or shares for every participant


@transaction.atomic
def save_financial_frames(module: Module, year: int, frames: dict[Municipality, Decimal | None], *, by) -> None:
    """Record (or clear, when empty) each municipality's financial frame for the module and year."""
    for municipality, amount in frames.items():
        if amount is None:
            FinancialFrame.objects.filter(module=module, year=year, municipality=municipality).delete()
            continue
        FinancialFrame.objects.update_or_create(
            module=module,
            year=year,
            municipality=municipality,
            defaults={"amount": amount, "recorded_by": by, "recorded_at": timezone.now()},
        )


# --- What was adopted: stored once, read ever after ---------------------------------------------


@transaction.atomic
def store_allocation(document: Budget | AnnualAccounts, *, by=None) -> StoredAllocation:
    """Store the allocation of a document the AB has just adopted, as computed now (for a budget
    with its joining scenario on the default dates), in the adoption's transaction.

    Stored once: a second call returns what was stored and computes nothing. When the allocation
    cannot be computed the adoption is refused with the reason, in Dutch."""
    existing = StoredAllocation.of(document).first()
    if existing is not None:
        return existing
    with translation.override(settings.LANGUAGE_CODE):  # the statements' labels in the portal's language
        try:
            allocation = live_allocation(document)
        except ValidationError as error:
            raise ValidationError(
                _("The cost allocation cannot be computed, so it cannot be adopted: %(reason)s")
                % {"reason": " ".join(error.messages)}
            ) from error
        scenario = [] if document.is_accounts else _scenario_allocations(document)
    stored = _write(allocation, by)
    for part in scenario:
        _write(part, by)
    return stored


def _scenario_allocations(budget: Budget) -> list[Allocation]:
    """Both sides of the default joining scenario, or none when one cannot be computed (e.g. no
    participants yet on the first date): the scenario page then says none was stored."""
    try:
        return [budget_allocation(budget, participants_on=on) for on in default_scenario_dates(budget)]
    except ValidationError:
        return []


def _write(allocation: Allocation, by) -> StoredAllocation:
    """Store the allocation's inputs (its header, the bases and items of its rows) and its result."""
    inputs = allocation.inputs
    stored = StoredAllocation.objects.create(
        **inputs.document.target(),
        participants_on=inputs.participants_on,
        year=inputs.year,
        days_in_year=inputs.days_in_year,
        method=inputs.method,
        reference_date=inputs.reference_date,
        basic_cost=inputs.basic_cost,
        total=allocation.total("total"),
        row_count=len(allocation.rows),
        stored_by=by,
    )
    rows = StoredAllocationRow.objects.bulk_create(
        _stored_row(stored, position, row, allocation) for position, row in enumerate(allocation.rows)
    )
    items = []
    for row, source in zip(rows, allocation.rows, strict=True):
        parts = (
            (AllocationPart.PLUS, source.plus_items),
            (AllocationPart.DVO, source.dvo_items),
            (AllocationPart.CARE, source.care_items),
        )
        numbered = enumerate((part, item) for part, part_items in parts for item in part_items)
        items += [
            StoredAllocationItem(row=row, position=n, part=part, label=item.label[:300], amount=item.amount)
            for n, (part, item) in numbered
        ]
    StoredAllocationItem.objects.bulk_create(items)
    return stored


def _stored_row(stored: StoredAllocation, position: int, row: AllocationRow, allocation: Allocation):
    basis = row.basis
    return StoredAllocationRow(
        allocation=stored,
        position=position,
        municipality=row.municipality,
        days=basis.days if basis else None,
        inhabitants=basis.inhabitants if basis else None,
        inhabitants_date=basis.inhabitants_date if basis else None,
        key_percent=basis.key_percent if basis else None,
        share=basis.share if basis else None,
        basic=row.basic,
        plus=row.plus,
        dvo=row.dvo,
        care=row.care,
        total=row.total,
        settlement=allocation.settlement.get(row.municipality.pk, ZERO) if allocation.is_accounts else None,
        item_count=len(row.plus_items) + len(row.dvo_items) + len(row.care_items),
    )


def adopted_allocation(
    document: Budget | AnnualAccounts, *, participants_on: datetime.date | None = None
) -> Allocation:
    """The allocation (or a side of the joining scenario) as stored when the AB adopted it: its
    inputs and its result, read back."""
    stored = StoredAllocation.of(document, participants_on).first()
    if stored is None:
        raise ValidationError(_not_stored(document, participants_on))
    rows, settled = [], {}
    for r in stored.rows.select_related("municipality").prefetch_related("items"):
        basis = None
        if r.days is not None:
            basis = Basis(r.municipality, r.days, r.inhabitants, r.key_percent, r.share, r.inhabitants_date)
        items = {part: [Item(i.label, i.amount) for i in r.items.all() if i.part == part] for part in AllocationPart}
        parts = (items[AllocationPart.PLUS], items[AllocationPart.DVO], items[AllocationPart.CARE])
        rows.append(AllocationRow(r.municipality, basis, r.basic, *parts))
        if r.settlement is not None:
            settled[r.municipality_id] = r.settlement
    return Allocation(_stored_inputs(document, stored, rows), rows, settlement=settled, stored=stored)


def _stored_inputs(
    document: Budget | AnnualAccounts, stored: StoredAllocation, rows: list[AllocationRow]
) -> AllocationInputs:
    """The inputs as stored: the header, the bases of the participants' rows and every item (of
    accounts without the budget's allocation it was settled against: its result is stored)."""

    def items(attribute: str) -> tuple[tuple[Municipality, Item], ...]:
        return tuple((row.municipality, item) for row in rows for item in getattr(row, attribute))

    return AllocationInputs(
        document,
        stored.year,
        stored.days_in_year,
        stored.method,
        stored.reference_date,
        stored.basic_cost,
        tuple(row.basis for row in rows if row.basis is not None),
        items("plus_items"),
        items("dvo_items"),
        items("care_items"),
        participants_on=stored.participants_on,
    )


def _not_stored(document: Budget | AnnualAccounts, participants_on: datetime.date | None) -> str:
    if participants_on is None:
        return _(
            "The cost allocation of this adopted document was not stored at its adoption; it is not computed again."
        )
    dates = StoredAllocation.objects.filter(budget=document, participants_on__isnull=False)
    dates = [f"{on:%d-%m-%Y}" for on in dates.values_list("participants_on", flat=True).order_by("participants_on")]
    if not dates:
        return _("This budget has been adopted; no joining scenario was stored with it.")
    return _(
        "This budget has been adopted: its joining scenario was stored with the participants of %(before)s "
        "against those of %(after)s."
    ) % {"before": dates[0], "after": dates[-1]}
