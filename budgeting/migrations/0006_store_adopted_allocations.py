"""Store the cost allocation of every budget, amendment and annual accounts adopted before the
allocation was stored at adoption, with the figures the portal shows for them today.

Choice: the computation is re-implemented here on the historical models rather than imported
from ``budgeting.services``. The service code queries the current models through their custom
managers; a database that is migrated in one go from an older state, after later migrations have
changed those models, would make it query columns that do not exist yet at this point. The logic
below is a copy of today's (``budgeting.services.allocation``: ``budget_allocation`` with
``bases``, ``dvo_fees`` and the plus lines, ``accounts_allocation`` with ``care_cost_items``;
``budget_totals`` and ``accounts_summary``; ``entity.services.split_largest_remainder``), so the
stored figures are the ones the pages showed before this migration, to the cent.
``tests/budgeting/test_stored_allocation.py`` checks it against the live computation on the demo
data.

A document whose allocation cannot be computed today (a missing count or key share, a DVO fee
above the basic package, a realised amount not entered) gets nothing stored: its pages already
showed the reason and now say that nothing was stored. A document that already has a stored
allocation is left alone, so the migration can run again; the reverse stores nothing and removes
nothing (what was adopted is never deleted).
"""

import calendar
import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import migrations
from django.utils import timezone, translation
from django.utils.translation import gettext as _

ZERO, CENT, HUNDRED = Decimal("0.00"), Decimal("0.01"), Decimal(100)
FROZEN_BUDGETS = ("adopted", "province", "superseded")
FROZEN_ACCOUNTS = ("adopted", "province")
COST_STATUSES = ("approved", "paid")


class Unsplittable(Exception):
    """Today's pages show an error instead of this allocation: nothing to store."""


def days_in_year(year):
    return 366 if calendar.isleap(year) else 365


def overlap_days(start, end, first, last):
    start, end = max(start, first), min(end or last, last)
    return max(0, (end - start).days + 1)


def split(total, weights):
    """entity.services.split_largest_remainder as of this migration (weights: an ordered dict)."""
    if total < 0:
        return {k: -v for k, v in split(-total, weights).items()}
    weight_sum = sum(Decimal(w) for w in weights.values())
    if weight_sum <= 0 or any(Decimal(w) < 0 for w in weights.values()):
        raise Unsplittable
    units = (total / CENT).to_integral_value()
    exact = {k: units * Decimal(w) / weight_sum for k, w in weights.items()}
    floors = {k: v.to_integral_value(rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int(units - sum(floors.values()))
    order = list(weights)
    ranked = sorted(order, key=lambda k: (-(exact[k] - floors[k]), -Decimal(weights[k]), order.index(k)))
    for k in ranked[:left]:
        floors[k] += 1
    return {k: floors[k] * CENT for k in order}


class Row:
    def __init__(self, municipality, basis=None, basic=ZERO):
        self.municipality, self.basis, self.basic = municipality, basis, basic
        self.items = {"plus": [], "dvo": [], "care": []}

    def part(self, name):
        return sum((amount for _label, amount in self.items[name]), ZERO)

    @property
    def contribution(self):
        return self.basic + self.part("plus") + self.part("dvo")

    @property
    def total(self):
        return self.contribution + self.part("care")


class Allocation:
    def __init__(self, rows, basic_cost, participants_on=None):
        self.rows, self.basic_cost, self.participants_on = rows, basic_cost, participants_on
        self.settlement = None

    def row_for(self, municipality_id):
        return next((r for r in self.rows if r.municipality.pk == municipality_id), None)


def weight(days, inhabitants, key):
    """Basis.weight: inhabitants (or the key share) times the days of membership."""
    return Decimal((inhabitants if key is None else key) or 0) * days


def base_amount(line):
    if line.kind == "personnel":
        return (Decimal(line.fte or 0) * Decimal(line.cost_per_fte or 0)).quantize(CENT, ROUND_HALF_UP)
    return Decimal(line.amount or 0)


def reference_date(budget):
    return budget.allocation_reference_date or datetime.date(budget.year - 1, 1, 1)


def ordered_lines(budget):
    """budget.lines in the order of the budget (and of accounts_summary: personnel first)."""
    lines = list(budget.lines.select_related("plus_municipality").order_by("kind", "position", "id"))
    return sorted(lines, key=lambda line: line.kind != "personnel")


def basic_cost(budget, lines):
    """budget_totals(budget).basic: the basic lines of the budget year with the contingency."""
    basic = sum((base_amount(line) for line in lines if line.package == "basic"), ZERO)
    return basic + (basic * budget.contingency_percent / 100).quantize(CENT, ROUND_HALF_UP)


def allocate(to_split, bases, plus=(), dvo=(), care=()):
    """bases: (municipality, days, inhabitants, key, inhabitants_date), alphabetical."""
    if not bases:
        raise Unsplittable
    weights = {m.pk: weight(days, inhabitants, key) for m, days, inhabitants, key, _on in bases}
    if not any(weights.values()):
        raise Unsplittable
    shares, parts = split(HUNDRED, weights), split(to_split, weights)
    rows = {}
    for m, days, inhabitants, key, on in bases:
        rows[m.pk] = Row(m, (days, inhabitants, key, shares[m.pk], on), parts[m.pk])
    for name, items in (("plus", plus), ("dvo", dvo), ("care", care)):
        for municipality, label, amount in items:
            rows.setdefault(municipality.pk, Row(municipality)).items[name].append((label, amount))
    return sorted(rows.values(), key=lambda r: (r.basis is None, r.municipality.name))


def participant_days(apps, budget, participants_on):
    Membership = apps.get_model("entity", "Membership")
    year = budget.year
    members = Membership.objects.filter(module_id=budget.module_id)
    if participants_on is not None:
        on = members.filter(start_date__lte=participants_on).exclude(end_date__lt=participants_on)
        return dict.fromkeys(on.values_list("municipality_id", flat=True), days_in_year(year))
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    days = {}
    for m in members.filter(start_date__lte=last).exclude(end_date__lt=first):
        days[m.municipality_id] = days.get(m.municipality_id, 0) + overlap_days(m.start_date, m.end_date, first, last)
    return days


def bases(apps, budget, participants_on):
    Municipality = apps.get_model("municipalities", "Municipality")
    PopulationCount = apps.get_model("municipalities", "PopulationCount")
    days = participant_days(apps, budget, participants_on)
    participants = list(Municipality.objects.filter(pk__in=days).order_by("name"))
    if budget.allocation_method == "key":
        key = dict(budget.key_shares.values_list("municipality_id", "percent"))
        if any(m.pk not in key for m in participants):
            raise Unsplittable
        return [(m, days[m.pk], None, key[m.pk], None) for m in participants]
    date, result = reference_date(budget), []
    for m in participants:
        counts = PopulationCount.objects.filter(municipality=m, reference_date__lte=date)
        count = counts.order_by("-reference_date").first()
        if count is None or not count.inhabitants:
            raise Unsplittable
        result.append((m, days[m.pk], count.inhabitants, None, count.reference_date))
    return result


def dvo_fees(apps, budget, participants_on):
    ServiceAgreement = apps.get_model("contracts", "ServiceAgreement")
    year = budget.year
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    agreements = ServiceAgreement.objects.filter(segments__module=budget.module_id).distinct()
    if participants_on is not None:
        agreements = agreements.filter(start_date__lte=participants_on).exclude(end_date__lt=participants_on)
    else:
        agreements = agreements.filter(start_date__lte=last).exclude(end_date__lt=first)
    items = []
    for a in agreements.select_related("municipality").order_by("municipality__name", "start_date"):
        days = days_in_year(year) if participants_on else overlap_days(a.start_date, a.end_date, first, last)
        fee = (a.annual_fee * days / days_in_year(year)).quantize(CENT, ROUND_HALF_UP)
        label = _("Service agreement (DVO) from %(start)s") % {"start": f"{a.start_date:%d-%m-%Y}"}
        if days < days_in_year(year):
            label += " " + _("(%(days)d of %(total)d days)") % {"days": days, "total": days_in_year(year)}
        items.append((a.municipality, label, fee))
    return items


def budget_allocation(apps, budget, participants_on=None):
    lines = ordered_lines(budget)
    cost = basic_cost(budget, lines)
    dvo = dvo_fees(apps, budget, participants_on)
    dvo_total = sum((amount for _m, _label, amount in dvo), ZERO)
    if dvo_total > cost:
        raise Unsplittable
    plus_lines = budget.lines.filter(package="plus").select_related("plus_municipality")
    plus_lines = plus_lines.order_by("kind", "position", "id")
    plus = [(line.plus_municipality, line.description, base_amount(line)) for line in plus_lines]
    rows = allocate(cost - dvo_total, bases(apps, budget, participants_on), plus, dvo)
    return Allocation(rows, cost, participants_on)


def lump_sum_for_year(apps, contract, year):
    Invoice = apps.get_model("contracts", "Invoice")
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if contract.ceiling is None:
        invoices = Invoice.objects.filter(contract=contract, status__in=COST_STATUSES)
        invoices = invoices.filter(invoice_date__range=(first, last))
        return sum((Decimal(a) for a in invoices.values_list("amount", flat=True)), ZERO)
    days = overlap_days(contract.start_date, contract.end_date, first, last)
    whole = (contract.end_date - contract.start_date).days + 1
    return (contract.ceiling * days / whole).quantize(CENT, ROUND_HALF_UP)


def care_cost_items(apps, module_id, year):
    Invoice = apps.get_model("contracts", "Invoice")
    Contract = apps.get_model("contracts", "Contract")
    Municipality = apps.get_model("municipalities", "Municipality")
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    own = (
        Invoice.objects.filter(status__in=COST_STATUSES, invoice_date__range=(first, last))
        .filter(contract__segment__module=module_id)
        .exclude(contract__funding_variant="task")
    )
    totals = {}
    for municipality_id, amount in own.values_list("municipality_id", "amount"):
        totals[municipality_id] = totals.get(municipality_id, ZERO) + Decimal(amount)
    names = Municipality.objects.in_bulk(list(totals))
    items = [(names[pk], _("Own invoices (approved and paid)"), totals[pk]) for pk in sorted(totals)]
    lump_sums = Contract.objects.filter(segment__module=module_id, funding_variant="task")
    for contract in lump_sums.filter(start_date__lte=last, end_date__gte=first).order_by("reference"):
        participations = contract.participations.select_related("municipality")
        keyed = {p.municipality: p.key_share for p in participations if p.key_share}
        amount = lump_sum_for_year(apps, contract, year)
        if not keyed or not amount:
            continue
        ordered = dict(sorted(keyed.items(), key=lambda kv: kv[0].name))
        by_pk = {m.pk: m for m in ordered}
        label = _("Lump sum %(reference)s by key") % {"reference": contract.reference}
        for pk, part in split(amount, {m.pk: share for m, share in ordered.items()}).items():
            items.append((by_pk[pk], label, part))
    return items


def accounts_allocation(apps, accounts, planned):
    budget = accounts.budget
    realised = dict(accounts.realised.values_list("line_id", "amount"))
    lines = ordered_lines(budget)
    if any(line.pk not in realised for line in lines):
        raise Unsplittable
    realised_basic = sum((Decimal(realised[line.pk]) for line in lines if line.package == "basic"), ZERO)
    participants = [r for r in planned.rows if r.basis is not None]
    weights = {r.municipality.pk: weight(*r.basis[:3]) for r in participants}
    result_parts = split(planned.basic_cost - realised_basic, weights)
    plus_lines = [line for line in lines if line.package == "plus"]
    plus = [(line.plus_municipality, line.description, Decimal(realised[line.pk])) for line in plus_lines]
    dvo = [(r.municipality, label, amount) for r in planned.rows for label, amount in r.items["dvo"]]
    care = care_cost_items(apps, budget.module_id, budget.year)
    to_split = planned.basic_cost - sum((r.part("dvo") for r in planned.rows), ZERO)
    bases_ = [(r.municipality, r.basis[0], r.basis[1], r.basis[2], r.basis[4]) for r in participants]
    rows = allocate(to_split, bases_, plus, dvo, care)
    for row in rows:
        if row.basis is not None:
            row.basic = planned.row_for(row.municipality.pk).basic - result_parts[row.municipality.pk]
    allocation = Allocation(rows, realised_basic)
    allocation.settlement = {}
    for row in rows:
        before = planned.row_for(row.municipality.pk)
        allocation.settlement[row.municipality.pk] = (before.contribution if before else ZERO) - row.contribution
    return allocation


def write(apps, allocation, *, budget=None, accounts=None):
    StoredAllocation = apps.get_model("budgeting", "StoredAllocation")
    StoredAllocationRow = apps.get_model("budgeting", "StoredAllocationRow")
    StoredAllocationItem = apps.get_model("budgeting", "StoredAllocationItem")
    source = budget or accounts.budget
    stored = StoredAllocation.objects.create(
        budget=budget,
        accounts=accounts,
        participants_on=allocation.participants_on,
        year=source.year,
        days_in_year=days_in_year(source.year),
        method=source.allocation_method,
        reference_date=reference_date(source),
        basic_cost=allocation.basic_cost,
        total=sum((r.total for r in allocation.rows), ZERO),
        row_count=len(allocation.rows),
        stored_at=timezone.now(),
        stored_by=None,
    )
    for position, r in enumerate(allocation.rows):
        days, inhabitants, key, share, on = r.basis or (None, None, None, None, None)
        items = [(part, label, amount) for part in ("plus", "dvo", "care") for label, amount in r.items[part]]
        row = StoredAllocationRow.objects.create(
            allocation=stored,
            position=position,
            municipality=r.municipality,
            days=days,
            inhabitants=inhabitants,
            inhabitants_date=on,
            key_percent=key,
            share=share,
            basic=r.basic,
            plus=r.part("plus"),
            dvo=r.part("dvo"),
            care=r.part("care"),
            total=r.total,
            settlement=None if allocation.settlement is None else allocation.settlement.get(r.municipality.pk, ZERO),
            item_count=len(items),
        )
        StoredAllocationItem.objects.bulk_create(
            StoredAllocationItem(row=row, position=n, part=part, label=label[:300], amount=amount)
            for n, (part, label, amount) in enumerate(items)
        )
    return stored


def store_budget(apps, budget):
    """The budget's allocation and both sides of its default joining scenario; returns the
    allocation the accounts settle against (as stored), or None when it cannot be computed."""
    StoredAllocation = apps.get_model("budgeting", "StoredAllocation")
    stored = StoredAllocation.objects.filter(budget=budget, participants_on__isnull=True).first()
    if stored is not None:
        return from_stored(stored)
    try:
        allocation = budget_allocation(apps, budget)
    except Unsplittable:
        return None
    write(apps, allocation, budget=budget)
    try:
        sides = [budget_allocation(apps, budget, on) for on in scenario_dates(budget)]
    except Unsplittable:
        sides = []
    for side in sides:
        write(apps, side, budget=budget)
    return allocation


def from_stored(stored):
    rows = []
    for r in stored.rows.select_related("municipality").order_by("position"):
        basis = None if r.days is None else (r.days, r.inhabitants, r.key_percent, r.share, r.inhabitants_date)
        row = Row(r.municipality, basis, r.basic)
        for item in r.items.order_by("position"):
            row.items[item.part].append((item.label, item.amount))
        rows.append(row)
    return Allocation(rows, stored.basic_cost)


def scenario_dates(budget):
    return datetime.date(budget.year - 1, 12, 31), datetime.date(budget.year, 1, 1)


def store_adopted(apps, schema_editor):
    Budget = apps.get_model("budgeting", "Budget")
    AnnualAccounts = apps.get_model("budgeting", "AnnualAccounts")
    StoredAllocation = apps.get_model("budgeting", "StoredAllocation")
    with translation.override(settings.LANGUAGE_CODE):
        planned = {}
        for budget in Budget.objects.filter(status__in=FROZEN_BUDGETS).order_by("year", "version"):
            planned[budget.pk] = store_budget(apps, budget)
        frozen = AnnualAccounts.objects.filter(status__in=FROZEN_ACCOUNTS).select_related("budget")
        for accounts in frozen.order_by("budget__year"):
            if StoredAllocation.objects.filter(accounts=accounts).exists() or planned.get(accounts.budget_id) is None:
                continue
            try:
                allocation = accounts_allocation(apps, accounts, planned[accounts.budget_id])
            except Unsplittable:
                continue
            write(apps, allocation, accounts=accounts)


class Migration(migrations.Migration):
    dependencies = [
        ("budgeting", "0005_stored_allocation"),
        ("contracts", "0004_fewer_invoice_indexes"),
        ("entity", "0003_two_factor_policy"),
        ("municipalities", "0002_population_estimated"),
    ]

    operations = [migrations.RunPython(store_adopted, migrations.RunPython.noop)]
