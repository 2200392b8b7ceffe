"""`manage.py backup` and `manage.py restore`, run for real: the demo data in a temporary SQLite
file (and a fresh PostgreSQL database when one is reachable) is backed up, restored into an
empty database, and every table's row count and decimal sums and every upload are compared."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from ops.backup import database_tables, summarise

ROOT = Path(settings.BASE_DIR)
PG_SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def manage(*args: str, env: dict[str, str], stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdin=stdin, capture_output=True, text=True
    )


def environment(database_url: str, uploads: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PRIVATE_MEDIA_ROOT"}}
    return env | {"DEBUG": "1", "DATABASE_URL": database_url, "PRIVATE_MEDIA_ROOT": str(uploads)}


def uploads(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _pg_admin():
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG_SERVER)
    connection.autocommit = True
    return connection


def _postgres_reachable() -> bool:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return True
    try:
        _pg_admin().close()
    except Exception:  # no server here: the SQLite round trip still runs
        return False
    return True


class Databases:
    """Where the source and the restored copy live, and how to read them directly."""

    def __init__(self, vendor: str, tmp_path: Path) -> None:
        self.vendor, self.tmp_path, self.created = vendor, tmp_path, []

    def url(self, role: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.tmp_path / f'{role}.sqlite3'}"
        name = f"portal_bk_{role}_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin()
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        self.created.append(name)
        return f"postgres://{PG_SERVER['user']}@{PG_SERVER['host']}:{PG_SERVER['port']}/{name}"

    def summary(self, url: str) -> tuple[dict, set[str]]:
        if self.vendor == "sqlite":
            connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        else:
            import psycopg2

            connection = psycopg2.connect(dbname=url.rsplit("/", 1)[1], **PG_SERVER)
        try:
            cursor = connection.cursor()
            return summarise(cursor, self.vendor), database_tables(cursor, self.vendor)
        finally:
            connection.close()

    def drop(self) -> None:
        admin = _pg_admin()
        with admin.cursor() as cursor:
            for name in self.created:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path) -> Iterator[Databases]:
    if request.param == "postgresql" and not _postgres_reachable():
        pytest.skip("no PostgreSQL server reachable on 127.0.0.1:5432")
    databases = Databases(request.param, tmp_path)
    yield databases
    if databases.created:
        databases.drop()


def test_backup_and_restore_into_an_empty_database(databases, tmp_path):
    source_files, target_files = tmp_path / "uploads", tmp_path / "restored-uploads"
    source = environment(databases.url("source"), source_files)
    for command in (["migrate", "--noinput", "-v0"], ["load_demo", "--allow-demo-users", "--invoices", "300", "-v0"]):
        done = manage(*command, env=source)
        assert done.returncode == 0, done.stderr
    # Uploads as the portal stores them: a council decision and an evidence PDF, binary content.
    (source_files / "decisions" / "2026").mkdir(parents=True)
    (source_files / "decisions" / "2026" / "besluit raad Weert.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(40_000))
    (source_files / "evidence").mkdir()
    (source_files / "evidence" / "publicatie.pdf").write_bytes(b"%PDF-1.7\n\x00\xff" + bytes(range(256)) * 10)

    made = manage("backup", "--output-dir", str(tmp_path / "backups"), env=source)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip().splitlines()[-1])
    assert archive.parent == tmp_path / "backups" and archive.name.startswith("portal-backup-")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "files/evidence/publicatie.pdf"} <= names

    target_url = databases.url("target")
    target = environment(target_url, target_files)
    refused = manage("restore", env=target)
    assert refused.returncode != 0 and "Which backup" in refused.stderr
    unconfirmed = manage("restore", str(archive), env=target)  # no terminal, no --yes: refused
    assert unconfirmed.returncode != 0 and "--yes" in unconfirmed.stderr
    assert not target_files.exists()

    restored = manage("restore", str(archive), "--yes", env=target)
    assert restored.returncode == 0, restored.stderr
    assert "match the manifest" in restored.stdout

    before, source_tables = databases.summary(source["DATABASE_URL"])
    after, target_tables = databases.summary(target_url)
    assert source_tables <= set(before), "a table escapes the comparison"
    assert target_tables == source_tables
    assert after == before
    assert before["contracts_invoice"]["rows"] == 300 and before["contracts_invoice"]["sums"]["amount"] != "0.00"
    assert sum(t["rows"] for t in before.values()) > 1000
    assert uploads(target_files) == uploads(source_files)
    assert len(uploads(target_files)) == 2


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")
    env = environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "uploads")
    done = manage("restore", str(bogus), "--yes", env=env)
    assert done.returncode != 0 and "not a portal backup" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0
