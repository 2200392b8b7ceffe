"""`make bench`: fill PostgreSQL with 200,000 invoices, serve the portal with gunicorn on
127.0.0.1 and measure it with wrk, side by side with the Django admin changelist and a hello-world
view in the same run. Also times the totals per municipality per year on PostgreSQL and SQLite,
and the two imports, and the cost allocation (bench/allocation.py: its statement PDFs, the ZIP of
all fourteen and the split itself, on a fresh SQLite database with the reference data). Prints a
table and writes docs/benchmarks.md.

`--only traffic` fills a separate PostgreSQL database with a region's message traffic (bench/traffic_bench.py:
5 years, 14 municipalities, 40 providers, 300,000 clients, 200,000 allocations, 5,000,000 declared
performances with their returns; `--traffic-lines` etc. for a smaller run) and times the import of large
messages, each in a fresh process (time and peak RSS). It adds only that section.

`--only monitor` measures the monitor (bench/monitor_run.py) on that message-traffic database: every
monitor page with wrk beside hello world, SQL queries per page, and the 100,000-line 323, 325 and 301
imports with the monitor's figures kept in step in the import's transaction. With `--reuse` the
database is kept (filled when missing); without, it is filled and dropped at the end. It adds only
that section. A full run measures the monitor after the traffic section, on the same database.

`--only allocation` runs the cost-allocation section alone (about half a minute, needs neither
PostgreSQL nor wrk) and adds only that section to docs/benchmarks.md.

All traffic goes to 127.0.0.1 only; every wrk run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DEFAULT_PG,
    PYTHON,
    ROOT,
    bench_env,
    commit,
    django_value,
    fill,
    insert_section,
    psql,
    recreate_database,
    session_cookie,
    sh,
    start_gunicorn,
    stop,
    today,
)


def check_ok(base: str, path: str, cookie: str) -> None:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as response:
        if response.status != 200 or "/account/inloggen/" in response.url:
            raise SystemExit(f"{path} does not answer 200 for the benchmark user")


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    env = {**os.environ, "BENCH_COOKIE": cookie}
    threads = f"-t{min(2, connections)}"
    subprocess.run(
        ["wrk", threads, f"-c{connections}", "-d2s", "-s", "bench/report.lua", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )  # warm-up
    out = subprocess.run(
        ["wrk", threads, f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", "bench/report.lua", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def main() -> None:
    args = _arguments()
    base_env = bench_env()
    if args.only == "allocation":
        insert_section(args.out, allocation_report(allocation_run(base_env)))
        return
    if args.only == "traffic":
        from traffic_run import traffic_report, traffic_run

        insert_section(args.out, traffic_report(args, traffic_run(args, base_env)))
        return
    if args.only == "monitor":
        from monitor_run import monitor_report, monitor_run

        insert_section(args.out, monitor_report(args, monitor_run(args, base_env)))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    pg_env = {**base_env, "DATABASE_URL": args.pg}
    sqlite_path = Path("/tmp/portal-bench.sqlite3")
    sqlite_env = {**base_env, "DATABASE_URL": f"sqlite:///{sqlite_path}"}
    _fill_databases(args, pg_env, sqlite_env, sqlite_path)

    print("In-process measurements…")
    pg = json.loads(sh(PYTHON, "bench/inprocess.py", env={**pg_env, "BENCH_QUERIES": "1"}, capture=True))
    lite = json.loads(sh(PYTHON, "bench/inprocess.py", env=sqlite_env, capture=True))
    allocation = allocation_run(base_env)

    results = _serve_and_measure(args, pg_env)
    from monitor_run import monitor_report, monitor_run
    from traffic_run import traffic_report, traffic_run

    traffic = traffic_report(args, traffic_run(args, base_env, keep=True))
    monitor = monitor_report(args, monitor_run(args, base_env, filled=True))  # drops it unless --reuse
    insert_section(
        args.out,
        contracts_report(args, results, pg, lite)
        + "\n"
        + allocation_report(allocation)
        + "\n"
        + traffic
        + "\n"
        + monitor,
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep the databases of an earlier run")
    parser.add_argument("--out", default="docs/benchmarks.md")
    parser.add_argument(
        "--only",
        choices=["allocation", "traffic", "monitor"],
        help="run one section alone: allocation (the cost allocation, no wrk), traffic (message traffic, no wrk), "
        "monitor (the monitor's pages and imports on the message-traffic database)",
    )
    parser.add_argument("--traffic-pg", default=DEFAULT_PG.rsplit("/", 1)[0] + "/bench_traffic")
    parser.add_argument("--traffic-lines", type=int, default=5_000_000, help="declared performances (InvoiceLine)")
    parser.add_argument("--traffic-allocations", type=int, default=200_000)
    parser.add_argument("--traffic-clients", type=int, default=300_000)
    parser.add_argument("--traffic-years", type=int, default=5)
    parser.add_argument("--traffic-import-sizes", default="10000,100000", help="lines of the timed messages")
    parser.add_argument("--monitor-import-lines", type=int, default=100_000, help="lines of the monitor's imports")
    return parser.parse_args()


def _fill_databases(args, pg_env: dict, sqlite_env: dict, sqlite_path: Path) -> None:
    print(f"Filling the databases with {args.invoices:,} invoices…")
    if not args.reuse:
        recreate_database(args.pg)
        fill(pg_env, args.invoices, "PostgreSQL")
        psql(args.pg, "VACUUM ANALYZE")
        sqlite_path.unlink(missing_ok=True)
        fill(sqlite_env, args.invoices, "SQLite")
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=pg_env)


def _serve_and_measure(args, pg_env: dict) -> dict:
    """wrk against each page, served by gunicorn on the PostgreSQL database."""
    print(f"Serving with gunicorn ({args.workers} workers) on 127.0.0.1:{args.port}…")
    server = start_gunicorn(pg_env, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        staff = session_cookie(base, "medewerker")
        manager = session_cookie(base, "leidinggevende")
        weert = _first_municipality_with_invoices(pg_env)
        contract = _busiest_contract(pg_env)
        pages = [
            ("invoice list, page 1", "/facturen/", staff),
            ("invoice list, filtered", f"/facturen/?status=paid&municipality={weert}&sort=-amount", staff),
            ("invoice list, page 4001 (offset 100,000)", "/facturen/?page=4001", staff),
            ("contract list", "/contracten/", staff),
            ("contract detail", f"/contracten/{contract}/", staff),
            ("staff home", "/", staff),
            ("admin changelist (invoices)", "/beheer/contracts/invoice/", manager),
            ("hello world", "/bench/hello/", ""),
        ]
        return _measure_pages(base, pages, args)
    finally:
        stop(server)


def _measure_pages(base: str, pages: list[tuple[str, str, str]], args) -> dict:
    results = {}
    for label, path, cookie in pages:
        check_ok(base, path, cookie)
        results[label] = wrk(base + path, cookie, args.seconds, args.connections)
        r = results[label]
        print(
            f"  {label:<42} {r['rps']:8.1f} req/s  p50 {r['p50_us'] / 1000:7.1f} ms  "
            f"p95 {r['p95_us'] / 1000:7.1f} ms  errors {r['errors']}"
        )
    return results


def _first_municipality_with_invoices(env: dict) -> str:
    return django_value(
        env,
        "from contracts.models import Invoice; "
        "print(Invoice.objects.values_list('municipality_id', flat=True).first())",
    )


def _busiest_contract(env: dict) -> str:
    return django_value(
        env,
        "from contracts.models import Contract; from django.db.models import Count; "
        "print(Contract.objects.annotate(n=Count('invoices')).order_by('-n').first().pk)",
    )


def contracts_report(args, results: dict, pg: dict, lite: dict) -> str:
    revision = commit()
    cpu = platform.processor() or platform.machine()
    first = results["invoice list, page 1"]
    deep = results["invoice list, page 4001 (offset 100,000)"]
    admin = results["admin changelist (invoices)"]
    hello = results["hello world"]
    queries = pg["queries"]
    query_key = {
        "invoice list, page 1": "invoice list, page 1",
        "invoice list, filtered": "invoice list, filtered",
        "invoice list, page 4001 (offset 100,000)": "invoice list, page 4001",
        "contract list": "contract list",
        "contract detail": "contract detail",
        "staff home": "staff home",
        "admin changelist (invoices)": "admin changelist",
    }
    lines = [
        f"## Contracts and invoices — {today()}, commit {revision}",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, PostgreSQL (local service), "
        f"gunicorn {args.workers} sync workers, wrk 2 threads × {args.connections} connections, {args.seconds} s per "
        f"page after a 2 s warm-up, all on 127.0.0.1. Data: {pg['invoices']:,} invoices, {pg['providers']} providers, "
        "120 contracts (the demo generator).",
        "",
        "| page | requests/s | p50 ms | p95 ms | errors | SQL queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in results.items():
        q = queries.get(query_key.get(label, ""), "–")
        lines.append(
            f"| {label} | {r['rps']:.1f} | {r['p50_us'] / 1000:.1f} | {r['p95_us'] / 1000:.1f} | {r['errors']} | {q} |"
        )
    lines += [
        "",
        "Ratios, measured side by side in this run:",
        "",
        f"- invoice list ÷ admin changelist: **{first['rps'] / admin['rps']:.1f}×** (target ≥ 3×)",
        f"- invoice list ÷ hello world: **{100 * first['rps'] / hello['rps']:.1f} %** (target ≥ 2 %)",
        f"- deep page (offset 100,000) p50 ÷ page 1 p50: **{deep['p50_us'] / first['p50_us']:.2f}** (target ≤ 2)",
        "",
        "In-process timings (median of 5 after a warm-up):",
        "",
        "| measurement | PostgreSQL | SQLite |",
        "| --- | ---: | ---: |",
        f"| totals per municipality per year, all {pg['totals_rows']} (kept totals, as the portal reads them) | "
        f"{pg['totals_per_municipality_year_ms']} ms | {lite['totals_per_municipality_year_ms']} ms |",
        f"| the same, recomputed from all invoices (check and rebuild) | {pg['totals_recomputed_ms']} ms | "
        f"{lite['totals_recomputed_ms']} ms |",
        f"| total of one municipality in one year | {pg['total_one_municipality_one_year_ms']} ms | "
        f"{lite['total_one_municipality_one_year_ms']} ms |",
        f"| import of a 10,000-line CSV (checked, saved, rolled back) | {pg['csv_10000_lines_s']} s | – |",
        f"| import of a 323 message with 1,000 lines | {pg['msg323_1000_lines_s']} s | – |",
        "",
    ]
    return "\n".join(lines)


# --- The cost allocation ------------------------------------------------------------------------

# What bench/allocation.py measures: its key, the label, and the target for the median (seconds, text).
ALLOCATION_ROWS = [
    ("baseline", "WeasyPrint, a one-line HTML document (the floor of any PDF)", None, "–"),
    ("statement", "statement PDF of one municipality (`render_statement`)", 0.5, "< 0.5 s"),
    ("zip", "ZIP of all 14 statements (`statements_zip`)", 5.0, "< 5 s"),
    ("allocation", "the allocation from the database (`budget_allocation`)", 0.05, "< 50 ms"),
    ("allocate", "the split in memory, no database (`allocate`)", None, "–"),
]
VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def allocation_run(base_env: dict) -> dict:
    """bench/allocation.py on a fresh SQLite database with the reference data only."""
    print("Cost allocation (fresh SQLite database, reference data, a budget with 200 lines)…")
    with tempfile.TemporaryDirectory(prefix="portal-bench-allocation-") as folder:
        env = {**base_env, "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3"}
        sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
        sh(PYTHON, "manage.py", "load_demo", "--reference-only", "-v0", env=env, capture=True)
        return json.loads(sh(PYTHON, "bench/allocation.py", env=env, capture=True).strip().splitlines()[-1])


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.3f} ms"


def allocation_report(data: dict) -> str:
    floor = statistics.median(data["baseline"])
    vendor = VENDORS.get(data["vendor"], data["vendor"])
    lines = [
        f"## Cost allocation — {today()}, commit {commit()}",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, WeasyPrint {data['weasyprint']}"
        f"{' with' if data['harfbuzz_subset'] else ', without'} libharfbuzz-subset. In one process on a fresh "
        f"{vendor} database with the reference data (`load_demo --reference-only`): a draft budget of "
        f"module 1 for {data['year']} with {data['lines']} lines ({data['personnel_lines']} personnel, "
        f"{data['lines'] - data['personnel_lines'] - data['plus_lines']} other costs, {data['plus_lines']} "
        f"plus-package lines) and {data['participants']} participants. Each measurement after one warm-up "
        "call; the ratio is the median over the median of the WeasyPrint floor in the same run.",
        "",
        "| measurement | runs | median | min | max | ÷ floor | target (median) | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, label, target, target_text in ALLOCATION_ROWS:
        times = data[key]
        median = statistics.median(times)
        if key == "allocation":
            label += f", {data['allocation_queries']} SQL queries"
        verdict = "–" if target is None else "pass" if median < target else "**fail**"
        lines.append(
            f"| {label} | {len(times)} | {_duration(median)} | {_duration(min(times))} | {_duration(max(times))} "
            f"| {median / floor:.3g}× | {target_text} | {verdict} |"
        )
    zip_median = statistics.median(data["zip"])
    lines += [
        "",
        f"The statement is of {data['statement_of']} ({data['statement_bytes'] / 1000:.0f} kB); in the ZIP "
        f"({data['zip_bytes'] / 1000:.0f} kB) one statement takes {_duration(zip_median / data['participants'])} "
        f"({zip_median / data['participants'] / floor:.3g}× the floor).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
