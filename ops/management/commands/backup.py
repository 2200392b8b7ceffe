"""``manage.py backup``: the database and the private uploads in one timestamped .tar.gz."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc or SQLite online backup) and PRIVATE_MEDIA_ROOT into backups/."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "backups",
            help="Where the archive goes (default: backups/ in the project folder).",
        )

    def handle(self, *args, output_dir: Path, **options) -> None:
        try:
            path, manifest = backup(output_dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"Backup written: {path}\n"
            f"  {manifest['vendor']}: {len(manifest['tables'])} tables, {rows} rows; "
            f"{len(manifest['files'])} uploaded files."
        )
        self.stdout.write(str(path))  # the last line is the path, for scripts
