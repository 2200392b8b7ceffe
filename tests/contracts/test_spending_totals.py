"""The totals kept per municipality per year always equal a full recomputation from the invoices."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Invoice, InvoiceStatus, InvoiceTransition, InvoiceTransitionError, SpendingTotal
from contracts.services import (
    compute_totals_per_municipality_year,
    rebuild_spending_totals,
    totals_per_municipality_year,
)
from tests.factories import InvoiceFactory

D = datetime.date


def consistent() -> dict:
    kept = totals_per_municipality_year()
    assert kept == compute_totals_per_municipality_year()
    return kept


def test_every_write_path_keeps_the_totals_exact(youth, region, staff_user, colleague):
    weert, venlo = region["weert"], region["venlo"]
    first = InvoiceFactory(
        contract=youth["contract"], municipality=weert, amount=Decimal("100.10"), registered_by=colleague
    )
    assert consistent() == {}  # received: not yet spending
    first.mark_checked(by=colleague)
    first.approve(by=staff_user)
    assert consistent() == {(weert.pk, 2026): Decimal("100.10")}
    first.mark_paid(by=staff_user)
    assert consistent() == {(weert.pk, 2026): Decimal("100.10")}

    credit = InvoiceFactory(
        contract=youth["contract"], municipality=weert, amount=Decimal("-0.10"), registered_by=colleague
    )
    credit.mark_checked(by=colleague)
    credit.approve(by=staff_user)
    assert consistent() == {(weert.pk, 2026): Decimal("100.00")}
    credit.reject(by=staff_user, reason="dubbel")  # out of spending again
    assert consistent() == {(weert.pk, 2026): Decimal("100.10")}

    older = InvoiceFactory(
        contract=youth["contract"],
        municipality=venlo,
        amount=Decimal("5.55"),
        invoice_date=D(2025, 2, 1),
        period_start=D(2025, 1, 1),
        period_end=D(2025, 1, 31),
        status=InvoiceStatus.APPROVED,
    )  # through the workflow
    assert consistent()[(venlo.pk, 2025)] == Decimal("5.55")
    # An approved invoice is the record: a direct save may not move it (tests/controls), and the
    # totals stay as they were.
    older.municipality, older.invoice_date = weert, D(2026, 3, 1)
    with pytest.raises(InvoiceTransitionError):
        older.save()
    with pytest.raises(InvoiceTransitionError):
        older.delete()
    assert consistent() == {(weert.pk, 2026): Decimal("100.10"), (venlo.pk, 2025): Decimal("5.55")}
    older.refresh_from_db()
    older.reject(by=staff_user, reason="dubbel")  # out of spending through the workflow
    assert consistent() == {(weert.pk, 2026): Decimal("100.10")}


def test_a_bulk_load_with_history_keeps_the_totals_and_rebuild_restores_them(youth, region, staff_user, colleague):
    at = datetime.datetime(2026, 5, 7, 10, tzinfo=datetime.UTC)
    steps = [
        (InvoiceStatus.RECEIVED, InvoiceStatus.CHECKED, staff_user),
        (InvoiceStatus.CHECKED, InvoiceStatus.APPROVED, colleague),
        (InvoiceStatus.APPROVED, InvoiceStatus.PAID, staff_user),
    ]
    Invoice.objects.bulk_create_with_history(
        [
            (
                Invoice(
                    provider=youth["provider"],
                    contract=youth["contract"],
                    municipality=region["venlo"],
                    invoice_number=f"B{i}",
                    invoice_date=D(2026, 5, 6),
                    due_date=D(2026, 6, 5),
                    period_start=D(2026, 4, 1),
                    period_end=D(2026, 4, 30),
                    amount=Decimal("0.01"),
                    status=InvoiceStatus.PAID,
                    registered_by=staff_user,
                ),
                [InvoiceTransition(from_status=a, to_status=b, by=by, at=at) for a, b, by in steps],
            )
            for i in range(7)
        ]
    )
    assert consistent() == {(region["venlo"].pk, 2026): Decimal("0.07")}
    SpendingTotal.objects.all().delete()  # a lost table: rebuild is the tool
    assert totals_per_municipality_year() == {}
    assert rebuild_spending_totals() == 1
    assert consistent() == {(region["venlo"].pk, 2026): Decimal("0.07")}
    assert SpendingTotal.objects.count() == 1
