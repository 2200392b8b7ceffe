import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts.models import Invoice, InvoiceStatus, InvoiceTransition, InvoiceTransitionError
from contracts.services import bulk_move, contract_spending
from tests.factories import ContractFactory, InvoiceFactory

D = datetime.date
S = InvoiceStatus


@pytest.fixture
def invoice(youth, region, staff_user):
    return InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)


def test_the_happy_path_is_stored_with_who_and_when(invoice, staff_user, colleague):
    invoice.mark_checked(by=staff_user)
    invoice.approve(by=colleague)
    invoice.mark_paid(by=staff_user)
    invoice.refresh_from_db()
    assert invoice.status == S.PAID
    steps = list(invoice.transitions.values_list("from_status", "to_status", "by__username"))
    assert steps == [
        ("received", "checked", "medewerker"),
        ("checked", "approved", "collega"),
        ("approved", "paid", "medewerker"),
    ]
    assert all(t.at for t in invoice.transitions.all())


def test_four_eyes(invoice, staff_user):
    invoice.mark_checked(by=staff_user)
    with pytest.raises(InvoiceTransitionError, match="vier ogen|Four eyes|Vier ogen"):
        invoice.approve(by=staff_user)
    invoice.refresh_from_db()
    assert invoice.status == S.CHECKED
    assert S.APPROVED not in invoice.allowed_steps(staff_user)


@pytest.mark.parametrize("path", [[], [S.CHECKED], [S.CHECKED, S.APPROVED]])
def test_reject_at_any_step_before_paid_with_a_reason(invoice, staff_user, colleague, path):
    for step in path:
        invoice.move_to(step, by=colleague)
    with pytest.raises(InvoiceTransitionError):
        invoice.reject(by=colleague, reason="   ")
    invoice.reject(by=colleague, reason="Tarief klopt niet")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.rejection_reason) == (S.REJECTED, "Tarief klopt niet")


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ([], S.APPROVED),
        ([], S.PAID),
        ([S.CHECKED], S.PAID),
        ([S.CHECKED, S.APPROVED, S.PAID], S.REJECTED),
        ([S.CHECKED, S.APPROVED, S.PAID], S.CHECKED),
    ],
)
def test_steps_out_of_order_are_refused(invoice, colleague, path, step):
    for s in path:
        invoice.move_to(s, by=colleague)
    count = InvoiceTransition.objects.count()
    with pytest.raises(InvoiceTransitionError):
        invoice.move_to(step, by=colleague, reason="x")
    assert InvoiceTransition.objects.count() == count


def test_a_stale_object_cannot_step_twice(invoice, staff_user, colleague):
    invoice.mark_checked(by=staff_user)
    first, second = Invoice.objects.get(pk=invoice.pk), Invoice.objects.get(pk=invoice.pk)
    first.approve(by=colleague)
    with pytest.raises(InvoiceTransitionError, match="ondertussen|meantime"):
        second.reject(by=colleague, reason="te laat")
    assert Invoice.objects.get(pk=invoice.pk).status == S.APPROVED
    assert InvoiceTransition.objects.filter(invoice=invoice, to_status=S.APPROVED).count() == 1


def test_bulk_reports_each_refusal_and_keeps_the_rest(youth, region, staff_user, colleague):
    mine = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)
    theirs = InvoiceFactory(contract=youth["contract"], municipality=region["venlo"], registered_by=colleague)
    fresh = InvoiceFactory(contract=youth["contract"], municipality=region["venlo"], registered_by=colleague)
    for i in (mine, theirs):
        i.mark_checked(by=colleague)
    result = bulk_move([mine, theirs, fresh], S.APPROVED, by=staff_user)
    assert [i.pk for i in result.done] == [theirs.pk]
    assert {i.pk for i, _reason in result.refused} == {mine.pk, fresh.pk}
    assert Invoice.objects.get(pk=theirs.pk).status == S.APPROVED


def test_due_date_and_overdue(invoice, youth, region):
    assert invoice.due_date == D(2026, 6, 5)
    assert Invoice.objects.overdue(D(2026, 6, 6)).get() == invoice
    assert not Invoice.objects.overdue(D(2026, 6, 5)).exists()
    credit = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=Decimal("-5.00"))
    assert credit not in Invoice.objects.overdue(D(2027, 1, 1))  # the provider owes a credit note
    assert not credit.is_overdue


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"municipality": "roermond"}, "municipality"),
        ({"period_start": D(2023, 12, 1), "period_end": D(2023, 12, 31)}, "period_start"),
        ({"period_start": D(2026, 4, 30), "period_end": D(2026, 4, 1)}, "period_end"),
    ],
)
def test_invoice_rules(youth, region, staff_user, changes, field):
    values = {
        "contract": youth["contract"],
        "provider": youth["provider"],
        "municipality": region["weert"],
        "invoice_number": "X1",
        "invoice_date": D(2026, 5, 6),
        "period_start": D(2026, 4, 1),
        "period_end": D(2026, 4, 30),
        "amount": Decimal("10.00"),
        "registered_by": staff_user,
    }
    values.update({k: region[v] if k == "municipality" else v for k, v in changes.items()})
    with pytest.raises(ValidationError) as exc:
        Invoice(**values).full_clean()
    assert field in exc.value.message_dict


def test_contract_of_another_provider_is_refused(youth, region, staff_user):
    other = ContractFactory(segment=youth["segment"], municipalities=[region["venlo"]])
    invoice = Invoice(
        contract=other,
        provider=youth["provider"],
        municipality=region["venlo"],
        invoice_number="X",
        invoice_date=D(2026, 5, 6),
        period_start=D(2026, 4, 1),
        period_end=D(2026, 4, 30),
        amount=Decimal(1),
        registered_by=staff_user,
    )
    with pytest.raises(ValidationError, match="andere aanbieder|another provider"):
        invoice.full_clean()


def test_spending_against_ceiling_and_key(youth, region, staff_user, colleague):
    contract = ContractFactory(
        segment=youth["segment"],
        funding_variant="task",
        ceiling=Decimal("1000.00"),
        municipalities=[(region["venlo"], Decimal("33.33")), (region["weert"], Decimal("66.67"))],
    )
    approved = InvoiceFactory(
        contract=contract, municipality=region["venlo"], amount=Decimal("400.00"), registered_by=colleague
    )
    approved.mark_checked(by=colleague)
    approved.approve(by=staff_user)
    InvoiceFactory(contract=contract, municipality=region["weert"], amount=Decimal("100.00"))
    credit = InvoiceFactory(
        contract=contract, municipality=region["venlo"], amount=Decimal("-50.00"), registered_by=colleague
    )
    credit.mark_checked(by=colleague)
    credit.approve(by=staff_user)
    spending = contract_spending(contract)
    venlo, weert = spending.rows
    assert (venlo.spent, venlo.pending, venlo.key_amount, venlo.available) == (
        Decimal("350.00"),
        Decimal("0.00"),
        Decimal("333.30"),
        Decimal("-16.70"),  # overspent by 16.70 against its part of the lump sum
    )
    assert (weert.spent, weert.pending, weert.key_amount) == (Decimal("0.00"), Decimal("100.00"), Decimal("666.70"))
    assert venlo.key_amount + weert.key_amount == contract.ceiling
    assert spending.spent == Decimal("350.00") and spending.ceiling_used == Decimal("35.0")
    assert not spending.over_ceiling
