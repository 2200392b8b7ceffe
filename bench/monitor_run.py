"""The monitor section of `make bench` (bench/run.py, `--only monitor`): on the message-traffic database
(bench/traffic_bench.py, 5,000,000 declared lines, the monitor's figures recounted at the end of the fill)
it serves the portal with gunicorn and measures every monitor page with wrk, side by side with the
hello-world view in the same run, counts the SQL queries per page (bench/monitor_bench.py), and times
the 100,000-line JW323, its JW325 and a JW301 with the monitor's figures kept in step in the import's
transaction, each also without that upkeep (rolled back) for comparison."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import urllib.request
from pathlib import Path

from common import (
    PYTHON,
    commit,
    database_exists,
    psql,
    session_cookie,
    sh,
    start_gunicorn,
    stop,
    today,
)
from traffic_run import PSEUDONYM_KEY, fill_record, traffic_fill

TARGET_MS = 150
PLANS = Path(tempfile.gettempdir()) / "portal-bench-monitor-plans.txt"
RAW = Path(tempfile.gettempdir()) / "portal-bench-monitor.json"


def _json(env: dict, script: str, *args: str) -> dict:
    return json.loads(sh(PYTHON, script, *args, env=env, capture=True).strip().splitlines()[-1])


def _fill(args, env: dict, filled: bool) -> dict | None:
    """The traffic database: reused when just ``filled`` (by the traffic section) or with --reuse
    when it exists (its figures recounted once if the fill that made it predates the monitor),
    filled otherwise."""
    if not (filled or (args.reuse and database_exists(args.traffic_pg))):
        return traffic_fill(args, env)
    record = fill_record(args.traffic_pg)
    fill = json.loads(record.read_text()) if record.exists() else {}
    if "monitor_rebuild_s" not in fill:
        print("  the monitor's figures recounted from every line…")
        fill.update(_json(env, "bench/traffic_bench.py", "rebuild"))
        psql(args.traffic_pg, "VACUUM ANALYZE monitor_monthfigure, monitor_clientyear")
        record.write_text(json.dumps(fill))
    return fill


def pages(t: dict) -> list[tuple[str, str, str]]:
    """(label, user, path) of the measured pages; ``t`` from `monitor_bench.py targets`."""
    year, (big, small), staff, contact = t["year"], t["providers"], "medewerker", t["contact"]
    return [
        (f"overview {year}", staff, f"/monitor/?year={year}"),
        ("overview, default year (no figures yet)", staff, "/monitor/"),
        ("provider, largest", staff, f"/monitor/aanbieder/{big}/?year={year}"),
        ("provider, ~10× smaller", staff, f"/monitor/aanbieder/{small}/?year={year}"),
        ("municipality, largest", staff, f"/monitor/gemeente/{t['municipality']}/?year={year}"),
        ("signals", staff, f"/monitor/signalen/?year={year}"),
        ("overview, segment + provider", staff, f"/monitor/?year={year}&segment={t['segment']}&provider={big}"),
        ("lines, provider", staff, f"/monitor/regels/?year={year}&provider={big}"),
        ("lines, provider, above tariff", staff, f"/monitor/regels/?year={year}&provider={big}&kind=above_tariff"),
        ("contact: overview (suppressed)", contact, f"/monitor/?year={year}"),
        ("contact: own municipality", contact, f"/monitor/gemeente/{t['contact_municipality']}/?year={year}"),
    ]


def second_provider(t: dict) -> list[tuple[str, str, str]]:
    """The provider-dependent pages again for the smaller provider: the query count must not change."""
    year, small, segment = t["year"], t["providers"][1], t["segment"]
    return [
        ("overview, segment + provider [2]", "medewerker", f"/monitor/?year={year}&segment={segment}&provider={small}"),
        ("lines, provider [2]", "medewerker", f"/monitor/regels/?year={year}&provider={small}"),
        (
            "lines, provider, above tariff [2]",
            "medewerker",
            f"/monitor/regels/?year={year}&provider={small}&kind=above_tariff",
        ),
    ]


def _queries(env: dict, measured: list[tuple[str, str, str]]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([list(p) for p in measured], f)
    try:
        return _json(env, "bench/monitor_bench.py", "queries", f.name, str(PLANS))
    finally:
        os.unlink(f.name)


def _drain(base: str, seconds: int = 120) -> None:
    """Wait until the workers are idle: a slow page leaves requests queued after wrk stops, and the
    next measurement would wait for them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        urllib.request.urlopen(f"{base}/bench/hello/", timeout=seconds).read()
        if time.monotonic() - start < 0.05:
            return
        time.sleep(0.5)


def _serve_and_measure(args, env: dict, measured: list[tuple[str, str, str]]) -> dict:
    """wrk against each page and hello world: with the bench's connections, then with one, each
    after the workers are idle again."""
    from run import check_ok, wrk

    server = start_gunicorn(env, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        cookies = {user: session_cookie(base, user) for user in sorted({u for _l, u, _p in measured})}
        out = {}
        for label, user, path in [*measured, ("hello world", "", "/bench/hello/")]:
            cookie = cookies.get(user, "")
            check_ok(base, path, cookie)
            _drain(base)
            r = wrk(base + path, cookie, args.seconds, args.connections)
            _drain(base)
            one = wrk(base + path, cookie, max(3, args.seconds // 2), 1)
            out[label] = {**r, "single": one}
            print(
                f"  {label:<42} {r['rps']:7.1f} req/s  p50 {_ms(r)} ms  p99 {_ms(r, 'p99_us')} ms  "
                f"errors {r['errors']}  (1 connection: p50 {_ms(one)} ms)"
            )
        return out
    finally:
        stop(server)


def _variant(env: dict, kind: str, path: Path, made: dict, *, monitor: bool) -> dict:
    extra = ["--traffic"] if kind == "323" else []
    if not monitor:
        extra += ["--no-monitor", "--rollback"]
    run = _json(env, "bench/traffic_bench.py", "import", kind, str(path), *extra)
    run["lines"] = made["lines"]
    state = "saved" if run["ok"] else "refused: " + "; ".join(run["problems"])
    how = "with the monitor, committed" if monitor else "without the monitor, rolled back"
    print(f"  {kind} with {made['lines']:,} lines ({how}): {run['seconds']} s, peak RSS {run['peak_mb']} MB, {state}")
    return run


def imports(args, env: dict) -> list[dict]:
    """The 323, its 325 and a 301 of args.monitor_import_lines each: without the monitor's upkeep
    (rolled back, so the same file is then imported for real), then with it (committed)."""
    size, runs = str(args.monitor_import_lines), []
    with tempfile.TemporaryDirectory(prefix="portal-bench-monitor-") as folder:
        declaration = Path(folder) / "jw323.xml"
        made = _json(env, "bench/traffic_bench.py", "file323", str(declaration), "--lines", size)
        runs += [_variant(env, "323", declaration, made, monitor=m) for m in (False, True)]
        answer = Path(folder) / "jw325.xml"
        made = _json(env, "bench/traffic_bench.py", "file325", str(answer), str(declaration))
        runs += [_variant(env, "325", answer, made, monitor=m) for m in (False, True)]
        allocations = Path(folder) / "jw301.xml"
        made = _json(env, "bench/traffic_bench.py", "file301", str(allocations), "--lines", size)
        runs += [_variant(env, "301", allocations, made, monitor=m) for m in (False, True)]
    return runs


def monitor_run(args, base_env: dict, *, filled: bool = False) -> dict:
    env = {**base_env, "DATABASE_URL": args.traffic_pg, "CLIENT_PSEUDONYM_KEY": PSEUDONYM_KEY}
    print(f"Monitor on {args.traffic_pg.rsplit('/', 1)[1]} ({args.traffic_lines:,} declared lines)…")
    load_before = os.getloadavg()
    fill = _fill(args, env, filled)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    targets = _json(env, "bench/monitor_bench.py", "targets")
    measured = pages(targets)
    print("  SQL queries per page (in process)…")
    queries = _queries(env, measured + second_provider(targets))
    print(f"  wrk, gunicorn {args.workers} sync workers…")
    results = _serve_and_measure(args, env, measured)
    print("  imports…")
    runs = imports(args, env)
    check = _json(env, "bench/monitor_bench.py", "check")
    load_after = os.getloadavg()
    if not args.reuse:
        admin_url, name = args.traffic_pg.rsplit("/", 1)
        psql(admin_url + "/postgres", f"DROP DATABASE IF EXISTS {name}")
    data = {
        "fill": fill,
        "targets": targets,
        "pages": [[label, path] for label, _u, path in measured],
        "queries": queries,
        "results": results,
        "imports": runs,
        "check": check,
        "load": [round(load_before[0], 1), round(load_after[0], 1)],
        "dirty": [line[3:] for line in sh("git", "status", "--porcelain", "-uno", capture=True).splitlines()],
    }
    RAW.write_text(json.dumps(data))  # everything measured, for a closer look
    return data


def _ms(r: dict, key: str = "p50_us") -> str:
    """A latency from a wrk result; with fewer than 5 requests, how many there were."""
    value = f"{r[key] / 1000:.1f}" if r["requests"] else "–"
    return value + (f" ({r['requests']} requests)" if r["requests"] < 5 else "")


def _page_rows(data: dict) -> list[str]:
    rows = []
    for label, path in [*data["pages"], ["hello world", "/bench/hello/"]]:
        r, q = data["results"][label], data["queries"].get(label)
        slow = not r["requests"] or r["p50_us"] / 1000 >= TARGET_MS
        over = " **over**" if label != "hello world" and slow else ""
        cells = [f"{q['queries']} / {q['warm_queries']}", q["cold_ms"], q["warm_ms"], q["sql_ms"]] if q else ["–"] * 4
        rows.append(
            f"| {label} (`{path}`) | {r['rps']:.1f} | {_ms(r)}{over} | {_ms(r, 'p99_us')} | {r['errors']} "
            f"| {_ms(r['single'])} | {' | '.join(map(str, cells))} |"
        )
    return rows


def _constancy(data: dict) -> str:
    q = data["queries"]
    pairs = [
        ("provider page", "provider, largest", "provider, ~10× smaller"),
        ("overview, segment + provider", "overview, segment + provider", "overview, segment + provider [2]"),
        ("lines, provider", "lines, provider", "lines, provider [2]"),
        ("lines above tariff", "lines, provider, above tariff", "lines, provider, above tariff [2]"),
    ]
    parts = [f"{name} {q[a]['queries']} / {q[b]['queries']}" for name, a, b in pairs]
    return "; ".join(parts)


def _import_rows(data: dict) -> list[str]:
    rows = []
    for run in data["imports"]:
        how = "with the monitor's upkeep, committed" if run["monitor"] else "without it, rolled back"
        result = "saved" if run["ok"] else "refused: " + "; ".join(run["problems"])
        rows.append(
            f"| JW{run['kind']} | {run['lines']:,} | {run['bytes'] / 1e6:.1f} MB | {how} | {result} | "
            f"{run['seconds']} | {run['peak_mb']:.0f} MB |"
        )
    return rows


def monitor_report(args, data: dict) -> str:
    t, fill, check = data["targets"], data["fill"] or {}, data["check"]
    hello = data["results"]["hello world"]
    dirty = ", ".join(f"`{path}`" for path in data["dirty"])
    state = f"commit {commit()}" + (f" with uncommitted changes to {dirty}" if dirty else "")
    rebuild = fill.get("monitor_rebuild_s", "–")
    lines = [
        f"## Monitor — {today()}, {state}",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, PostgreSQL (local service), shared with other work (1-minute load "
        f"average {data['load'][0]} before, {data['load'][1]} after). gunicorn {args.workers} sync workers, "
        f"wrk 2 threads × {args.connections} connections for {args.seconds} s per page after a 2 s warm-up, "
        f"then 1 connection for {max(3, args.seconds // 2)} s, all on 127.0.0.1, hello world in the same run. "
        f"Data: the message-traffic fill (`bench/traffic_bench.py fill`), {t['lines']:,} declared lines; "
        f"the monitor's figures {t['monthfigure_rows']:,} MonthFigure rows ({t['monthfigure_rows_year']:,} in "
        f"{t['year']}) and {t['clientyear_rows']:,} ClientYear rows ({t['clientyear_rows_year']:,} in {t['year']}), "
        f"recounted once at the end of the fill by `monitor.figures.rebuild()` in {rebuild} s. Year {t['year']}; "
        f"the largest provider has {t['provider_lines'][0]:,} lines in it, the smaller {t['provider_lines'][1]:,}.",
        "",
        "| page | req/s | p50 ms | p99 ms | errors | p50 ms, 1 connection | SQL queries cold / warm "
        "| in process cold ms | warm ms | SQL ms cold |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *_page_rows(data),
        "",
        f"Target: p50 under {TARGET_MS} ms with {args.connections} connections. Hello world in the same run: "
        f"{hello['rps']:.0f} req/s, p50 {_ms(hello)} ms. wrk asks for the same URL again and again, "
        "so it measures each worker's cache warm. In process (Django's test client, `bench/monitor_bench.py "
        "queries`): SQL queries with every cache emptied (cold) and right after the same request (warm), the "
        "request's wall time (median of 3) cold and warm, and the summed SQL time cold. Queries (cold) of the "
        f"same pages for the largest and a ~10× smaller provider: {_constancy(data)}.",
        "",
        "Imports, each in a fresh process (`bench/traffic_bench.py import`; the 323 through "
        "`traffic.imports.import_message`), first without the monitor's upkeep (its receivers "
        "disconnected, rolled back after the clock stopped), then as the portal runs it (committed):",
        "",
        "| message | lines | file | how | result | seconds | peak RSS |",
        "| --- | ---: | ---: | --- | --- | ---: | ---: |",
        *_import_rows(data),
        "",
        f"After the imports the stored figures of the imported declaration's municipality and contract "
        f"({check['lines_in_pair']:,} lines) agree with a recount of its lines: "
        f"{check['month_differences']} MonthFigure and {check['client_differences']} ClientYear rows differ.",
        "",
    ]
    return "\n".join(lines)
