"""Two people approve the same invoice at the same moment: exactly one approval.

Runs on PostgreSQL, where two connections really run at once (in the test suite SQLite shares
one in-memory connection, so the race cannot be staged there)."""

import threading

import pytest
from django.db import connection, connections

from audit.models import AuditEntry
from contracts.models import Invoice, InvoiceStatus, InvoiceTransition, InvoiceTransitionError
from tests.factories import InvoiceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real database connections (PostgreSQL)")
@pytest.mark.parametrize("attempt", range(5))
def test_simultaneous_approvals_give_exactly_one(youth, region, staff_user, attempt):
    approvers = [UserFactory(username=f"goedkeurder{i}") for i in range(4)]
    invoice = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)
    invoice.mark_checked(by=staff_user)
    start = threading.Barrier(len(approvers))
    outcomes: list[str] = []

    def approve(user) -> None:
        try:
            mine = Invoice.objects.get(pk=invoice.pk)  # each sees "checked"
            start.wait(timeout=10)
            mine.approve(by=user)
            outcomes.append("approved")
        except InvoiceTransitionError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved"] + ["refused"] * (len(approvers) - 1)
    assert InvoiceTransition.objects.filter(invoice=invoice, to_status=InvoiceStatus.APPROVED).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.APPROVED
    # The trail has the one approval, by whoever won; the three refused updates left nothing.
    approvals = AuditEntry.objects.filter(object_id=str(invoice.pk), changes__status=["checked", "approved"])
    assert approvals.count() == 1
    step = InvoiceTransition.objects.get(invoice=invoice, to_status=InvoiceStatus.APPROVED)
    assert approvals.get().actor_id == step.by_id
