"""The database connection breaks in the middle of an import or an approval: nothing is half
saved, and the user gets the Dutch 503 page that says so instead of a 500.

The break is simulated with an execute wrapper that raises OperationalError from the N-th
statement on, for several N spread over the whole request (N is taken from a clean run of the
same request). Savepoint statements pass, as the test's own transaction needs them; the data
statements fail as they would on a dead connection. On PostgreSQL a real drop follows:
pg_terminate_backend of the request's backend, from a second connection, mid-import."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from budgeting.models import Budget, BudgetStatus, CycleStep, RealisedLine
from contracts.models import Invoice, InvoiceStatus, InvoiceTransition, SpendingTotal
from entity.models import Module
from municipalities.models import PopulationCount
from tests.factories import BoardSeatFactory, InvoiceFactory
from tests.faults.test_import_fuzz import (  # noqa: F401  (fixtures)
    HEADER,
    VALID_ROW,
    accounts,
    diemen,
    invoice_state,
)

EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "JW323-example.xml").read_bytes()
FRACTIONS = [0.0, 0.2, 0.4, 0.6, 0.8, 0.95]
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class Counter:
    """Counts data statements; from statement number `fail_from` on (1-based) the connection is gone."""

    def __init__(self, fail_from: int | None = None) -> None:
        self.fail_from = fail_from
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            return execute(sql, params, many, context)
        self.count += 1
        if self.fail_from is not None and self.count >= self.fail_from:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@contextlib.contextmanager
def measured() -> Iterator[Counter]:
    counter = Counter()
    with connection.execute_wrapper(counter):
        yield counter


def state() -> tuple:
    return (
        invoice_state(),
        sorted(Invoice.objects.values_list("pk", "status")),
        InvoiceTransition.objects.count(),
        sorted(PopulationCount.objects.values_list("municipality_id", "reference_date", "inhabitants", "source")),
        sorted(RealisedLine.objects.values_list("line_id", "amount")),
    )


def drop_points(total: int) -> list[int]:
    return sorted({max(1, min(total, int(total * f) + 1)) for f in FRACTIONS})


def check_every_drop(client: Client, send: Callable[[], object], caplog) -> int:
    """Measure the request in a savepoint that is undone, then break it at each drop point."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    with transaction.atomic():
        ContentType.objects.clear_cache()  # every run must send the same statements (the audit trail's lookup)
        with measured() as counter:
            response = send()
        assert response.status_code in (200, 302), response.status_code
        before_writes = counter.count
        transaction.set_rollback(True)
    assert before_writes > 3
    before = state()
    for fail_from in drop_points(before_writes):
        caplog.clear()
        ContentType.objects.clear_cache()
        dropper = Counter(fail_from)
        with caplog.at_level(logging.ERROR), connection.execute_wrapper(dropper):
            response = send()
        assert dropper.count >= fail_from, "the request ended before the drop"
        assert response.status_code == 503, (fail_from, response.status_code)
        page = response.content.decode()
        assert "Er is niets opgeslagen" in page and "probeer het opnieuw" in page
        assert response["Retry-After"]
        assert any(r.levelno == logging.ERROR for r in caplog.records)
        assert state() == before, f"partial data after a drop at statement {fail_from} of {before_writes}"
    return before_writes


@pytest.fixture
def office(staff_user) -> Client:
    client = Client(raise_request_exception=False)  # a 500 would show as status 500, failing the test
    client.force_login(staff_user)
    return client


def test_drop_during_the_invoice_csv_import(youth, office, caplog):
    rows = [";".join(HEADER)] + [";".join(c.replace("{n}", str(i)) for c in VALID_ROW) for i in range(3)]
    data = ("\n".join(rows) + "\n").encode()

    def send():
        upload = SimpleUploadedFile("f.csv", data)
        return office.post(reverse("contracts:invoice_import"), {"file": upload})

    check_every_drop(office, send, caplog)


def test_drop_during_the_declaration_message_import(diemen, office, caplog):  # noqa: F811
    def send():
        return office.post(reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("m.xml", EXAMPLE)})

    check_every_drop(office, send, caplog)


def test_drop_during_the_population_import(region, office, caplog):
    data = b"Regio's;Perioden;Bevolking\nWeert;2031;51500\nVenlo;2031;104500\nVenray;2031;44000\n"

    def send():
        upload = SimpleUploadedFile("cbs.csv", data)
        return office.post(reverse("municipalities:import"), {"table": "03759ned", "file": upload})

    check_every_drop(office, send, caplog)


def test_drop_during_the_realised_amounts_import(accounts, office, caplog):  # noqa: F811
    lines = sorted(accounts.budget.lines.values_list("pk", flat=True))
    data = f"regel;gerealiseerd;toelichting\n{lines[0]};149.400,00;\n{lines[1]};45.000,00;\n".encode()

    def send():
        upload = SimpleUploadedFile("r.csv", data)
        return office.post(reverse("budgeting:accounts_import", args=[accounts.pk]), {"file": upload})

    check_every_drop(office, send, caplog)


@pytest.fixture
def checked(youth, region, staff_user) -> list[Invoice]:
    return [
        InvoiceFactory(
            contract=youth["contract"],
            provider=youth["provider"],
            municipality=region["weert" if i % 2 else "venlo"],
            registered_by=staff_user,
            status=InvoiceStatus.CHECKED,
        )
        for i in range(3)
    ]


def approved_total() -> object:
    return SpendingTotal.objects.aggregate(s=Sum("total"))["s"]


def test_drop_during_an_approval(checked, colleague, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(colleague)

    def send():
        return client.post(reverse("contracts:invoice_step", args=[checked[0].pk]), {"status": "approved"})

    total = approved_total()
    check_every_drop(client, send, caplog)
    assert approved_total() == total


def test_drop_during_a_bulk_approval(checked, colleague, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(colleague)

    def send():
        data = {"action": "approved", "invoice": [i.pk for i in checked], "next": "/facturen/"}
        return client.post(reverse("contracts:invoice_bulk"), data)

    total = approved_total()
    writes = check_every_drop(client, send, caplog)
    assert writes > 3 * 3  # the three approvals are all inside the measured request
    assert approved_total() == total


def test_a_bulk_approval_without_a_drop_approves_all(checked, colleague, client):
    client.force_login(colleague)
    data = {"action": "approved", "invoice": [i.pk for i in checked], "next": "/facturen/"}
    client.post(reverse("contracts:invoice_bulk"), data)
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.APPROVED}
    assert approved_total() == sum(i.amount for i in checked)


def test_drop_during_a_budget_cycle_step(region, db_user, caplog):
    """The DB sends the framework letter: the status and the recorded step go together or not at all."""
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2027, created_by=db_user)
    BoardSeatFactory(person=db_user, municipality=region["venlo"], body="DB", position="chair")
    client = Client(raise_request_exception=False)
    client.force_login(db_user)

    def send():
        return client.post(reverse("budgeting:db_step", args=[budget.pk]), {"step": "framework", "on": "2026-03-01"})

    check_every_drop(client, send, caplog)
    budget.refresh_from_db()
    assert (budget.status, CycleStep.objects.count()) == (BudgetStatus.DRAFT, 0)
    send()  # and without a drop the step is taken: the drops above interrupted a real write
    budget.refresh_from_db()
    assert (budget.status, CycleStep.objects.count()) == (BudgetStatus.FRAMEWORK_SENT, 1)


def test_other_errors_still_give_the_500_page(office, monkeypatch):
    from contracts.imports import csv_invoices

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(csv_invoices, "import_invoices_csv", broken)
    response = office.post(reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("f.csv", b"a;b\n1;2\n")})
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()


# --- a real drop on PostgreSQL ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_connection_drop_mid_import_on_postgresql(youth, staff_user, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL")
    import psycopg2

    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    rows = [";".join(HEADER)] + [";".join(c.replace("{n}", str(i)) for c in VALID_ROW) for i in range(50)]
    data = ("\n".join(rows) + "\n").encode()
    before = invoice_state()
    settings = connection.settings_dict
    killer = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    killer.autocommit = True
    killed = []

    def terminate_at_the_insert(execute, sql, params, many, context):
        if not killed and sql.lstrip().upper().startswith('INSERT INTO "CONTRACTS_INVOICE"'):
            pid = context["connection"].connection.info.backend_pid
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)
        return execute(sql, params, many, context)

    try:
        with caplog.at_level(logging.ERROR), connection.execute_wrapper(terminate_at_the_insert):
            response = client.post(reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("f.csv", data)})
    finally:
        killer.close()
    assert killed, "the import never reached its INSERT"
    assert response.status_code == 503
    assert "Er is niets opgeslagen" in response.content.decode()
    assert invoice_state() == before  # a fresh connection: nothing of the 50 invoices arrived
    after = client.post(reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("f.csv", data)})
    assert after.status_code == 200 and after.context["result"].ok  # trying again works
    assert invoice_state()[0] == before[0] + 50
