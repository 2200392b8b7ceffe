"""`make loadtest`: a realistic mix of users against gunicorn on PostgreSQL with 200,000 invoices.

Reuses the database of `make bench` (`portal_bench`) when it is filled, or fills it
(`--refill` always does). Serves the portal as in production (DEBUG off, static files by
WhiteNoise) with gunicorn on 127.0.0.1 and runs locust headless on 127.0.0.1 for a fixed time
with fixed numbers of users (bench/locustfile.py): 40 staff, 5 board members, 14 municipality
contacts, 2–8 s of think time each.

Nothing may be lost: the number and the sum of all invoices are read before and after, and must
differ by exactly what locust registered (to the cent); the run's invoices must be in the database
with the amounts posted and the statuses the steps left them in. Writes a dated section to
docs/benchmarks.md and exits non-zero on any error or mismatch.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DEFAULT_PG,
    PYTHON,
    ROOT,
    bench_env,
    commit,
    database_exists,
    fill,
    insert_section,
    login_cookies,
    machine,
    psql,
    psql_value,
    recreate_database,
    sh,
    start_gunicorn,
    stop,
    today,
)

PAGE_P95_MS = 300
PDF_P95_MS = 1500


def invoice_count(pg: str) -> int:
    try:
        return int(psql_value(pg, "SELECT count(*) FROM contracts_invoice"))
    except subprocess.CalledProcessError:  # no such table yet
        return 0


def ledger(pg: str, where: str = "TRUE") -> tuple[int, Decimal]:
    sql = f"SELECT count(*), coalesce(sum(amount), 0) FROM contracts_invoice WHERE {where}"
    count, total = psql_value(pg, sql).split("|")
    return int(count), Decimal(total)


def run_locust(host: str, users: int, seconds: int, plan: Path, result: Path, prefix: Path, run_id: str) -> None:
    env = {**os.environ, "LOAD_PLAN": str(plan), "LOAD_RESULT": str(result), "LOAD_RUN_ID": run_id}
    subprocess.run(
        [
            PYTHON,
            "-m",
            "locust",
            "-f",
            "bench/locustfile.py",
            "--headless",
            "--host",
            host,
            "--users",
            str(users),
            "--spawn-rate",
            "10",
            "--run-time",
            f"{seconds}s",
            # Users finish the action they are in, so no registration is cut off half-way.
            "--stop-timeout",
            "30",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        check=False,  # locust exits 1 when a request failed; the checks below decide
    )


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def read_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def target(name: str) -> int | None:
    if name == "Aggregated":
        return None
    return PDF_P95_MS if "PDF" in name else PAGE_P95_MS


def check_ledger(pg: str, before: tuple[int, Decimal], result: dict, run_id: str) -> list[str]:
    """What must hold after the run; every line that does not is returned."""
    after = ledger(pg)
    registered = result["registered"]
    posted = sum((Decimal(r["amount"]) for r in registered), Decimal("0"))
    problems = []
    if after[0] != before[0] + len(registered):
        problems.append(f"count: {after[0]:,} after, expected {before[0]:,} + {len(registered)}")
    if after[1] != before[1] + posted:
        problems.append(f"sum: {after[1]} after, expected {before[1]} + {posted}")
    mine = ledger(pg, f"invoice_number LIKE 'L{run_id}-%'")
    if mine != (len(registered), posted):
        problems.append(f"this run's invoices in the database: {mine}, locust registered {len(registered)}, {posted}")
    expected = {r["pk"]: "received" for r in registered}
    expected.update({s["pk"]: s["status"] for s in result["steps"]})
    if expected:
        rows = psql_value(
            pg, f"SELECT id, status, amount FROM contracts_invoice WHERE id IN ({','.join(map(str, expected))})"
        )
        found = {int(pk): (status, Decimal(amount)) for pk, status, amount in (r.split("|") for r in rows.splitlines())}
        amounts = {r["pk"]: Decimal(r["amount"]) for r in registered}
        wrong = [pk for pk in expected if found.get(pk) != (expected[pk], amounts[pk])]
        if wrong:
            problems.append(f"{len(wrong)} invoices with another status or amount than posted, e.g. {wrong[:5]}")
    print(
        f"Ledger: before {before[0]:,} invoices, € {before[1]}; registered {len(registered)}, € {posted}; "
        f"after {after[0]:,}, € {after[1]}; steps {len(result['steps'])} — "
        + ("OK" if not problems else "MISMATCH: " + "; ".join(problems))
    )
    return problems


def log_in_everyone(base: str, plan_path: Path) -> list[float]:
    """Every load user logs in once through the login form, one after the other, before the run;
    returns the time of each login in ms (most of it is the deliberate cost of PBKDF2)."""
    plan = json.loads(plan_path.read_text())
    names = [*plan["staff"], *plan["board"], *(c["username"] for c in plan["contacts"])]
    plan["cookies"], times = {}, []
    for name in names:
        start = time.perf_counter()
        plan["cookies"][name] = login_cookies(base, name)
        times.append((time.perf_counter() - start) * 1000)
    plan_path.write_text(json.dumps(plan))
    print(f"  {len(names)} users logged in, median {statistics.median(times):.0f} ms per login")
    return times


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def server_times(access_log: Path) -> dict[str, list[float]]:
    """Time from request read to response written per request, in ms, from gunicorn's access log:
    what the server itself took, without the client's share."""
    times: dict[str, list[float]] = {"pages": [], "PDFs": [], "static files": []}
    for line in access_log.read_text().splitlines():
        path, _status, micros = line.rsplit(" ", 2)
        kind = "static files" if path.startswith("/static/") else "PDFs" if path.endswith("/pdf/") else "pages"
        times[kind].append(int(micros) / 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def alone(base: str, plan_path: Path, repeat: int = 3) -> dict[str, float]:
    """Each kind of GET request on its own, one after the other, before the run: the median wall
    time in ms of ``repeat`` requests after one warm-up, to compare with the same requests under load."""
    plan = json.loads(plan_path.read_text())
    staff, board, contact = plan["staff"][0], plan["board"][0], plan["contacts"][0]
    slug, municipality = contact["slug"], plan["municipality_ids"][0]
    requests = {
        "home (staff)": (staff, "/"),
        "invoice list, page 1": (staff, "/facturen/"),
        "invoice list, filtered": (staff, f"/facturen/?status=paid&municipality={municipality}&sort=-amount"),
        "invoice list, deep page": (staff, f"/facturen/?page={plan['invoice_pages'] // 2}"),
        "invoice detail": (staff, f"/facturen/{plan['invoice_ids'][0]}/"),
        "contract detail": (staff, f"/contracten/{plan['contract_ids'][0]}/"),
        "invoice form": (staff, "/facturen/nieuw/"),
        "home (board)": (board, "/"),
        "budget list": (board, "/begrotingen/"),
        "budget detail": (board, f"/begrotingen/{plan['budget_ids'][-1]}/"),
        "budget PDF": (board, f"/begrotingen/{plan['budget_pdf_ids'][-1]}/pdf/"),
        "home (contact)": (contact["username"], "/"),
        "municipality page": (contact["username"], f"/gemeenten/{slug}/"),
        "statement PDF": (contact["username"], f"/begrotingen/{plan['statements'][slug]}/kostenverdeling/{slug}/pdf/"),
    }
    out = {}
    for name, (user, path) in requests.items():
        cookie = "; ".join(f"{k}={v}" for k, v in plan["cookies"][user].items())
        times = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request) as response:
                response.read()
                if response.status != 200 or "/account/inloggen/" in response.url:
                    raise SystemExit(f"{path} does not answer 200 for {user}")
            times.append((time.perf_counter() - start) * 1000)
        out[name] = statistics.median(times[1:])
    return out


def report(args, stats: list[dict], failures: list[dict], result: dict, before, problems, facts: dict) -> str:
    lines = _report_intro(args, before, facts) + _report_table(stats, facts)
    lines += _report_outcome(args, failures, result, problems, facts)
    return "\n".join(lines)


def _report_intro(args, before, facts: dict) -> list[str]:
    load, login_ms = facts["load"], facts["login_ms"]
    return [
        f"## Load test — {today()}, commit {commit()}",
        "",
        f"`make loadtest`. Machine: {machine()}, shared with other sessions during the run (1-minute load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after). PostgreSQL (local service) with {before[0]:,} invoices; "
        f"gunicorn {server_text(args)}, DEBUG off, static files by WhiteNoise; "
        f"locust {locust_version()} headless in one process on the same machine, all on 127.0.0.1. "
        f"{args.seconds} s, 59 users (40 staff, 5 board members, 14 municipality contacts, each its own login), "
        "10 started per second, 2–8 s of think time between actions. Percentiles as locust records them "
        "(rounded to 2 significant digits above 100 ms). Before the run every user logged in once through the "
        f"login form, one after the other, not timed by locust: median {statistics.median(login_ms):.0f} ms, "
        f"max {max(login_ms):.0f} ms per login (PBKDF2 with Django's 1,000,000 iterations is slow on purpose).",
        "",
        "The column *alone* is the same kind of request measured on its own, one after the other, on the same "
        "server just before the run (median of 3 after a warm-up).",
        "",
        "| request | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | alone ms | target p95 | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]


def _report_table(stats: list[dict], facts: dict) -> list[str]:
    lines = []
    for row in stats:
        name = row["Name"]
        limit = target(name)
        p95 = float(row["95%"])
        verdict = "–" if limit is None else "pass" if p95 < limit and row["Failure Count"] == "0" else "**fail**"
        label = "**all requests**" if name == "Aggregated" else name
        solo = f"{facts['alone'][name]:.0f}" if name in facts["alone"] else "–"
        lines.append(
            f"| {label} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Max Response Time']):.0f} | {row['Failure Count']} | "
            f"{solo} | {'–' if limit is None else f'< {limit}'} | {verdict} |"
        )
    return lines


def _report_outcome(args, failures: list[dict], result: dict, problems, facts: dict) -> list[str]:
    registered = result["registered"]
    posted = sum((Decimal(r["amount"]) for r in registered), Decimal("0"))
    checked = sum(1 for s in result["steps"] if s["status"] == "checked")
    seconds = args.seconds
    lines = [
        "",
        f"CPU during the {seconds} s: gunicorn (all workers) {facts['server_cpu']:.0f} s "
        f"({facts['server_cpu'] / seconds:.2f} cores on average), locust {facts['locust_cpu']:.0f} s. "
        "Server-side time per request (gunicorn's access log, from request read to response written): "
        + ", ".join(
            f"{kind} p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms"
            for kind, times in facts["server_times"].items()
            if times
        )
        + ".",
        "",
        f"Nothing lost: {len(registered)} invoices registered through the form (€ {posted}), {checked} checked and "
        f"{len(result['steps']) - checked} approved by a colleague; "
        + (
            "count and sum of all invoices moved by exactly that, and every one is in the database with the "
            "amount posted and its status — **OK**."
            if not problems
            else "**MISMATCH**: " + "; ".join(problems) + "."
        ),
        "",
    ]
    if failures:
        lines += ["Errors:", ""]
        lines += [f"- {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}" for f in failures]
        lines.append("")
    return lines


def server_text(args) -> str:
    if args.worker_class == "sync":
        return f"{args.workers} sync workers"
    alive = f"keep-alive {args.keep_alive} s" if args.keep_alive else "no keep-alive"
    return f"{args.workers} gthread workers × {args.threads} threads, {alive}"


def locust_version() -> str:
    return sh(PYTHON, "-c", "import locust; print(locust.__version__)", capture=True).strip()


def main() -> None:
    args = _arguments()
    env = bench_env(DATABASE_URL=args.pg)
    _prepare_database(args, env)
    with tempfile.TemporaryDirectory(prefix="portal-loadtest-") as folder:
        before, run_id, facts, result, stats, failures = _run(args, env, Path(folder))
    problems = check_ledger(args.pg, before, result, run_id)
    text = report(args, stats, failures, result, before, problems, facts)
    errors = sum(int(row["Failure Count"]) for row in stats if row["Name"] == "Aggregated")
    if args.no_write:
        print("\n" + text)
    else:
        insert_section(args.out, text)
    if errors or problems:
        raise SystemExit(f"load test failed: {errors} errors, {len(problems)} ledger mismatches")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--refill", action="store_true", help="fill the database again even if it is filled")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--keep-alive", type=int, default=0, help="gunicorn's keep-alive in seconds (0: close)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--out", default="docs/benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not add them to --out")
    return parser.parse_args()


def _prepare_database(args, env: dict) -> None:
    if args.refill or not database_exists(args.pg) or invoice_count(args.pg) < args.invoices:
        print(f"Filling {args.pg} with {args.invoices:,} invoices (a few minutes)…")
        recreate_database(args.pg)
        fill(env, args.invoices, "PostgreSQL")
        psql(args.pg, "VACUUM ANALYZE")
    else:
        print(f"Reusing {args.pg} ({invoice_count(args.pg):,} invoices; --refill fills it again)")
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)


def _run(args, env: dict, folder: Path) -> tuple:
    """Log everyone in, time each request alone, then the locust run; what the report needs."""
    plan = folder / "plan.json"
    plan.write_text(sh(PYTHON, "bench/loadsetup.py", env=env, capture=True))
    users = sum(len(v) for k, v in json.loads(plan.read_text()).items() if k in ("staff", "board", "contacts"))
    result_path, prefix = folder / "result.json", folder / "locust"
    access_log = folder / "access.log"
    run_id = time.strftime("%y%m%d%H%M%S")
    before = ledger(args.pg)
    print(f"Serving with gunicorn ({server_text(args)}) on 127.0.0.1…")
    server = _start_server(args, env, access_log)
    facts: dict = {}
    try:
        facts["login_ms"] = log_in_everyone(f"http://127.0.0.1:{args.port}", plan)
        facts["alone"] = alone(f"http://127.0.0.1:{args.port}", plan)
        access_log.write_text("")  # only the requests of the run
        load_before, server_cpu, locust_cpu = os.getloadavg()[0], tree_cpu(server.pid), os.times()
        print(f"locust: {users} users for {args.seconds} s…")
        run_locust(f"http://127.0.0.1:{args.port}", users, args.seconds, plan, result_path, prefix, run_id)
        facts["server_cpu"] = tree_cpu(server.pid) - server_cpu
        facts["locust_cpu"] = sum(os.times()[2:4]) - sum(locust_cpu[2:4])
        facts["load"] = (load_before, os.getloadavg()[0])
    finally:
        stop(server)
    facts["server_times"] = server_times(access_log)
    result = json.loads(result_path.read_text())
    stats, failures = read_stats(prefix), read_failures(prefix)
    return before, run_id, facts, result, stats, failures


def _start_server(args, env: dict, access_log: Path):
    # No keep-alive by default, as behind nginx (HTTP/1.0 to the upstream unless configured):
    # a kept connection stays with its worker, and while that worker renders a PDF (holding
    # the GIL) the pages asked on it wait; new connections go to a free worker. A short
    # keep-alive (gunicorn's 2 s) also races the think time: the server closes an idle
    # connection just as locust reuses it, and the request fails without reaching Django.
    return start_gunicorn(
        env,
        args.port,
        args.workers,
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads if args.worker_class == "gthread" else 1),
        "--timeout",
        "30",
        "--keep-alive",
        str(args.keep_alive),
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(U)s %(s)s %(D)s",
    )


if __name__ == "__main__":
    main()
