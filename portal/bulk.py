"""Plain multi-row INSERTs for rows that were checked before they get here (an import's lines, the
demo's traffic): what bulk_create does without building and preparing a model instance per row,
which cost most of a 100,000-line declaration's save. No signals: the caller records the audit
trail, as it does for bulk_create."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection, models

BATCH = 1000


def insert_rows(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, attribute names such as "invoice_id")."""
    if not rows:
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[c] for c in columns]
    if connection.vendor != "postgresql":  # psycopg2 adapts str, int, Decimal and date itself
        rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows, page_size=BATCH)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _sqlite_value(value):
    """As Django stores it in SQLite: a moment as naive UTC text, a date as ISO text, a decimal as
    its text."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value
