"""`manage.py check_monitor`: the monitor's stored figures recounted from the lines, and their
totals compared with the invoice ledger. Exit status 1 on any difference; --repair recounts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from monitor import figures
from monitor.ledger import ledger_differences


class Command(BaseCommand):
    help = "Recounts the monitor's figures from the declared lines and compares them with the invoices."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Recount every figure after reporting.")

    def handle(self, *args, repair: bool = False, **options) -> None:
        problems = figures.differences() + ledger_differences()
        for problem in problems[:200]:
            self.stdout.write(problem)
        if repair and problems:
            figures.rebuild()
            self.stdout.write("Recounted every figure from the lines.")
            problems = figures.differences() + ledger_differences()
        if problems:
            raise CommandError(f"{len(problems)} difference(s) between the monitor and the ledger.")
        self.stdout.write("The monitor agrees with the lines and the invoices to the cent.")
