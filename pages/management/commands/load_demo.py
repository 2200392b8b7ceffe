"""Load the reference data (municipalities, modules, memberships, counts) and demo users.

Idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from budgeting.demo import load_budget_demo
from contracts.demo import load_contract_demo
from entity.models import BoardSeat, Membership, Module, MunicipalityContact
from monitor.figures import rebuild as rebuild_monitor
from municipalities.models import Municipality, PopulationCount
from pages import demo_data as demo
from traffic.demo import load_traffic_demo
from transition.demo import load_transition_demo


class Command(BaseCommand):
    help = "Load the fourteen municipalities, modules, memberships, population counts and demo users."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reference-only", action="store_true", help="Load reference data only, no demo users or board seats."
        )
        parser.add_argument(
            "--allow-demo-users", action="store_true", help="Create demo users (known password) even with DEBUG off."
        )
        parser.add_argument(
            "--invoices",
            type=int,
            default=20_000,
            help="How many demo invoices to generate (the benchmark uses 200,000).",
        )

    def handle(
        self, *args, reference_only: bool = False, allow_demo_users: bool = False, invoices: int = 20_000, **options
    ) -> None:
        if not reference_only and not settings.DEBUG and not allow_demo_users:
            raise CommandError(
                "Demo users have a known password; with DEBUG off use "
                "--reference-only, or --allow-demo-users for a test system."
            )
        self.stats: Counter[str] = Counter()
        with transaction.atomic():
            municipalities = self.load_municipalities()
            self.load_modules(municipalities)
            if not reference_only:
                self.load_users(municipalities)
        if not reference_only:
            self.stats["contract data created"] += load_contract_demo(
                invoices=invoices, log=lambda line: self.stdout.write(line) if options.get("verbosity", 1) > 1 else None
            )
        if not reference_only:
            traffic = load_traffic_demo(
                log=lambda line: self.stdout.write(line) if options.get("verbosity", 1) > 1 else None,
                warn=self.stderr.write,
            )
            if traffic:  # the demo's lines arrive in bulk: the monitor counts them once, afterwards
                rebuild_monitor()
            self.stats["message traffic created"] += traffic
            self.stats["budgets created"] += load_budget_demo()
            self.stats["transition programmes created"] += load_transition_demo()
        created = sum(v for k, v in self.stats.items() if k.endswith("created"))
        self.stdout.write(f"Demo data: {created} rows created, {self.stats['unchanged']} already present.")
        if not reference_only:
            self.print_logins()

    def _count(self, kind: str, created: bool) -> None:
        self.stats[f"{kind} created" if created else "unchanged"] += 1

    def load_municipalities(self) -> dict[str, Municipality]:
        result = {}
        for name, slug, code, region in demo.MUNICIPALITIES:
            m, created = Municipality.objects.get_or_create(
                cbs_code=code, defaults={"name": name, "slug": slug, "region": region}
            )
            self._count("municipality", created)
            result[slug] = m
            for year, (inhabitants, source) in demo.POPULATION[slug].items():
                _, created = PopulationCount.objects.get_or_create(
                    municipality=m,
                    reference_date=datetime.date(year, 1, 1),
                    defaults={
                        "inhabitants": inhabitants,
                        "source": source or demo.ESTIMATE,
                        "estimated": source is None,
                    },
                )
                self._count("count", created)
        return result

    def load_modules(self, municipalities: dict[str, Municipality]) -> None:
        modules = {}
        for number, name, tasks in demo.MODULES:
            modules[number], created = Module.objects.get_or_create(
                number=number, defaults={"name": name, "tasks": tasks}
            )
            self._count("module", created)
        for number, slugs, start, decision in demo.MEMBERSHIPS:
            for slug in slugs:
                municipality, module = municipalities[slug], modules[number]
                if Membership.objects.filter(municipality=municipality, module=module).active_on(start).exists():
                    self._count("membership", False)
                    continue
                Membership.objects.create(municipality=municipality, module=module, start_date=start, decision=decision)
                self._count("membership", True)

    def _user(self, username: str, first: str, last: str, is_staff: bool, usable: bool = True) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": is_staff, "email": f"{username}@example.org"},
        )
        if created:
            # Set only on creation, so a second run changes nothing.
            if usable:
                user.set_password(demo.DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
        self._count("user", created)
        return user

    def _seat(self, user: User, municipality: Municipality, body: str, position: str) -> None:
        if BoardSeat.objects.filter(person=user, body=body).active_on(demo.SEATS_FROM).exists():
            self._count("seat", False)
            return
        BoardSeat.objects.create(
            person=user, municipality=municipality, body=body, position=position, start_date=demo.SEATS_FROM
        )
        self._count("seat", True)

    def load_users(self, municipalities: dict[str, Municipality]) -> None:
        for username, first, last, roles, contact_of, is_staff in demo.DEMO_USERS:
            user = self._user(username, first, last, is_staff)
            user.groups.add(*Group.objects.filter(name__in=roles))
            if contact_of and not hasattr(user, "municipality_contact"):
                MunicipalityContact.objects.create(user=user, municipality=municipalities[contact_of])
        users = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in demo.DEMO_SEATS])}
        for username, slug, body, position in demo.DEMO_SEATS:
            self._seat(users[username], municipalities[slug], body, position)
        seated = {s[1] for s in demo.DEMO_SEATS if s[2] == "AB"}
        ab_group = Group.objects.get(name="Algemeen bestuur")
        db_group = Group.objects.get(name="Dagelijks bestuur")
        for slug, municipality in municipalities.items():
            if slug in seated:
                continue
            # Board members without a demo login: seats only, no password.
            person = self._user(f"ab-{slug}", "Portefeuillehouder", municipality.name, False, usable=False)
            person.groups.add(ab_group)
            self._seat(person, municipality, "AB", "member")
            if slug in demo.DAILY_BOARD_MEMBERS:
                person.groups.add(db_group)
                self._seat(person, municipality, "DB", "member")

    def print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, _first, _last, roles, contact_of, _staff in demo.DEMO_USERS:
            extra = f" ({contact_of})" if contact_of else ""
            self.stdout.write(f"  {username:<16} {', '.join(roles)}{extra}")
