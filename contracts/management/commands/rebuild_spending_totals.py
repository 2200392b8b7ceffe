from django.core.management.base import BaseCommand

from contracts.services import (
    compute_totals_per_municipality_year,
    rebuild_spending_totals,
    totals_per_municipality_year,
)


class Command(BaseCommand):
    help = "Recompute the approved spending per municipality per year from the invoices (or only --check)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Only report whether the kept totals are right.")

    def handle(self, *args, check: bool = False, **options) -> None:
        if check:
            differ = totals_per_municipality_year() != compute_totals_per_municipality_year()
            self.stdout.write("The kept totals differ from the invoices." if differ else "The kept totals are right.")
            if differ:
                raise SystemExit(1)
            return
        self.stdout.write(f"{rebuild_spending_totals()} totals rebuilt.")
