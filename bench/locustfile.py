"""The users of `make loadtest` (run by bench/loadtest.py; not on its own).

Three kinds of users, each with its own session (logged in by bench/loadtest.py) and 2–8 s of
think time between actions: 40 office staff, 5 board members and 14 municipality contacts, one per municipality. Every
response is checked (status, no redirect to the login page, a PDF is a PDF); anything else counts
as an error. Every invoice registered through the real form is recorded with the amount posted,
so bench/loadtest.py can check afterwards that none is lost or counted twice.

Reads the plan of bench/loadsetup.py from LOAD_PLAN and writes what it registered to LOAD_RESULT.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
from decimal import Decimal

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())
RUN = os.environ["LOAD_RUN_ID"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')
INVOICE_URL = re.compile(r"^/facturen/(\d+)/$")
STATUSES = ["received", "checked", "approved", "paid", "rejected"]
SORTS = ["-amount", "amount", "-invoice_date", "invoice_date", "municipality"]

# What the staff registered and stepped, in this process (locust runs users as greenlets in one
# process, so plain lists are safe). Written to LOAD_RESULT when the run ends.
registered: list[dict] = []
steps: list[dict] = []
# Invoices of this run waiting for their next step: (pk, status, who registered or checked it).
to_check: list[tuple[int, str]] = []
to_approve: list[tuple[int, str]] = []
logins = {kind: iter(PLAN[kind]) for kind in ("staff", "board", "contacts")}
numbers = iter(range(1, 1_000_000))
seen_static: set[str] = set()


@events.quitting.add_listener
def write_result(environment, **kwargs) -> None:
    with open(os.environ["LOAD_RESULT"], "w") as out:
        json.dump({"registered": registered, "steps": steps}, out)


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(2, 8)
    kind = ""
    home_name = ""

    def on_start(self) -> None:
        # Logged in by bench/loadtest.py before the run, through the login form: people log in
        # once a day, not all in the same ten seconds, so the password hashing is timed apart.
        login = next(logins[self.kind])
        self.username = login["username"] if isinstance(login, dict) else login
        self.slug = login.get("slug", "") if isinstance(login, dict) else ""
        for name, value in PLAN["cookies"][self.username].items():
            self.client.cookies.set(name, value, domain="127.0.0.1")
        self.fetch_static(self.page("/", self.home_name))

    def fetch_static(self, html: str) -> None:
        """A browser fetches the style sheet and script once; WhiteNoise serves them."""
        for path in STATIC.findall(html):
            if path not in seen_static or random.random() < 0.2:
                seen_static.add(path)
                self.page(path, "static file")

    def page(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") or response.error or ""
                response.failure(f"{path}: {response.status_code} {where}")
                return ""
            return response.text

    def pdf(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                response.failure(f"{path}: {response.status_code}, not a PDF {response.error or ''}")


class StaffUser(PortalUser):
    fixed_count = len(PLAN["staff"])
    kind = "staff"
    home_name = "home (staff)"

    @task(4)
    def home(self) -> None:
        self.page("/", self.home_name)

    @task(6)
    def invoice_list(self) -> None:
        self.page("/facturen/", "invoice list, page 1")

    @task(4)
    def invoice_list_filtered(self) -> None:
        query = f"status={random.choice(STATUSES)}&municipality={random.choice(PLAN['municipality_ids'])}"
        if random.random() < 0.3:
            query += f"&provider={random.choice(PLAN['provider_ids'])}"
        self.page(f"/facturen/?{query}&sort={random.choice(SORTS)}", "invoice list, filtered")

    @task(2)
    def invoice_list_deep(self) -> None:
        self.page(f"/facturen/?page={random.randint(2, PLAN['invoice_pages'])}", "invoice list, deep page")

    @task(5)
    def invoice_detail(self) -> None:
        self.page(f"/facturen/{random.choice(PLAN['invoice_ids'])}/", "invoice detail")

    @task(3)
    def contract_detail(self) -> None:
        self.page(f"/contracten/{random.choice(PLAN['contract_ids'])}/", "contract detail")

    @task(3)
    def register_invoice(self) -> None:
        """The real form: fetch it for its CSRF token, post a valid invoice, expect the redirect to it."""
        form = self.page("/facturen/nieuw/", "invoice form")
        if not form:
            return
        contract = random.choice(PLAN["contracts"])
        start = datetime.date.fromisoformat(random.choice(contract["months"]))
        end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        cents = random.randint(5_000, 500_000) * (-1 if random.random() < 0.05 else 1)  # some credit notes
        amount = Decimal(cents) / 100
        number = f"L{RUN}-{next(numbers):05d}"
        data = {
            "csrfmiddlewaretoken": token(form),
            "contract": contract["pk"],
            "municipality": random.choice(contract["municipalities"]),
            "invoice_number": number,
            "invoice_date": min(end + datetime.timedelta(days=5), datetime.date.today()).isoformat(),
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "amount": f"{amount:.2f}".replace(".", ","),  # as a Dutch user types it
            "declaration_reference": "",
        }
        with self.client.post(
            "/facturen/nieuw/", data, name="invoice register (POST)", allow_redirects=False, catch_response=True
        ) as response:
            found = INVOICE_URL.match(response.headers.get("Location", ""))
            if response.status_code != 302 or not found:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
                response.failure(f"registration refused: {response.status_code} {errors[:2]}")
                return
            pk = int(found[1])
            registered.append({"number": number, "amount": str(amount), "pk": pk, "by": self.username})
            to_check.append((pk, self.username))

    @task(1)
    def step_invoice(self) -> None:
        """Check an invoice a colleague registered, or approve one a colleague checked (four eyes)."""
        pool, status = (to_approve, "approved") if to_approve and random.random() < 0.5 else (to_check, "checked")
        mine = [i for i, (_pk, who) in enumerate(pool) if who != self.username]
        if not mine:
            return
        pk, _who = pool.pop(mine[0])
        with self.client.post(
            f"/facturen/{pk}/stap/",
            {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), "status": status, "reason": ""},
            name="invoice step (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"step {status} of {pk}: {response.status_code}")
                return
        steps.append({"pk": pk, "status": status, "by": self.username})
        if status == "checked":
            to_approve.append((pk, self.username))


class BoardUser(PortalUser):
    fixed_count = len(PLAN["board"])
    kind = "board"
    home_name = "home (board)"

    @task(3)
    def home(self) -> None:
        self.page("/", self.home_name)

    @task(2)
    def budgets(self) -> None:
        self.page("/begrotingen/", "budget list")

    @task(3)
    def budget(self) -> None:
        self.page(f"/begrotingen/{random.choice(PLAN['budget_ids'])}/", "budget detail")

    @task(1)
    def budget_pdf(self) -> None:
        self.pdf(f"/begrotingen/{random.choice(PLAN['budget_pdf_ids'])}/pdf/", "budget PDF")


class ContactUser(PortalUser):
    fixed_count = len(PLAN["contacts"])
    kind = "contacts"
    home_name = "home (contact)"

    @task(3)
    def home(self) -> None:
        self.page("/", self.home_name)

    @task(2)
    def municipality(self) -> None:
        self.page(f"/gemeenten/{self.slug}/", "municipality page")

    @task(1)
    def statement_pdf(self) -> None:
        budget = PLAN["statements"][self.slug]
        self.pdf(f"/begrotingen/{budget}/kostenverdeling/{self.slug}/pdf/", "statement PDF")


def token(html: str) -> str:
    found = TOKEN.search(html)
    return found[1] if found else ""
