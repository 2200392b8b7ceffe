"""For `make loadtest`: the users and the plan of the load test, on an already filled database (run by
bench/loadtest.py with DATABASE_URL set). Prints one JSON object that bench/locustfile.py reads.

The demo data has two staff logins, two board members with a password and two municipality
contacts; a realistic office has forty people at work, so this adds `load-*` users to the bench
database (idempotent: a second run adds nothing). Each load user has its own session, so the
four-eyes rule (nobody approves an invoice they registered) applies between load users as between
colleagues. The three extra board members are the demo's seated board members without a login
(`ab-<municipality>`), who get the demo password here, in the bench database only.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from budgeting.models import Budget, BudgetStatus  # noqa: E402
from budgeting.services.allocation import has_statement  # noqa: E402
from contracts.models import Contract, Invoice  # noqa: E402
from contracts.models.contracts import add_months  # noqa: E402
from entity.models import MunicipalityContact  # noqa: E402
from municipalities.models import Municipality  # noqa: E402
from pages.demo_data import DEMO_PASSWORD  # noqa: E402

STAFF_USERS = 40
BOARD_USERS = ["db", "ab", "ab-roermond", "ab-venray", "ab-horst-aan-de-maas"]
DEMO_CONTACTS = {"weert": "weert", "venlo": "venlo"}  # municipality slug -> demo login
PER_PAGE = 25  # the invoice list (contracts/views.py)


@transaction.atomic
def load_users(municipalities: list[Municipality]) -> tuple[list[str], list[str], list[dict]]:
    # One hash for all: hashing the same password 55 times would only cost a minute of CPU.
    password = make_password(DEMO_PASSWORD)
    staff_group = Group.objects.get(name="Medewerker")
    contact_group = Group.objects.get(name="Gemeentelijk contactpersoon")
    staff = []
    for n in range(1, STAFF_USERS + 1):
        user, created = User.objects.get_or_create(
            username=f"load-medewerker-{n:02d}",
            defaults={"first_name": "Load", "last_name": f"Medewerker {n:02d}", "password": password},
        )
        if created:
            user.groups.add(staff_group)
        staff.append(user.username)
    board = User.objects.filter(username__in=BOARD_USERS)
    if board.count() != len(BOARD_USERS):
        raise SystemExit(f"the board users {BOARD_USERS} are not all in the database: run load_demo")
    board.exclude(username__in=["db", "ab"]).update(password=password)
    contacts = []
    for municipality in municipalities:
        username = DEMO_CONTACTS.get(municipality.slug, f"load-contact-{municipality.slug}")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": "Load", "last_name": municipality.name, "password": password},
        )
        if created:
            user.groups.add(contact_group)
            MunicipalityContact.objects.create(user=user, municipality=municipality)
        contacts.append({"username": username, "slug": municipality.slug})
    return staff, BOARD_USERS, contacts


def registration_contracts() -> list[dict]:
    """Contracts to register invoices on: their participants and the months of their period."""
    today = datetime.date.today()
    out = []
    for contract in Contract.objects.prefetch_related("participations").order_by("pk"):
        months = []
        month = contract.start_date.replace(day=1)
        if month < contract.start_date:
            month = add_months(month, 1)
        while add_months(month, 1) - datetime.timedelta(days=1) <= min(contract.end_date, today):
            months.append(month.isoformat())
            month = add_months(month, 1)
        participants = [p.municipality_id for p in contract.participations.all()]
        if months and participants:
            out.append({"pk": contract.pk, "municipalities": participants, "months": months[-24:]})
    return out


def statements(municipalities: list[Municipality]) -> dict[str, int]:
    """Per municipality the newest sent or adopted budget that has its statement."""
    budgets = list(Budget.objects.exclude(status=BudgetStatus.DRAFT).order_by("-year", "-pk"))
    out = {}
    for municipality in municipalities:
        found = next((b for b in budgets if has_statement(b, municipality)), None)
        if found is None:
            raise SystemExit(f"no budget with a statement for {municipality.name}")
        out[municipality.slug] = found.pk
    return out


def main() -> None:
    municipalities = list(Municipality.objects.order_by("name"))
    staff, board, contacts = load_users(municipalities)
    invoice_ids = list(Invoice.objects.values_list("pk", flat=True).order_by("?")[:1000])
    invoices = Invoice.objects.count()
    busy = Contract.objects.annotate(n=Count("invoices")).order_by("-n").values_list("pk", flat=True)
    plan = {
        "staff": staff,
        "board": board,
        "contacts": contacts,
        "invoice_ids": invoice_ids,
        "invoice_pages": max(1, -(-invoices // PER_PAGE)),
        "contract_ids": list(busy),
        "municipality_ids": [m.pk for m in municipalities],
        "provider_ids": sorted({*Contract.objects.values_list("provider_id", flat=True)}),
        "budget_ids": list(Budget.objects.order_by("pk").values_list("pk", flat=True)),
        "budget_pdf_ids": list(
            Budget.objects.exclude(status=BudgetStatus.DRAFT).order_by("pk").values_list("pk", flat=True)
        ),
        "statements": statements(municipalities),
        "contracts": registration_contracts(),
    }
    print(json.dumps(plan))


if __name__ == "__main__":
    main()
