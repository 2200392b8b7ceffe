"""The monitor against the invoice ledger: its declared and paid totals per municipality and year
of invoice must be the amounts of the declarations (invoices from a 323) to the cent, and its
granted totals the municipalities' answers (325)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from contracts.models import Invoice, InvoiceSource, InvoiceStatus
from monitor.models import MonthFigure, euros
from portal.money import MoneySum
from traffic.models import DeclarationReturn


def _figures() -> dict[str, Decimal]:
    sums = MonthFigure.objects.aggregate(d=Sum("declared"), p=Sum("paid"), g=Sum("granted"))
    return {"declared": euros(sums["d"]), "paid": euros(sums["p"]), "granted": euros(sums["g"])}


def _ledger() -> dict[str, Decimal]:
    declarations = Invoice.objects.filter(source=InvoiceSource.MESSAGE)
    zero = Decimal("0.00")
    return {
        "declared": declarations.aggregate(t=MoneySum("amount"))["t"] or zero,
        "paid": declarations.filter(status=InvoiceStatus.PAID).aggregate(t=MoneySum("amount"))["t"] or zero,
        "granted": DeclarationReturn.objects.aggregate(t=MoneySum("granted"))["t"] or zero,
    }


def ledger_differences() -> list[str]:
    figures, ledger = _figures(), _ledger()
    per_municipality = _per_municipality()
    out = [f"{n}: monitor {figures[n]}, ledger {ledger[n]}" for n in figures if figures[n] != ledger[n]]
    return out + per_municipality


def _per_municipality() -> list[str]:
    monitor = defaultdict(int)
    for municipality_id, cents in MonthFigure.objects.values_list("municipality_id").annotate(t=Sum("declared")):
        monitor[municipality_id] = cents
    ledger = dict(
        Invoice.objects.filter(source=InvoiceSource.MESSAGE)
        .values_list("municipality_id")
        .annotate(t=MoneySum("amount"))
        .order_by()
    )
    return [
        f"declared for municipality {m}: monitor {euros(monitor.get(m))}, ledger {ledger.get(m) or Decimal('0.00')}"
        for m in sorted(set(monitor) | set(ledger))
        if euros(monitor.get(m)) != (ledger.get(m) or Decimal("0.00"))
    ]
