"""Workflows over contracts and invoices: spending against ceiling and key, bulk steps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils.translation import gettext as _

from contracts.models import (
    COST_STATUSES,
    Contract,
    Invoice,
    InvoiceStatus,
    InvoiceTransitionError,
    SpendingTotal,
)
from municipalities.models import Municipality
from portal.money import MoneySum, split_largest_remainder

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def percentage(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.1"))


@dataclass
class SpendingRow:
    municipality: Municipality
    key_share: Decimal | None
    spent: Decimal = ZERO  # approved and paid
    pending: Decimal = ZERO  # received and checked, not yet approved
    key_amount: Decimal | None = None  # lump sum: the municipality's part of the contract sum

    @property
    def available(self) -> Decimal | None:
        """What is left of this municipality's part of the contract sum (negative: overspent)."""
        return None if self.key_amount is None else self.key_amount - self.spent


@dataclass
class ContractSpending:
    contract: Contract
    rows: list[SpendingRow] = field(default_factory=list)

    @property
    def spent(self) -> Decimal:
        return sum((r.spent for r in self.rows), ZERO)

    @property
    def pending(self) -> Decimal:
        return sum((r.pending for r in self.rows), ZERO)

    @property
    def ceiling_used(self) -> Decimal | None:
        return percentage(self.spent, self.contract.ceiling)

    @property
    def over_ceiling(self) -> bool:
        return self.contract.ceiling is not None and self.spent > self.contract.ceiling


def contract_spending(contract: Contract) -> ContractSpending:
    """Per participating municipality: approved spending, pending invoices and, for a lump sum
    with a contract sum (ceiling), the part its key share assigns to it (to the cent)."""
    participations = list(contract.participations.select_related("municipality"))
    rows = {p.municipality_id: SpendingRow(p.municipality, p.key_share) for p in participations}
    sums = (
        Invoice.objects.filter(contract=contract)
        .exclude(status=InvoiceStatus.REJECTED)
        .values_list("municipality_id", "status")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    for municipality_id, status, total in sums:
        row = rows.get(municipality_id)
        if row is None:
            continue
        if status in COST_STATUSES:
            row.spent += total
        else:
            row.pending += total
    keyed = {pk: r.key_share for pk, r in rows.items() if r.key_share}
    if contract.is_lump_sum and contract.ceiling is not None and keyed:
        for pk, amount in split_largest_remainder(contract.ceiling, keyed).items():
            rows[pk].key_amount = amount
    return ContractSpending(contract, sorted(rows.values(), key=lambda r: r.municipality.name))


@dataclass
class BulkResult:
    done: list[Invoice] = field(default_factory=list)
    refused: list[tuple[Invoice, str]] = field(default_factory=list)


def bulk_move(invoices: list[Invoice], status: str, *, by, reason: str = "") -> BulkResult:
    """Apply one step to each invoice on its own: one refusal (four eyes, a wrong status, a
    colleague who was quicker) does not undo the others, and is reported by invoice number.

    The steps share one transaction (each step is a savepoint within it): should the database
    connection break halfway, none of them is saved and the user is told to try again, rather
    than a selection of which an unknown part moved."""
    result = BulkResult()
    if status == InvoiceStatus.REJECTED and not reason.strip():
        result.refused = [(invoice, _("Give a reason for the rejection.")) for invoice in invoices]
        return result
    with transaction.atomic():
        for invoice in invoices:
            try:
                invoice.move_to(status, by=by, reason=reason)
            except InvoiceTransitionError as exc:
                result.refused.append((invoice, str(exc)))
            else:
                result.done.append(invoice)
    return result


def compute_totals_per_municipality_year(queryset=None) -> dict[tuple[int, int], Decimal]:
    """Approved spending per (municipality id, year), exact to the cent.

    One pass in municipality order over the covering index, with one conditional sum per
    year: no per-row date function (on SQLite that is a call into Python for every row)."""
    queryset = (Invoice.objects.all() if queryset is None else queryset).costs()
    span = queryset.aggregate(first=Min("invoice_date"), last=Max("invoice_date"))
    if span["first"] is None:
        return {}
    years = range(span["first"].year, span["last"].year + 1)
    sums = {
        f"y{year}": MoneySum(
            "amount", filter=Q(invoice_date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
        )
        for year in years
    }
    totals: dict[tuple[int, int], Decimal] = {}
    for row in queryset.values("municipality_id").order_by("municipality_id").annotate(**sums):
        for year in years:
            if row[f"y{year}"] is not None:
                totals[(row["municipality_id"], year)] = row[f"y{year}"]
    return totals


def totals_per_municipality_year() -> dict[tuple[int, int], Decimal]:
    """Approved spending per (municipality id, year), from the totals kept in step with the invoices."""
    return {(t.municipality_id, t.year): t.total for t in SpendingTotal.objects.all()}


@transaction.atomic
def rebuild_spending_totals() -> int:
    """Recompute every total from the invoices (after a bulk load, or to check the kept totals)."""
    totals = compute_totals_per_municipality_year()
    SpendingTotal.objects.all().delete()
    SpendingTotal.objects.bulk_create(
        SpendingTotal(municipality_id=m, year=y, total=total) for (m, y), total in totals.items()
    )
    return len(totals)
