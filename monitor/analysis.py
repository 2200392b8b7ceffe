"""The provider conversation's questions that the stored sums alone do not answer: price against
the contract's tariff, uptake of allocations, return codes, allocations never declared, and the
signals (who deviates from the segment's median). Each is one or two queries, bounded by the
scope (a provider or a municipality, one year)."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from contracts.codes import code_list, describe
from contracts.models import InvoiceLine, TariffLine, add_months
from monitor.figures import ABOVE_TARIFF, RATE, UNLINKED, _contract_tariff, _known_allocation
from monitor.models import euros
from monitor.queries import Scope, _as_figures, by, per_version
from traffic.models import Allocation, ReturnLine

CENT = Decimal("0.01")

# --- The lines behind a figure ------------------------------------------------------------------

LINE_FILTERS = {
    "module": "invoice__contract__segment__module_id",
    "law": "invoice__law",
    "segment": "invoice__contract__segment_id",
    "municipality": "invoice__municipality_id",
    "provider": "invoice__provider_id",
    "product": "product_code",
}


def scope_lines(scope: Scope) -> QuerySet[InvoiceLine]:
    q = Q(period_start__gte=scope.first_day, period_start__lt=add_months(scope.last_month, 1))
    for name, lookup in LINE_FILTERS.items():
        if getattr(scope, name) not in (None, ""):
            q &= Q(**{lookup: getattr(scope, name)})
    return InvoiceLine.objects.filter(q)


def lines_of_kind(scope: Scope, kind: str) -> QuerySet[InvoiceLine]:
    """The lines behind a signal: above the tariff, without a known allocation, rejected; or all.
    The same rules as the figures (monitor.figures), so the list and the count agree."""
    lines = scope_lines(scope).select_related("invoice__provider", "invoice__municipality")
    if kind == "above_tariff":
        flagged = scope.figures().filter(above_tariff_lines__gt=0).values_list("contract_id", "product_code")
        slices = Q(pk__in=[])
        for contract_id, product_code in set(flagged):
            slices |= Q(invoice__contract_id=contract_id, product_code=product_code)
        lines = lines.filter(slices)
        at_tariff = ExpressionWrapper(F("volume") * F("contract_tariff"), output_field=RATE)
        lines = lines.annotate(contract_tariff=_contract_tariff()).annotate(at_tariff=at_tariff).filter(ABOVE_TARIFF)
        lines = lines.annotate(excess=ExpressionWrapper(F("amount") - F("at_tariff"), output_field=RATE))
    elif kind == "unlinked":
        lines = lines.annotate(known_allocation=_known_allocation()).filter(UNLINKED)
    elif kind == "rejected":
        lines = lines.filter(return_line__accepted=False)
    return lines.order_by("period_start", "id")


# --- Price against the tariff -------------------------------------------------------------------


EUROS = "83"  # a performance declared in euros (LDT_Eenheid 83): no price per unit


@per_version
def price_against_tariff(scope: Scope) -> list[dict]:
    """Per contract, product and unit: volume, declared, average price per unit, the contract's
    tariff and what was declared above it (lines and euros)."""
    rows = (
        scope.figures()
        .values("contract_id", "contract__reference", "product_category", "product_code", "unit")
        .annotate(
            lines=Sum("lines"),
            volume=Sum("volume"),
            declared=Sum("declared"),
            above_tariff=Sum("above_tariff"),
            above_tariff_lines=Sum("above_tariff_lines"),
        )
        .order_by("-declared")
    )
    rows = [_as_figures(r) for r in rows]
    tariffs = {}
    for t in TariffLine.objects.filter(contract_id__in={r["contract_id"] for r in rows}).order_by("-tariff"):
        tariffs[(t.contract_id, t.product_category, t.product_code)] = (t.tariff, t.unit)
    units = code_list("LDT_Eenheid")
    for row in rows:
        row["tariff"], row["tariff_unit"] = tariffs.get(
            (row["contract_id"], row["product_category"], row["product_code"]), (None, "")
        )
        row["unit_label"] = units.get(row["unit"], row["unit"])
        per_unit = row["volume"] and row["unit"] != EUROS
        row["price"] = (row["declared"] / row["volume"]).quantize(CENT) if per_unit else None
    return rows


# --- Uptake of allocations ----------------------------------------------------------------------


def _allocations(scope: Scope) -> QuerySet[Allocation]:
    q = Q(start_date__lte=datetime.date(scope.year, 12, 31)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(scope.year, 1, 1))
    )
    for name, lookup in (
        ("law", "law"),
        ("municipality", "municipality_id"),
        ("provider", "provider_id"),
        ("product", "product_code"),
    ):
        if getattr(scope, name) not in (None, ""):
            q &= Q(**{lookup: getattr(scope, name)})
    return Allocation.objects.filter(q)


def _declared_on(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    lines = InvoiceLine.objects.filter(
        assignment_number=OuterRef("number"),
        invoice__municipality_id=OuterRef("municipality_id"),
        invoice__law=OuterRef("law"),
        invoice__provider_id=OuterRef("provider_id"),
    )
    amount = lines.values("assignment_number").annotate(t=Sum("amount")).values("t")
    volume = lines.values("assignment_number").annotate(t=Sum("volume")).values("t")
    return allocations.annotate(
        declared_amount=Coalesce(Subquery(amount), Decimal(0)), declared_volume=Coalesce(Subquery(volume), 0)
    )


@dataclass
class Uptake:
    budget_allocations: int = 0
    budget: Decimal = Decimal(0)
    declared_on_budget: Decimal = Decimal(0)
    volume_allocations: int = 0
    volume: int = 0
    declared_volume: int = 0

    @property
    def budget_rate(self) -> Decimal | None:
        return (self.declared_on_budget / self.budget * 100).quantize(Decimal("0.1")) if self.budget else None

    @property
    def volume_rate(self) -> Decimal | None:
        return (Decimal(self.declared_volume) / self.volume * 100).quantize(Decimal("0.1")) if self.volume else None


# Allocated volume over the allocation's whole period, for the frequencies that say it
# (LDT_Frequentie): 4 per month, 6 in total; 2 per week and 1 per day need no calendar here.
def _allocated_volume(allocation: Allocation) -> int | None:
    if allocation.volume is None:
        return None
    if allocation.frequency == "6":
        return allocation.volume
    if allocation.frequency == "4" and allocation.end_date:
        months = (allocation.end_date.year - allocation.start_date.year) * 12
        return allocation.volume * (months + allocation.end_date.month - allocation.start_date.month + 1)
    return None


@per_version
def uptake(scope: Scope) -> Uptake:
    """Declared ÷ allocated, by allocation number, for the allocations with a budget or a volume
    whose period touches the scope's year."""
    found = Uptake()
    allocations = _allocations(scope).filter(Q(budget__isnull=False) | Q(volume__isnull=False))
    for a in _declared_on(allocations).only(
        "number", "municipality_id", "law", "budget", "volume", "frequency", "start_date", "end_date"
    ):
        if a.budget is not None:
            found.budget_allocations += 1
            found.budget += a.budget
            found.declared_on_budget += a.declared_amount
        elif (allocated := _allocated_volume(a)) is not None:
            found.volume_allocations += 1
            found.volume += allocated
            found.declared_volume += int(a.declared_volume)
    return found


@per_version
def idle_allocations(scope: Scope, today: datetime.date, limit: int = 25) -> tuple[int, list[Allocation]]:
    """Allocations that started at least three months ago without any declaration under them."""
    declared = InvoiceLine.objects.filter(
        assignment_number=OuterRef("number"),
        invoice__municipality_id=OuterRef("municipality_id"),
        invoice__law=OuterRef("law"),
        invoice__provider_id=OuterRef("provider_id"),  # an allocation is declared by its provider
    )
    idle = (
        _allocations(scope)
        .filter(start_date__lte=add_months(today, -3))
        .annotate(declared=Exists(declared))
        .filter(declared=False)
        .select_related("municipality")
        .order_by("start_date", "number")
    )
    ids = list(idle.values_list("pk", flat=True))  # one scan for the count and the oldest
    oldest = (
        Allocation.objects.filter(pk__in=ids[:limit]).select_related("municipality").order_by("start_date", "number")
    )
    return len(ids), list(oldest)


# --- Return codes -------------------------------------------------------------------------------


# Codes that say a performance or declaration was accepted or granted, not why it was rejected.
NOT_REJECTIONS = {"0200", "8001"}


@per_version
def return_codes(scope: Scope, limit: int = 10) -> list[dict]:
    """The codes of rejected performances, most frequent first, with their meaning and a lower
    bound of the clients behind each (the most of any combination of codes it appears in)."""
    rejected = ReturnLine.objects.filter(invoice_line__in=scope_lines(scope), accepted=False)
    lines: Counter[str] = Counter()
    clients: Counter[str] = Counter()
    combinations = rejected.values_list("return_codes").annotate(
        n=Count("id"), c=Count("invoice_line__client_key", distinct=True)
    )
    for codes, n, c in combinations.order_by():
        for code in set(codes.split()) - NOT_REJECTIONS:
            lines[code] += n
            clients[code] = max(clients[code], c)
    return [{"code": k, "meaning": describe(k), "lines": n, "clients": clients[k]} for k, n in lines.most_common(limit)]


# --- Signals ------------------------------------------------------------------------------------

COST_FACTOR = Decimal("1.5")  # cost per client above 1.5 x the segment's median
RATE_FACTOR = Decimal(2)  # rejection rate above 2 x the segment's median …
RATE_MARGIN = Decimal(5)  # … and at least 5 percentage points above it
MIN_CLIENTS = 5


@per_version
def deviating_providers(scope: Scope) -> list[dict]:
    """Providers whose cost per client or rejection rate deviates strongly from the median of
    their segment (the rule: COST_FACTOR, RATE_FACTOR and RATE_MARGIN, providers with at least
    MIN_CLIENTS clients)."""
    pairs: dict[int, list[dict]] = {}
    for row in by(scope, "segment_provider"):
        if row["clients"] >= MIN_CLIENTS:
            pairs.setdefault(row["key"][0], []).append(row)
    signals = []
    for segment_id, rows in pairs.items():
        costs = [r["cost_per_client"] for r in rows if r["cost_per_client"] is not None]
        rates = [r["rejection_rate"] for r in rows if r["rejection_rate"] is not None]
        cost_median = statistics.median(costs) if costs else None
        rate_median = statistics.median(rates) if rates else None
        for r in rows:
            reasons = []
            if cost_median and r["cost_per_client"] > cost_median * COST_FACTOR:
                reasons.append(("cost", r["cost_per_client"], cost_median))
            rate = r["rejection_rate"]
            if rate_median is not None and rate is not None and rate > rate_median * RATE_FACTOR:
                if rate - rate_median >= RATE_MARGIN:
                    reasons.append(("rate", rate, rate_median))
            if reasons:
                signals.append({"segment": segment_id, "provider": r["key"][1], "row": r, "reasons": reasons})
    return signals


@per_version
def flagged_lines(scope: Scope, measure: str) -> list[dict]:
    """Per provider: lines above the tariff or without a known allocation (from the figures)."""
    rows = (
        scope.figures()
        .values("provider_id", "provider__name")
        .annotate(lines=Sum(f"{measure}_lines"), amount=Sum(measure))
        .filter(lines__gt=0)
        .order_by("-amount")
    )
    return [{**r, "amount": euros(r["amount"])} for r in rows]
