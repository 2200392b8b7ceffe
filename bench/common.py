"""Helpers shared by `make bench` (bench/run.py) and `make loadtest` (bench/loadtest.py): the
environment of a benchmark server, filling PostgreSQL with demo invoices, gunicorn on 127.0.0.1,
logging in, and writing a dated section into docs/benchmarks.md (newest first)."""

from __future__ import annotations

import datetime
import http.cookiejar
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "demo-portaal-2026"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/portal_bench"


def bench_env(**extra: str) -> dict:
    """The portal as in production (DEBUG off, WhiteNoise, manifest static files), on plain http
    on 127.0.0.1, with the bench-only hello-world view switched on."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 60,
        "HTTPS": "0",  # plain http on 127.0.0.1: no redirect, no HSTS, no Secure cookies
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "PORTAL_BENCH": "1",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def sh(*args: str, env: dict | None = None, check: bool = True, capture: bool = False) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, check=check, text=True, stdout=subprocess.PIPE if capture else None
    )
    return result.stdout or ""


def psql(url: str, sql: str) -> None:
    sh("psql", url, "-q", "-c", sql)


def psql_value(url: str, sql: str) -> str:
    """One row of a query as text: psql prints exact numerics, so sums stay exact to the cent."""
    return sh("psql", url, "-At", "-F", "|", "-c", sql, capture=True).strip()


def database_exists(pg_url: str) -> bool:
    admin_url, name = pg_url.rsplit("/", 1)
    return psql_value(admin_url + "/postgres", f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "1"


def recreate_database(pg_url: str) -> None:
    admin_url, name = pg_url.rsplit("/", 1)
    psql(admin_url + "/postgres", f"DROP DATABASE IF EXISTS {name}")
    psql(admin_url + "/postgres", f"CREATE DATABASE {name}")


def fill(env: dict, invoices: int, label: str) -> float:
    start = time.perf_counter()
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "load_demo", "--allow-demo-users", "--invoices", str(invoices), "-v0", env=env)
    seconds = time.perf_counter() - start
    print(f"  {label}: filled in {seconds:.0f} s")
    return seconds


def start_gunicorn(env: dict, port: int, workers: int, *extra: str) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 only; returns once the bench hello-world view answers."""
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *extra,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def login_cookies(base: str, username: str) -> dict[str, str]:
    """Log in through the real login form; the session and CSRF cookies of that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/account/inloggen/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    opener.open(
        urllib.request.Request(
            f"{base}/account/inloggen/", data=data.encode(), headers={"Referer": f"{base}/account/inloggen/"}
        )
    )
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"{username} cannot log in with the demo password")
    return cookies


def session_cookie(base: str, username: str) -> str:
    return "; ".join(f"{name}={value}" for name, value in login_cookies(base, username).items())


def django_value(env: dict, code: str) -> str:
    return sh(PYTHON, "manage.py", "shell", "-c", code, env=env, capture=True).strip().splitlines()[-1]


def commit() -> str:
    return sh("git", "rev-parse", "--short", "HEAD", capture=True, check=False).strip() or "?"


def machine() -> str:
    return f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python {platform.python_version()}"


def today() -> str:
    return f"{datetime.date.today():%Y-%m-%d}"


def insert_section(path: str, text: str) -> None:
    """Print ``text`` and put it at the top of the results in ``path`` (newest first)."""
    print("\n" + text)
    out = ROOT / path
    out.parent.mkdir(exist_ok=True)
    previous = out.read_text() if out.exists() else "# Benchmarks\n\nMeasured with `make bench`; newest first.\n\n"
    head, _, rest = previous.partition("\n## ")
    out.write_text(head.rstrip() + "\n\n" + text + ("\n## " + rest if rest else ""))
    print(f"Written to {path}")
