"""Backup and restore of the portal: the database and the private uploads in one .tar.gz.

The archive holds ``database.dump`` (PostgreSQL, pg_dump custom format) or ``database.sqlite3``
(an SQLite online-backup copy), ``files/`` (PRIVATE_MEDIA_ROOT: council decisions, evidence)
and ``manifest.json``: per table the row count and the sum of every decimal column, per file
its size and SHA-256. Restore checks the restored database and files against the manifest.

Both database copies are consistent while the portal keeps running: pg_dump reads the snapshot
in which the manifest is counted; SQLite's backup API copies a consistent state of the file.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT_VERSION = 1
Summary = dict[str, dict[str, Any]]


class BackupError(Exception):
    pass


# --- what the database holds -----------------------------------------------------------------


def table_columns() -> dict[str, list[tuple[str, int]]]:
    """Every table of the portal's models (m2m tables included) with its decimal columns and their
    decimal places."""
    tables: dict[str, list[tuple[str, int]]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        decimals = [
            (f.column, f.decimal_places) for f in model._meta.local_fields if isinstance(f, models.DecimalField)
        ]
        tables[model._meta.db_table] = decimals
    tables[MigrationRecorder.Migration._meta.db_table] = []  # not an app's model, but part of the state
    return tables


def summarise(cursor, vendor: str) -> Summary:
    """Row count and exact decimal sums per table, through a DB-API cursor (Django's or sqlite3's).

    SQLite keeps decimals with NUMERIC affinity, so its SUM() would be a float: there the values
    are read as text and added as Decimals."""
    summary: Summary = {}
    existing = database_tables(cursor, vendor)
    for table, decimals in sorted(table_columns().items()):
        if table not in existing:  # a model whose migration has not run: reported by check()
            continue
        quoted = f'"{table}"'
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # names come from the models, not from input
        entry: dict[str, Any] = {"rows": cursor.fetchone()[0], "sums": {}}
        for column, places in decimals:
            exponent = Decimal(1).scaleb(-places)
            if vendor == "sqlite":
                cursor.execute(f'SELECT CAST("{column}" AS TEXT) FROM {quoted} WHERE "{column}" IS NOT NULL')
                total = sum((Decimal(v).quantize(exponent) for (v,) in cursor.fetchall()), Decimal(0))
            else:
                cursor.execute(f'SELECT COALESCE(SUM("{column}"), 0) FROM {quoted}')
                total = Decimal(cursor.fetchone()[0])
            entry["sums"][column] = str(total.quantize(exponent))
        summary[table] = entry
    return summary


def database_tables(cursor, vendor: str) -> set[str]:
    """The tables that exist, to tell a table the summary would miss."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {name for (name,) in cursor.fetchall()}


def file_summary(root: Path) -> dict[str, dict[str, Any]]:
    files = {}
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            files[path.relative_to(root).as_posix()] = {
                "size": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
    return files


# --- PostgreSQL tools ------------------------------------------------------------------------


def _pg_args_and_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).") from exc
    if completed.returncode:
        raise BackupError(f"{command[0]} failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")


# --- backup ----------------------------------------------------------------------------------


def backup(output_dir: Path) -> tuple[Path, dict[str, Any]]:
    """Write a timestamped archive into output_dir; return its path and the manifest."""
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    target = output_dir / f"portal-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        work_dir = Path(work)
        if vendor == "postgresql":
            dump_name = "database.dump"
            summary = _dump_postgresql(work_dir / dump_name)
        else:
            dump_name = "database.sqlite3"
            summary = _copy_sqlite(work_dir / dump_name)
        files_root = Path(settings.PRIVATE_MEDIA_ROOT)
        manifest = {
            "format": FORMAT_VERSION,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "vendor": vendor,
            "database": dump_name,
            "tables": summary,
            "files": file_summary(files_root),
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", arcname="manifest.json")
            archive.add(work_dir / dump_name, arcname=dump_name)
            for name in manifest["files"]:
                archive.add(files_root / name, arcname=f"files/{name}")
        os.chmod(partial, 0o600)  # it holds every personal detail of the portal
        partial.rename(target)  # a half-written archive never carries the final name
    return target, manifest


def _dump_postgresql(path: Path) -> Summary:
    """pg_dump of the snapshot in which the manifest is counted, so the two agree exactly."""
    args, env = _pg_args_and_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(path), *args], env)
        return summarise(cursor, "postgresql")


def _copy_sqlite(path: Path) -> Summary:
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    copy = sqlite3.connect(path)
    try:
        with copy:
            source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file in the archive
        return summarise(copy.cursor(), "sqlite")
    finally:
        copy.close()
        source.close()


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def read_manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise BackupError(f"{archive_path} has no manifest.json; it is not a portal backup.")
            return json.loads(member.read())
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{archive_path} cannot be read ({exc}); it is not a portal backup.") from exc


def restore(archive_path: Path) -> RestoreReport:
    """Replace the configured database and the private uploads with the archive's, then check
    both against the manifest."""
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        work_dir = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(work_dir, filter="data")  # no absolute paths, links out or devices
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive_path} cannot be read: {exc}") from exc
        manifest_path = work_dir / "manifest.json"
        if not manifest_path.is_file():
            raise BackupError(f"{archive_path} has no manifest.json; it is not a portal backup.")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        if manifest["vendor"] != vendor:
            raise BackupError(
                f"The backup is of a {manifest['vendor']} database; the portal is configured for {vendor}."
            )
        dump = work_dir / manifest["database"]
        if vendor == "postgresql":
            _restore_postgresql(dump)
        else:
            _restore_sqlite(dump)
        _restore_files(work_dir / "files", Path(settings.PRIVATE_MEDIA_ROOT))
    return check(manifest)


def _restore_postgresql(dump: Path) -> None:
    args, env = _pg_args_and_env()
    connections.close_all()
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
        + [*args, str(dump)],
        env,
    )


def _restore_sqlite(dump: Path) -> None:
    connections.close_all()
    target_path = Path(settings.DATABASES["default"]["NAME"])
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path)
    try:
        # The backup API replaces every page of the target in one go, in its own transaction.
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_files(source: Path, root: Path) -> None:
    """The uploads become exactly the backup's: new files first, then the old tree is removed."""
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root.parent))
    if source.is_dir():
        shutil.copytree(source, staging, dirs_exist_ok=True)
    old = None
    if root.exists():
        old = root.with_name(f"{root.name}.before-restore")
        if old.exists():
            shutil.rmtree(old)
        root.rename(old)
    staging.rename(root)
    if old is not None:
        shutil.rmtree(old)


def check(manifest: dict[str, Any]) -> RestoreReport:
    report = RestoreReport(manifest)
    vendor = connection.vendor
    with connection.cursor() as cursor:
        current = summarise(cursor, vendor)
    expected: Summary = manifest["tables"]
    for table in sorted(set(expected) | set(current)):
        want, have = expected.get(table), current.get(table)
        if want is None or have is None:
            report.mismatches.append(f"{table}: {'not in the backup' if want is None else 'missing after restore'}")
        elif want != have:
            report.mismatches.append(f"{table}: expected {want}, found {have}")
    report.tables = len(current)
    report.rows = sum(t["rows"] for t in current.values())
    files = file_summary(Path(settings.PRIVATE_MEDIA_ROOT))
    if files != manifest["files"]:
        missing = sorted(set(manifest["files"]) - set(files))
        different = sorted(n for n in files if n in manifest["files"] and files[n] != manifest["files"][n])
        extra = sorted(set(files) - set(manifest["files"]))
        report.mismatches.append(f"files: missing {missing}, different {different}, extra {extra}")
    report.files = len(files)
    return report
