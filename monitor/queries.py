"""What the monitor's pages ask of the stored figures: a Scope (the filters of the URL) and the sums
per dimension. Every query reads MonthFigure or ClientYear (a few thousand rows), never the lines,
except the drill-down to the lines themselves and the uptake of one provider's allocations."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.cache import caches
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from contracts.models import add_months
from monitor.models import ClientYear, FigureVersion, MonthFigure, euros

MEASURES = ("lines", "volume", "declared", "granted", "rejected", "paid", "answered_lines", "rejected_lines")
MONEY_MEASURES = ("declared", "granted", "rejected", "paid", "above_tariff", "unlinked")
DIMENSIONS = {
    "municipality": ("municipality_id",),
    "provider": ("provider_id",),
    "segment": ("segment_id",),
    "product": ("product_category", "product_code"),
    "month": ("month",),
    "segment_provider": ("segment_id", "provider_id"),
    "contract_product": ("contract_id", "product_category", "product_code"),
}
URL_FIELDS = ("year", "from_month", "to_month", "module", "law", "segment", "municipality", "provider", "product")


@dataclass(frozen=True)
class Scope:
    """The filters of a monitor page, as its URL carries them."""

    year: int
    from_month: int = 1
    to_month: int = 12
    module: int | None = None
    law: str = ""
    segment: int | None = None
    municipality: int | None = None
    provider: int | None = None
    product: str = ""

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.from_month, 1)

    @property
    def last_month(self) -> datetime.date:
        return datetime.date(self.year, self.to_month, 1)

    @property
    def whole_year(self) -> bool:
        return (self.from_month, self.to_month) == (1, 12)

    def previous(self) -> Scope:
        return replace(self, year=self.year - 1)

    def but(self, **changes) -> Scope:
        return replace(self, **changes)

    def query(self, **changes) -> str:
        """The URL query of this scope (with ``changes``), leaving out what is default."""
        scope = replace(self, **changes)
        pairs = []
        for name in URL_FIELDS:
            value = getattr(scope, name)
            default = {"from_month": 1, "to_month": 12}.get(name)
            if value not in (None, "") and value != default:
                pairs.append((name, value))
        return urlencode(pairs)

    def _filters(self) -> Q:
        q = Q()
        for name, lookup in (
            ("module", "segment__module_id"),
            ("law", "law"),
            ("segment", "segment_id"),
            ("municipality", "municipality_id"),
            ("provider", "provider_id"),
            ("product", "product_code"),
        ):
            if getattr(self, name) not in (None, ""):
                q &= Q(**{lookup: getattr(self, name)})
        return q

    def figures(self) -> QuerySet[MonthFigure]:
        return MonthFigure.objects.filter(self._filters(), month__range=(self.first_day, self.last_month))

    def clients(self) -> QuerySet[ClientYear]:
        rows = ClientYear.objects.filter(self._filters(), year=self.year)
        if not self.whole_year:
            mask = sum(1 << (m - 1) for m in range(self.from_month, self.to_month + 1))
            rows = rows.annotate(in_period=F("months").bitand(mask)).filter(in_period__gt=0)
        return rows


# One page asks for the same sums more than once (the key figures and each table's total): within
# `remembering()` (one request) each is read once. Across requests a sum is cached under the
# figures' version (monitor.models.FigureVersion), which every change to them moves in its own
# transaction: a cached sum is never older than the data.
_memo: ContextVar[dict | None] = ContextVar("monitor_memo", default=None)
CACHE_SECONDS = 3600


@contextmanager
def remembering() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _version(memo: dict) -> str:
    if "version" not in memo:
        memo["version"] = FigureVersion.current()
    return memo["version"]


def remembered(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, read once per request and cached per version of the figures."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        cache = caches["monitor"]
        name = "monitor:" + hashlib.sha256(f"{_version(memo)}:{key!r}".encode()).hexdigest()
        value = cache.get(name)
        if value is None:
            value = compute()
            cache.set(name, value, CACHE_SECONDS)
        memo[key] = value
    return memo[key]


def per_version(function: Callable) -> Callable:
    """``remembered`` for a function of a scope (and other hashable arguments)."""

    @wraps(function)
    def wrapped(*args, **kwargs):
        key = (function.__qualname__, args, tuple(sorted(kwargs.items())))
        return remembered(key, lambda: function(*args, **kwargs))

    return wrapped


def default_year() -> int:
    return timezone.localdate().year


def _sums() -> dict:
    fields = (*MEASURES, "above_tariff", "above_tariff_lines", "unlinked", "unlinked_lines")
    return {name: Sum(name) for name in fields}


def _as_figures(row: dict) -> dict:
    out = dict(row)
    for name in MONEY_MEASURES:
        if name in out:
            out[name] = euros(out[name])
    for name in ("lines", "volume", "answered_lines", "rejected_lines", "above_tariff_lines", "unlinked_lines"):
        if name in out:
            out[name] = int(out[name] or 0)
    return out


def totals(scope: Scope) -> dict:
    """The scope's sums and its number of clients (two queries)."""
    return dict(remembered(("totals", scope), lambda: _totals(scope)))


def _totals(scope: Scope) -> dict:
    figures = _as_figures(scope.figures().aggregate(**_sums()))
    figures["clients"] = scope.clients().aggregate(n=Count("client_key", distinct=True))["n"] or 0
    return with_ratios(figures)


def with_ratios(row: dict) -> dict:
    clients = row.get("clients") or 0
    row["cost_per_client"] = (row["declared"] / clients).quantize(Decimal("0.01")) if clients else None
    row["volume_per_client"] = (Decimal(row["volume"]) / clients).quantize(Decimal("0.1")) if clients else None
    # Of the answered performances, the share rejected (by count: a credit line rejected is one too).
    answered = row.get("answered_lines") or 0
    row["rejection_rate"] = (
        (Decimal(row["rejected_lines"]) / answered * 100).quantize(Decimal("0.1")) if answered else None
    )
    return row


def by(scope: Scope, dimension: str) -> list[dict]:
    """The scope's sums per municipality, provider, segment, product or month, with clients
    (two queries), largest declared first (months in order)."""
    return [dict(r) for r in remembered(("by", scope, dimension), lambda: _by(scope, dimension))]


def _by(scope: Scope, dimension: str) -> list[dict]:
    keys = DIMENSIONS[dimension]
    rows = {tuple(r[k] for k in keys): _as_figures(r) for r in scope.figures().values(*keys).annotate(**_sums())}
    if dimension == "month":
        clients = clients_per_month(scope)
    else:
        counted = scope.clients().values(*keys).annotate(n=Count("client_key", distinct=True)).order_by()
        clients = {tuple(r[k] for k in keys): r["n"] for r in counted}
    out = []
    for key, row in rows.items():
        row["key"] = key if len(key) > 1 else key[0]
        row["clients"] = clients.get(key, 0)
        out.append(with_ratios(row))
    if dimension == "month":
        return sorted(out, key=lambda r: r["key"])
    return sorted(out, key=lambda r: (-r["declared"], str(r["key"])))


def clients_per_month(scope: Scope) -> dict[tuple, int]:
    """Distinct clients in each month of the scope's year: each client's months first (one row a
    client), then a count per month (one query, cached per version of the figures)."""
    return remembered(("clients_per_month", scope), lambda: _clients_per_month(scope))


def _clients_per_month(scope: Scope) -> dict[tuple, int]:
    bits = {f"b{m}": Max(F("months").bitand(1 << (m - 1))) for m in range(1, 13)}
    per_client = scope.clients().values("client_key").annotate(**bits).order_by()
    counts = per_client.aggregate(**{f"m{m}": Count("client_key", filter=Q(**{f"b{m}__gt": 0})) for m in range(1, 13)})
    return {
        (datetime.date(scope.year, m, 1),): counts[f"m{m}"] or 0 for m in range(scope.from_month, scope.to_month + 1)
    }


def trend(scope: Scope, months: int = 36) -> list[dict]:
    """Declared, granted and paid per month over the ``months`` up to the scope's last month."""
    first = add_months(scope.last_month, -(months - 1))
    wide = scope.figures().model.objects.filter(scope._filters(), month__range=(first, scope.last_month))
    found = {
        r["month"]: _as_figures(r)
        for r in wide.values("month").annotate(declared=Sum("declared"), granted=Sum("granted"), paid=Sum("paid"))
    }
    out = []
    for i in range(months):
        month = add_months(first, i)
        out.append({"month": month, **found.get(month, {"declared": None, "granted": None, "paid": None})})
    return out


@dataclass
class Distribution:
    """Cost per client: deciles and the highest totals, over anonymous client totals."""

    totals: list[Decimal] = field(default_factory=list)

    @classmethod
    def of(cls, scope: Scope) -> Distribution:
        def read() -> list[Decimal]:
            per_client = scope.clients().values("client_key").annotate(t=Sum("declared")).order_by("-t")
            return [euros(r["t"]) for r in per_client]

        return cls(remembered(("distribution", scope), read))

    def deciles(self) -> list[dict]:
        """Ten groups of clients from the cheapest to the dearest, each with its range and mean."""
        ordered = sorted(self.totals)
        n = len(ordered)
        out = []
        for d in range(10):
            part = ordered[n * d // 10 : n * (d + 1) // 10]
            if part:
                mean = (sum(part, Decimal(0)) / len(part)).quantize(Decimal("0.01"))
                out.append({"decile": d + 1, "clients": len(part), "low": part[0], "high": part[-1], "mean": mean})
        return out

    def highest(self, count: int = 10) -> list[Decimal]:
        return self.totals[:count]
