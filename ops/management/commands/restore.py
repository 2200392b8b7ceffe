"""``manage.py restore FILE``: replace the database and the private uploads with a backup's, then
check every table's row count and decimal sums, and every file, against the backup's manifest."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured database (replacing its contents)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation (for scripts and CI).")

    def handle(self, *args, file: Path | None, yes: bool, **options) -> None:
        if file is None:
            raise CommandError("Which backup? Give the file: manage.py restore backups/portal-backup-….tar.gz")
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        try:
            manifest = read_manifest(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        database = settings.DATABASES["default"]["NAME"]
        if not yes:
            self.confirm(file, manifest, database)
        try:
            report = restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            for line in report.mismatches:
                self.stderr.write(f"  MISMATCH {line}")
            raise CommandError(f"The restored data differ from the backup's manifest ({len(report.mismatches)}).")
        self.stdout.write(
            f"Restored {file} (made {manifest['created']}) into {database}: "
            f"{report.tables} tables, {report.rows} rows and {report.files} files match the manifest."
        )

    def confirm(self, file: Path, manifest: dict, database: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError("Restore replaces all data; without a terminal to confirm, add --yes (make: CONFIRM=1).")
        self.stdout.write(
            f"This replaces ALL data of {database} and the uploads in {settings.PRIVATE_MEDIA_ROOT}\n"
            f"with the backup {file} of {manifest['created']}."
        )
        if input("Type 'yes' to continue: ").strip().lower() != "yes":
            raise CommandError("Restore cancelled; nothing changed.")
