"""Exact sums of money on every database.

SQLite keeps decimals as floating point and Django converts SQLite's decimal results through
a 15-digit context, so a plain Sum there can be off by cents (five invoices of
999.999.999.999,99 already lose them). MoneySum adds whole cents on SQLite (exact up to about
9 × 10^13 euros) and converts the result itself; on PostgreSQL it is a plain numeric SUM.
"""

from __future__ import annotations

from decimal import Decimal

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
