"""Cost-allocation timings (run by bench/run.py, or on its own with `bench/run.py --only allocation`).

Expects a database with the reference data only (`migrate` and `load_demo --reference-only`:
the fourteen municipalities, module 1 with Midden-Limburg joining on 1 January 2026, population
counts). Creates a draft budget of module 1 for 2027 (all fourteen take part) with 200 lines,
times, and rolls everything back. Prints one JSON object: the run times in seconds per
measurement. Speed, not correctness: nothing here fails on a slow result.

- baseline: WeasyPrint rendering a one-line HTML document (the floor of any PDF)
- statement: one municipality's statement PDF (`render_statement`)
- zip: the ZIP of all fourteen statements (`statements_zip`)
- allocation: `budget_allocation` with its SQL queries
- allocate: the in-memory split (`allocate`) of the same inputs, no database
"""

from __future__ import annotations

import ctypes.util
import datetime
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from budgeting.models import Budget, BudgetLine, Package  # noqa: E402
from budgeting.services import allocate, budget_allocation, budget_totals, dvo_fees  # noqa: E402
from budgeting.services.allocation import _plus_items, bases  # noqa: E402
from budgeting.statements import render_statement, statements_zip  # noqa: E402
from entity.models import Function, Module  # noqa: E402
from portal.pdf import RefusingURLFetcher  # noqa: E402

YEAR = 2027
LINES = 200
PLUS_LINES = 10
RUNS = {"baseline": 10, "statement": 10, "zip": 3, "allocation": 20, "allocate": 20}
ONE_LINE = "<!doctype html><html lang=nl><meta charset=utf-8><title>x</title><p>Een regel tekst.</p></html>"


def runs(fn, repeat: int) -> tuple[object, list[float]]:
    """The result of one warm-up call, and the wall time in seconds of ``repeat`` calls after it."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return result, times


def baseline_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string=ONE_LINE, url_fetcher=RefusingURLFetcher()).write_pdf()


def make_budget() -> Budget:
    """A draft budget of module 1 for 2027 with 200 lines: personnel, other costs, plus packages."""
    module = Module.objects.get(number=1)
    user, _ = User.objects.get_or_create(username="bench-allocation")
    budget = Budget.objects.create(module=module, year=YEAR, created_by=user)
    participants = [b.municipality for b in bases(budget)]
    if len(participants) != 14:
        raise SystemExit(f"expected 14 participants of module 1 in {YEAR}, found {len(participants)}")
    functions = list(Function.objects.order_by("number"))
    for n in range(LINES):
        if n < PLUS_LINES:  # plus packages, each charged to one municipality
            line = BudgetLine(
                kind="other",
                description=f"Pluspakket {n + 1}",
                amount=Decimal(15_000 + 2_500 * n),
                package=Package.PLUS,
                plus_municipality=participants[(3 * n) % len(participants)],
            )
        elif n % 5 < 3:  # three in five: personnel
            line = BudgetLine(
                kind="personnel",
                description=f"Functie {n}",
                function=functions[n % len(functions)],
                salary_scale=str(8 + n % 5),
                fte=Decimal(25 + (n * 37) % 175) / 100,  # 0.25–1.99
                cost_per_fte=Decimal(62_000 + (n * 1_371) % 48_000) + Decimal("0.50"),
            )
        else:
            line = BudgetLine(
                kind="other",
                description=f"Overige kosten {n}",
                amount=Decimal(1_000 + (n * 7_919) % 90_000) + Decimal("0.25"),
                nature="incidental" if n % 7 == 0 else "structural",
            )
        line.budget, line.position = budget, n
        line.save()
    return budget


class Rollback(Exception):
    pass


def measure() -> dict:
    import weasyprint

    budget = make_budget()
    allocation = budget_allocation(budget)
    row = next(r for r in allocation.rows if r.municipality.slug == "weert")
    report: dict = {
        "vendor": connection.vendor,
        "weasyprint": weasyprint.__version__,
        "harfbuzz_subset": ctypes.util.find_library("harfbuzz-subset") is not None,  # ~2x faster font subsets
        "year": YEAR,
        "lines": budget.lines.count(),
        "personnel_lines": budget.lines.filter(kind="personnel").count(),
        "plus_lines": budget.lines.filter(package=Package.PLUS).count(),
        "participants": len(allocation.participants),
        "statement_of": row.municipality.name,
        "runs": RUNS,
    }
    with CaptureQueriesContext(connection) as queries:
        budget_allocation(budget)
    report["allocation_queries"] = len(queries)
    # The inputs of the in-memory split, read once.
    inputs = bases(budget), _plus_items(budget), dvo_fees(budget.module, budget.year)
    basic = budget_totals(budget).basic - sum((item.amount for _m, item in inputs[2]), Decimal(0))
    assert allocate(basic, *inputs)[0].basic == allocation.rows[0].basic

    measured = {
        "baseline": baseline_pdf,  # its warm-up call loads Pango (~0.3 s)
        "statement": lambda: render_statement(allocation, row),
        "zip": lambda: statements_zip(allocation),
        "allocation": lambda: budget_allocation(budget),
        "allocate": lambda: allocate(basic, *inputs),
    }
    for name, fn in measured.items():
        result, report[name] = runs(fn, RUNS[name])
        if isinstance(result, bytes):
            report[f"{name}_bytes"] = len(result)
    return report


def main() -> None:
    started = datetime.datetime.now()
    try:
        with transaction.atomic():
            report = measure()
            raise Rollback  # nothing is left behind
    except Rollback:
        pass
    report["seconds"] = round((datetime.datetime.now() - started).total_seconds(), 1)
    report["median"] = {k: statistics.median(report[k]) for k in RUNS}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
