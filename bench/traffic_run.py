"""The message-traffic section of `make bench` (bench/run.py): fills its own PostgreSQL database with
bench/traffic_bench.py, then times each import in a fresh process and writes the table."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import PYTHON, ROOT, commit, psql, psql_value, recreate_database, sh, today

PSEUDONYM_KEY = "bench-pseudonym-key-0123456789abcdef"  # bench only: keys of generated test BSNs
SIZE_LIMIT = 20 * 1024 * 1024  # contracts.imports.base.MAX_BYTES


def fill_record(pg_url: str) -> Path:
    """What the fill of this database measured, for a later --reuse run."""
    return Path(tempfile.gettempdir()) / f"portal-bench-traffic-fill-{pg_url.rsplit('/', 1)[1]}.json"


def _bench(env: dict, *args: str) -> dict:
    return json.loads(sh(PYTHON, "bench/traffic_bench.py", *args, env=env, capture=True).strip().splitlines()[-1])


def traffic_fill(args, env: dict) -> dict:
    """The database from scratch: schema, reference data, users and providers, then the traffic."""
    recreate_database(args.traffic_pg)
    start = time.perf_counter()
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "load_demo", "--allow-demo-users", "--invoices", "0", "-v0", env=env, capture=True)
    setup = time.perf_counter() - start
    print(f"  schema, reference data, users, providers: {setup:.0f} s")
    sizes = ("--lines", str(args.traffic_lines), "--allocations", str(args.traffic_allocations))
    data = _bench(env, "fill", *sizes, "--clients", str(args.traffic_clients), "--years", str(args.traffic_years))
    start = time.perf_counter()
    psql(args.traffic_pg, "VACUUM ANALYZE")
    data["setup_s"] = round(setup, 1)
    data["vacuum_s"] = round(time.perf_counter() - start, 1)
    data["database_size"] = psql_value(args.traffic_pg, "SELECT pg_size_pretty(pg_database_size(current_database()))")
    fill_record(args.traffic_pg).write_text(json.dumps(data))
    return data


def traffic_run(args, base_env: dict, *, keep: bool = False) -> dict:
    """Fill (or with --reuse reuse) the database and time the imports; the database is dropped at
    the end unless --reuse or ``keep`` (the monitor's section measures it next)."""
    env = {**base_env, "DATABASE_URL": args.traffic_pg, "CLIENT_PSEUDONYM_KEY": PSEUDONYM_KEY}
    print(f"Message traffic: {args.traffic_lines:,} declared performances in {args.traffic_pg.rsplit('/', 1)[1]}…")
    if args.reuse:  # the database of an earlier run, and what its fill measured
        record = fill_record(args.traffic_pg)
        fill = json.loads(record.read_text()) if record.exists() else None
    else:
        fill = traffic_fill(args, env)
    imports = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-traffic-") as folder:
        for size in (int(n) for n in args.traffic_import_sizes.split(",")):
            path = Path(folder) / f"jw323-{size}.xml"
            made = _bench(env, "file323", str(path), "--lines", str(size), "--clients", str(args.traffic_clients))
            imports += _import_323(env, path, made)
            if _traffic_imports():
                answer = Path(folder) / f"jw325-{size}.xml"
                imports.append(_import(env, "325", answer, _bench(env, "file325", str(answer), str(path))))
                allocations = Path(folder) / f"jw301-{size}.xml"
                made = _bench(env, "file301", str(allocations), "--lines", str(size))
                imports.append(_import(env, "301", allocations, made))
    if not _traffic_imports():
        print("  no traffic.imports.import_message on this branch: the 301 and 325 are not measured")
    load = os.getloadavg()
    if not (args.reuse or keep):
        admin_url, name = args.traffic_pg.rsplit("/", 1)
        psql(admin_url + "/postgres", f"DROP DATABASE IF EXISTS {name}")
    return {"fill": fill, "imports": imports, "load": [round(x, 1) for x in load]}


def _traffic_imports() -> bool:
    return (ROOT / "traffic" / "imports.py").exists() or (ROOT / "traffic" / "imports" / "__init__.py").exists()


def _import(env: dict, kind: str, path: Path, made: dict, *extra: str) -> dict:
    run = _bench(env, "import", kind, str(path), *extra)
    run["lines"] = made["lines"]
    state = "saved" if run["ok"] else "refused: " + "; ".join(run["problems"])
    past = {"traffic": ", traffic.imports", True: ", past the size check"}.get(run["direct"], "")
    print(
        f"  {kind} with {made['lines']:,} lines ({run['bytes'] / 1e6:.1f} MB{past}): "
        f"{run['seconds']} s, peak RSS {run['peak_mb']} MB (baseline {run['baseline_mb']} MB), {state}"
    )
    return run


def _import_323(env: dict, path: Path, made: dict) -> list[dict]:
    """The import as the portal runs it; a file over the 20 MB upload limit is refused by it, so it
    is then also imported past that check (import_declaration: the same validation and saving)."""
    runs = [_import(env, "323", path, made)]
    if made["bytes"] > SIZE_LIMIT:
        runs.append(_import(env, "323", path, made, "--traffic" if _traffic_imports() else "--direct"))
    return runs


def traffic_report(args, data: dict) -> str:
    lines = [
        f"## Message traffic — {today()}, commit {commit()}",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, PostgreSQL (local service), shared with other work (load average "
        f"{' / '.join(map(str, data['load']))} at the end of the run): the timings are upper bounds.",
        "",
    ]
    fill = data["fill"]
    if fill:
        lines += _fill_lines(fill)
    lines += [
        "Imports, each in a fresh process (`python bench/traffic_bench.py import …`): wall time of the call "
        "(validate, parse, save, audit, totals), peak RSS of the process (`ru_maxrss`), and the peak above "
        "the baseline after Django's setup and above the baseline plus the message itself (the import "
        "takes the file as bytes).",
        "",
        "| message | lines | file | path | result | seconds | peak RSS | above baseline | above baseline + file |",
        "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for run in data["imports"]:
        path = "`import_declaration` (no size check)" if run["direct"] else "`import_declaration_message`"
        if run["kind"] != "323" or run["direct"] == "traffic":
            path = "`traffic.imports.import_message`"
        result = "saved" if run["ok"] else "refused: " + "; ".join(run["problems"])
        lines.append(
            f"| JW{run['kind']} | {run['lines']:,} | {run['bytes'] / 1e6:.1f} MB | {path} | {result} | "
            f"{run['seconds'] if run['seconds'] >= 0.1 else '< 0.1'} | "
            f"{run['peak_mb']:.0f} MB | {run['peak_mb'] - run['baseline_mb']:.0f} MB | "
            f"{run['peak_mb'] - run['with_file_mb']:.0f} MB |"
        )
    lines.append("")
    return "\n".join(lines)


def _fill_lines(fill: dict) -> list[str]:
    rows, timings = fill["rows"], fill["timings"]
    share = 100 * rows["traffic_returnline"] / max(1, rows["contracts_invoiceline"])
    note = f" Setup: {fill['setup_note']}." if fill.get("setup_note") else ""
    total = fill["setup_s"] + timings["total"] + fill["vacuum_s"]
    out = [
        f"Fill (`bench/traffic_bench.py fill`, seeded): {fill['years']} years from {fill['first_month']}, 14 "
        f"municipalities, {fill['providers']} providers (one youth and one Wmo contract each over the window), "
        f"{fill['clients_declared']:,} client keys in the declarations ({fill['clients_allocated']:,} with an "
        "allocation; HMAC-SHA256 keys of generated eleven-proof test BSNs, `portal.pseudonyms.client_key`), "
        "one invoice per provider × municipality × law × month that has lines, each answered by a return; "
        f"{rows['traffic_returnline']:,} lines rejected ({share:.2f} %). "
        f"Declared € {Decimal(fill['declared']):,}, granted € {Decimal(fill['granted']):,}. "
        f"Database {fill['database_size']} after the fill.{note}",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| schema, reference data, users, providers (`migrate`, `load_demo --invoices 0`) | {fill['setup_s']} |",
    ]
    out += [f"| {name} | {seconds} |" for name, seconds in timings.items() if name != "total"]
    out += [
        f"| VACUUM ANALYZE | {fill['vacuum_s']} |",
        f"| **total** | **{total:.0f}** |",
        "",
        "| table | rows |",
        "| --- | ---: |",
    ]
    out += [f"| {table} | {count:,} |" for table, count in rows.items()]
    out.append("")
    return out
