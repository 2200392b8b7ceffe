"""`make bench`, the monitor: in-process measurements on the filled message-traffic database (run by
bench/monitor_run.py with DATABASE_URL set). Every sub-command prints one JSON object on its last line.

    python bench/monitor_bench.py targets              (providers, municipality, segment, contact to measure)
    python bench/monitor_bench.py queries PAGES.json [PLANS.txt]
                                                       (SQL queries per page, Django's test client; the
                                                        plans of the slow statements, EXPLAIN ANALYZE)
    python bench/monitor_bench.py check                (stored figures of the last imported declaration
                                                        against a recount of its lines)

``queries`` reads a list of [label, username, path] and, per page, counts the SQL queries cold (every
cache emptied first) and warm (the page just asked for), their summed time (cold), the wall time of
the request in this process (median of 3, cold and warm) and the slowest statements, so a slow page
can be looked at with EXPLAIN ANALYZE.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from contracts.models import Invoice, InvoiceLine  # noqa: E402
from monitor.figures import client_rows, month_rows  # noqa: E402
from monitor.models import ClientYear, MonthFigure  # noqa: E402
from municipalities.models import Municipality  # noqa: E402

YEAR = 2025  # the fill's last whole year (bench/traffic_bench.py: five years from 01-2021)
CONTACT = "venlo"  # a demo municipality contact (pages/demo_data.py): the suppressed pages


def targets() -> dict:
    """What the pages are measured on: the busiest provider of the year and one about ten times
    smaller, the busiest municipality, the busiest segment, and the contact's municipality."""
    year = MonthFigure.objects.filter(month__year=YEAR)
    providers = list(
        year.values("provider_id").annotate(d=Sum("declared"), n=Sum("lines")).order_by("-d", "provider_id")
    )
    small = min(providers, key=lambda p: (abs(p["n"] - providers[0]["n"] / 10), p["provider_id"]))
    municipality = year.values("municipality_id").annotate(d=Sum("declared")).order_by("-d").first()
    segment = year.values("segment_id").annotate(d=Sum("declared")).order_by("-d").first()
    contact = User.objects.get(username=CONTACT).municipality_contact.municipality
    return {
        "year": YEAR,
        "providers": [providers[0]["provider_id"], small["provider_id"]],
        "provider_lines": [providers[0]["n"], small["n"]],
        "municipality": Municipality.objects.get(pk=municipality["municipality_id"]).slug,
        "segment": segment["segment_id"],
        "contact": CONTACT,
        "contact_municipality": contact.slug,
        "lines": InvoiceLine.objects.count(),
        "monthfigure_rows": MonthFigure.objects.count(),
        "clientyear_rows": ClientYear.objects.count(),
        "monthfigure_rows_year": year.count(),
        "clientyear_rows_year": ClientYear.objects.filter(year=YEAR).count(),
    }


def _clear_caches() -> None:
    for cache in caches.all(initialized_only=False):
        cache.clear()


def _request(client: Client, path: str, *, cold: bool = False) -> tuple[int, float]:
    if cold:
        _clear_caches()
    start = time.perf_counter()
    response = client.get(path)
    return response.status_code, (time.perf_counter() - start) * 1000


def page_queries(pages: list[list[str]]) -> dict:
    out = {}
    for label, username, path in pages:
        client = Client()
        client.force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as captured:
            status, _ms = _request(client, path, cold=True)
        if status != 200:
            raise SystemExit(f"{path} answers {status} for {username}")
        statements = list(captured.captured_queries)  # before the next request empties the log
        cold = [_request(client, path, cold=True)[1] for _ in range(3)]
        with CaptureQueriesContext(connection) as captured:
            _request(client, path)  # warm: what the page's caches leave to ask
        warm_queries = len(captured.captured_queries)
        warm = [_request(client, path)[1] for _ in range(3)]
        slowest = sorted(statements, key=lambda q: -float(q["time"]))[:3]
        out[label] = {
            "queries": len(statements),
            "sql_ms": round(1000 * sum(float(q["time"]) for q in statements), 1),
            "warm_queries": warm_queries,
            "cold_ms": round(statistics.median(cold), 1),
            "warm_ms": round(statistics.median(warm), 1),
            "slowest": [{"ms": round(1000 * float(q["time"]), 1), "sql": q["sql"]} for q in slowest],
        }
        print(f"  {label}: {out[label]['queries']} queries, {out[label]['sql_ms']} ms SQL", file=sys.stderr)
    return out


def explain(sql: str) -> list[str]:
    """EXPLAIN ANALYZE of one captured statement (its parameters already in the text)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def plans(measured: dict, slower_than_ms: float = 30) -> str:
    """The plans of every page's slowest statements that took longer than ``slower_than_ms``."""
    out = []
    for label, page in measured.items():
        for statement in page["slowest"]:
            if statement["ms"] >= slower_than_ms:
                out += [f"== {label}: {statement['ms']} ms", statement["sql"], *explain(statement["sql"]), ""]
    return "\n".join(out)


def _differences(rows, model, key: dict[str, str], stored_filter: dict) -> int:
    sums = model.SUMS
    fresh = {tuple(str(r[v]) for v in key.values()): tuple(int(r[f"s_{s}"] or 0) for s in sums) for r in rows}
    stored = {
        tuple(str(r[k]) for k in key): tuple(int(r[s]) for s in sums)
        for r in model.objects.filter(**stored_filter).values(*key, *sums)
    }
    return sum(1 for k in set(fresh) | set(stored) if fresh.get(k) != stored.get(k))


def check() -> dict:
    """The figures of the (municipality, contract) of the last imported declaration against a
    recount of all its lines: the maintenance in the import's transaction left them exact."""
    invoice = Invoice.objects.filter(lines__isnull=False).order_by("-pk").first()
    pair = {"municipality_id": invoice.municipality_id, "contract_id": invoice.contract_id}
    lines = InvoiceLine.objects.filter(invoice__municipality_id=pair["municipality_id"])
    lines = lines.filter(invoice__contract_id=pair["contract_id"])
    month_key = {"month": "m_month", "product_category": "product_category", "product_code": "product_code"}
    client_key = {"year": "m_year", **{k: v for k, v in month_key.items() if k != "month"}, "client_key": "client_key"}
    return {
        "invoice": invoice.invoice_number,
        "lines_in_pair": lines.aggregate(n=Count("id"))["n"],
        "month_differences": _differences(month_rows(lines), MonthFigure, month_key, pair),
        "client_differences": _differences(client_rows(lines), ClientYear, client_key, pair),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "targets":
        print(json.dumps(targets()))
    elif command == "queries":  # queries PAGES.json [PLANS.txt]
        measured = page_queries(json.loads(Path(sys.argv[2]).read_text()))
        if len(sys.argv) > 3:
            Path(sys.argv[3]).write_text(plans(measured))
        print(json.dumps(measured))
    elif command == "check":
        print(json.dumps(check()))
    else:
        raise SystemExit(__doc__)
