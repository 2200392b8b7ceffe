"""Keeping the monitor's figures in step with the lines: what a set of lines adds to (or, with
sign -1, takes from) the stored figures, as one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE
statement per table, on SQLite and PostgreSQL alike. The SELECT is built with the ORM, so the
rules (granted, paid, above the tariff, without a known allocation) are written once, here.

A change to lines is a sandwich: their figures are taken out before it and put back after it
(monitor/signals.py), so whatever the change, the figures end as a recount would make them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Round, TruncMonth

from contracts.models import InvoiceLine, InvoiceStatus, TariffLine
from monitor.models import ClientYear, FigureVersion, MonthFigure
from traffic.models import Allocation

ZERO = Value(0, output_field=BigIntegerField())
RATE = DecimalField(max_digits=20, decimal_places=4)


def _cents(expression) -> Cast:
    return Cast(Round(expression * 100), BigIntegerField())


def _when(condition: Q, then) -> Case:
    return Case(When(condition, then=then), default=ZERO, output_field=BigIntegerField())


def _contract_tariff() -> Subquery:
    """The contract's tariff for the line's product (the lowest, should a product be listed twice)."""
    tariffs = TariffLine.objects.filter(
        contract_id=OuterRef("invoice__contract_id"),
        product_category=OuterRef("product_category"),
        product_code=OuterRef("product_code"),
    ).order_by("tariff")
    return Subquery(tariffs.values("tariff")[:1], output_field=RATE)


def _known_allocation() -> Exists:
    return Exists(
        Allocation.objects.filter(
            municipality_id=OuterRef("invoice__municipality_id"),
            law=OuterRef("invoice__law"),
            number=OuterRef("assignment_number"),
        )
    )


# A performance is granted when the municipality answered its declaration (325) and did not reject
# it: a listed performance by its own codes; an unlisted one is accepted, unless the whole
# declaration was refused (an answer without a DeclaratieAntwoord).
ANSWERED = Q(invoice__declaration_return__isnull=False)
REJECTED = ANSWERED & (
    Q(return_line__accepted=False) | (Q(return_line__isnull=True) & Q(invoice__declaration_return__refused=True))
)
ABOVE_TARIFF = Q(contract_tariff__isnull=False, amount__gt=F("at_tariff"))
UNLINKED = ~Q(assignment_number="") & Q(known_allocation=False)


def _slice_values() -> dict:
    """Who a line is about, from its invoice: municipality, contract, provider, segment, law."""
    return {
        "m_municipality": F("invoice__municipality_id"),
        "m_contract": F("invoice__contract_id"),
        "m_provider": F("invoice__provider_id"),
        "m_segment": F("invoice__contract__segment_id"),
        "m_law": F("invoice__law"),
    }


def month_rows(lines: QuerySet) -> QuerySet:
    """The lines' contribution to MonthFigure, one row per key, columns named as its fields."""
    cents = _cents(F("amount"))
    at_tariff = ExpressionWrapper(F("volume") * F("contract_tariff"), output_field=RATE)
    return (
        lines.annotate(contract_tariff=_contract_tariff(), known_allocation=_known_allocation())
        .annotate(at_tariff=at_tariff)
        .values("product_category", "product_code", "unit", m_month=TruncMonth("period_start"), **_slice_values())
        .annotate(
            s_lines=Count("id"),
            s_volume=Sum("volume"),
            s_declared=Sum(cents),
            s_answered_lines=Sum(_when(ANSWERED, Value(1))),
            s_rejected_lines=Sum(_when(REJECTED, Value(1))),
            s_granted=Sum(_when(ANSWERED & ~REJECTED, cents)),
            s_rejected=Sum(_when(REJECTED, cents)),
            s_paid=Sum(_when(Q(invoice__status=InvoiceStatus.PAID), cents)),
            s_above_tariff_lines=Sum(_when(ABOVE_TARIFF, Value(1))),
            s_above_tariff=Sum(_when(ABOVE_TARIFF, cents - _cents(F("at_tariff")))),
            s_unlinked_lines=Sum(_when(UNLINKED, Value(1))),
            s_unlinked=Sum(_when(UNLINKED, cents)),
        )
        .order_by()
    )


def client_rows(lines: QuerySet) -> QuerySet:
    """The lines' contribution to ClientYear. The months are a sum of distinct powers of two,
    which is their bitwise OR on every database."""
    month = Cast(ExtractMonth("period_start"), IntegerField())  # numeric on PostgreSQL
    bit = Value(1, output_field=IntegerField()).bitleftshift(month - 1)
    return (
        lines.exclude(client_key="")
        .values("product_category", "product_code", "client_key", m_year=ExtractYear("period_start"), **_slice_values())
        .annotate(
            s_lines=Count("id"),
            s_volume=Sum("volume"),
            s_declared=Sum(_cents(F("amount"))),
            s_months=Coalesce(Sum(bit, distinct=True), Value(0)),
        )
        .order_by()
    )


SLICE = {
    "municipality_id": "m_municipality",
    "contract_id": "m_contract",
    "provider_id": "m_provider",
    "segment_id": "m_segment",
    "law": "m_law",
    "product_category": "product_category",
    "product_code": "product_code",
}


def _negated(rows: QuerySet, sums: tuple[str, ...]) -> QuerySet:
    return rows.annotate(**{f"n_{s}": -F(f"s_{s}") for s in sums})


def add_months(lines: QuerySet, sign: int = 1) -> None:
    rows = month_rows(lines)
    sums = MonthFigure.SUMS
    if sign < 0:
        rows = _negated(rows, sums)
        sums_sources = {s: f"n_{s}" for s in sums}
    else:
        sums_sources = {s: f"s_{s}" for s in sums}
    _upsert_with(MonthFigure, rows, {"month": "m_month", **SLICE, "unit": "unit"}, sums_sources, {})
    if sign < 0:
        MonthFigure.objects.filter(lines=0).delete()


def add_clients(lines: QuerySet) -> None:
    """Add the lines' clients (new lines only: a month once seen stays set; removal recounts)."""
    table = connection.ops.quote_name(ClientYear._meta.db_table)
    months = connection.ops.quote_name("months")
    _upsert_with(
        ClientYear,
        client_rows(lines),
        {"year": "m_year", **SLICE, "client_key": "client_key", "months": "s_months"},
        {s: f"s_{s}" for s in ClientYear.SUMS},
        {"months": f"{table}.{months} | excluded.{months}"},
    )


def _upsert_with(model, rows: QuerySet, columns: dict[str, str], sums: dict[str, str], merge: dict[str, str]) -> None:
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    targets = [*columns, *sums]
    sources = [*columns.values(), *sums.values()]
    key = ", ".join(quote(fields[k]) for k in model.KEY)
    updates = [f"{quote(fields[s])} = {table}.{quote(fields[s])} + excluded.{quote(fields[s])}" for s in sums]
    updates += [f"{quote(fields[n])} = {expression}" for n, expression in merge.items()]
    statement = (
        f"INSERT INTO {table} ({', '.join(quote(fields[n]) for n in targets)}) "
        f"SELECT {', '.join('s.' + quote(s) for s in sources)} FROM ({sql}) s WHERE true "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(updates)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
    FigureVersion.bump()


def recount_slices(pairs: set[tuple[int, int]]) -> None:
    """Recount every figure of these (municipality, contract) pairs from their lines: after lines
    were removed (a received declaration deleted), when a month or a client may have gone."""
    for municipality_id, contract_id in pairs:
        MonthFigure.objects.filter(municipality_id=municipality_id, contract_id=contract_id).delete()
        ClientYear.objects.filter(municipality_id=municipality_id, contract_id=contract_id).delete()
        lines = InvoiceLine.objects.filter(invoice__municipality_id=municipality_id, invoice__contract_id=contract_id)
        add_months(lines)
        add_clients(lines)


def rebuild() -> None:
    """Every figure recounted from every line (the demo, the benchmark's fill, a repair)."""
    MonthFigure.objects.all().delete()
    ClientYear.objects.all().delete()
    add_months(InvoiceLine.objects.all())
    add_clients(InvoiceLine.objects.all())
    FigureVersion.bump()


# --- Checking ---------------------------------------------------------------------------------


def _stored(model, fields: tuple[str, ...]) -> dict[tuple, tuple]:
    return {row[: len(model.KEY)]: row[len(model.KEY) :] for row in model.objects.values_list(*model.KEY, *fields)}


def _recounted(rows: QuerySet, key: dict[str, str], sums: tuple[str, ...]) -> dict[tuple, tuple]:
    names = [*key.values(), *(f"s_{s}" for s in sums)]
    out = {}
    for row in rows.values_list(*names):
        k = tuple(str(v)[:10] if i == 0 else v for i, v in enumerate(row[: len(key)]))
        out[k] = tuple(int(v or 0) for v in row[len(key) :])
    return out


def differences() -> list[str]:
    """Where the stored figures differ from a recount of the lines (empty: they agree)."""
    problems = []
    month_key = {"month": "m_month", "municipality_id": "m_municipality", "contract_id": "m_contract"}
    month_key |= {"product_category": "product_category", "product_code": "product_code"}
    client_key = {"year": "m_year", **{k: v for k, v in month_key.items() if k != "month"}, "client_key": "client_key"}
    month_key["unit"] = "unit"
    for model, rows, key, extra in (
        (MonthFigure, month_rows(InvoiceLine.objects.all()), month_key, ()),
        (ClientYear, client_rows(InvoiceLine.objects.all()), client_key, ("months",)),
    ):
        sums = (*model.SUMS, *extra)
        stored = {
            tuple(str(v)[:10] if i == 0 else v for i, v in enumerate(k)): tuple(int(x) for x in vals)
            for k, vals in _stored(model, sums).items()
        }
        fresh = _recounted(rows, key, sums)
        for k in sorted(set(stored) | set(fresh), key=str):
            if stored.get(k) != fresh.get(k):
                problems.append(f"{model._meta.model_name} {k}: stored {stored.get(k)}, recounted {fresh.get(k)}")
    return problems
