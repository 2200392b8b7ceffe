"""Exact sums of money on every database, and splitting an amount into parts that add up exactly.

SQLite keeps decimals as floating point and Django converts SQLite's decimal results through
a 15-digit context, so a plain Sum there can be off by cents (five invoices of
999.999.999.999,99 already lose them). MoneySum adds whole cents on SQLite (exact up to about
9 × 10^13 euros) and converts the result itself; on PostgreSQL it is a plain numeric SUM.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import TypeVar

from django.db import models

CENT = Decimal("0.01")


class MoneyTotalField(models.DecimalField):
    """The output of MoneySum; converted here rather than by the database backend."""

    def get_internal_type(self) -> str:
        return "MoneyTotalField"  # unknown to the backends, so their lossy converter is not applied

    def get_db_converters(self, connection):
        return [self.to_money, *super().get_db_converters(connection)]

    @staticmethod
    def to_money(value, expression, connection):
        if value is None:
            return None
        if connection.vendor == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)


class MoneySum(models.Sum):
    def __init__(self, *expressions, **extra) -> None:
        super().__init__(*expressions, output_field=MoneyTotalField(max_digits=20, decimal_places=2), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        in_cents = self.copy()
        in_cents.template = "%(function)s(%(distinct)sROUND(%(expressions)s * 100))"
        return in_cents.as_sql(compiler, connection, **extra_context)


K = TypeVar("K", bound=Hashable)


def split_largest_remainder(
    total: Decimal, weights: Mapping[K, int | Decimal], quantum: Decimal = Decimal("0.01")
) -> dict[K, Decimal]:
    """Split ``total`` in proportion to ``weights``, rounded to ``quantum``, adding up exactly.

    Every part is first rounded down; the units left over go one each to the parts with the
    largest remainder. Ties go to the larger weight, then to the earlier key in ``weights``
    (a stable, stated rule, so a statement never changes between two runs).
    """
    if not weights:
        raise ValueError("Nothing to split over.")
    if total < 0:
        # A credit is split like a debit, with the sign turned: the same parts, negative.
        return {k: -v for k, v in split_largest_remainder(-total, weights, quantum).items()}
    weight_sum = sum(Decimal(w) for w in weights.values())
    if weight_sum <= 0 or any(Decimal(w) < 0 for w in weights.values()):
        raise ValueError("Weights must be non-negative and not all zero.")
    units_total = (total / quantum).to_integral_value()
    if units_total * quantum != total:
        raise ValueError(f"{total} is not a whole multiple of {quantum}.")
    exact = {k: units_total * Decimal(w) / weight_sum for k, w in weights.items()}
    floors = {k: v.to_integral_value(rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int(units_total - sum(floors.values()))
    order = list(weights)
    ranked = sorted(order, key=lambda k: (-(exact[k] - floors[k]), -Decimal(weights[k]), order.index(k)))
    for k in ranked[:left]:
        floors[k] += 1
    return {k: floors[k] * quantum for k in order}
