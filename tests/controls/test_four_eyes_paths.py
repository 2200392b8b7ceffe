"""Four eyes on every write path: an invoice moves one step at a time (received → checked →
approved → paid, or rejected before payment), whoever registered it never approves it, and once it
has left "received" its content and its steps are the record. Each path is tried — the portal's
pages, /beheer/, both imports, the model and the QuerySet — and each is refused with nothing
changed: the invoices, their steps and the audit trail are exactly as before."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from contracts.imports import import_declaration_message, import_invoices_csv
from contracts.models import Invoice, InvoiceStatus, InvoiceTransition, InvoiceTransitionError
from tests.factories import InvoiceFactory

D = datetime.date
S = InvoiceStatus


def state() -> tuple:
    """Everything four eyes protects: every invoice's row, every step, the trail's size."""
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(InvoiceTransition.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def received(youth, region, staff_user):
    return InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)


@pytest.fixture
def checked(received, staff_user):
    received.mark_checked(by=staff_user)
    return received


@pytest.fixture
def approved(checked, colleague):
    checked.approve(by=colleague)
    return checked


def new_invoice(youth, region, by, **extra) -> Invoice:
    return Invoice(
        provider=youth["provider"],
        contract=youth["contract"],
        municipality=region["weert"],
        invoice_number=extra.pop("invoice_number", "NIEUW-1"),
        invoice_date=D(2026, 5, 6),
        due_date=D(2026, 6, 5),
        period_start=D(2026, 4, 1),
        period_end=D(2026, 4, 30),
        amount=Decimal("790.00"),
        registered_by=by,
        **extra,
    )


# --- the portal's pages -----------------------------------------------------------------------


def test_the_registrant_cannot_approve_on_the_page(client, checked, staff_user):
    before = state()
    client.force_login(staff_user)
    response = client.post(reverse("contracts:invoice_step", args=[checked.pk]), {"status": "approved"}, follow=True)
    assert "vier ogen" in response.content.decode().lower()
    assert state() == before


@pytest.mark.parametrize("step", ["approved", "paid"])
def test_a_step_cannot_be_skipped_on_the_page(client, received, colleague, step):
    before = state()
    client.force_login(colleague)
    client.post(reverse("contracts:invoice_step", args=[received.pk]), {"status": step})
    assert state() == before


def test_the_registrant_cannot_approve_in_bulk(client, checked, staff_user):
    before = state()
    client.force_login(staff_user)
    client.post(reverse("contracts:invoice_bulk"), {"action": "approved", "invoice": [checked.pk]})
    assert state() == before


def test_the_form_registers_as_received_by_whoever_enters_it(client, youth, region, staff_user, colleague):
    client.force_login(staff_user)
    response = client.post(
        reverse("contracts:invoice_create"),
        {
            "contract": youth["contract"].pk,
            "municipality": region["weert"].pk,
            "invoice_number": "FORM-1",
            "invoice_date": "06-05-2026",
            "period_start": "01-04-2026",
            "period_end": "30-04-2026",
            "amount": "790,00",
            "status": "paid",  # not on the form: ignored
            "registered_by": colleague.pk,
        },
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(invoice_number="FORM-1")
    assert (invoice.status, invoice.registered_by) == (S.RECEIVED, staff_user)


def test_a_checked_invoice_is_not_edited_on_the_page(client, checked, colleague, youth, region):
    before = state()
    client.force_login(colleague)
    client.post(
        reverse("contracts:invoice_edit", args=[checked.pk]),
        {
            "contract": youth["contract"].pk,
            "municipality": region["weert"].pk,
            "invoice_number": checked.invoice_number,
            "invoice_date": "06-05-2026",
            "period_start": "01-04-2026",
            "period_end": "30-04-2026",
            "amount": "99999,00",
        },
    )
    assert state() == before


# --- /beheer/ -----------------------------------------------------------------------------------


def test_the_admin_does_not_add_a_paid_invoice_registered_by_anyone(client, manager_user, staff_user, youth, region):
    """Finding 3: /beheer/contracts/invoice/add/ accepted status "paid" and any "registered by"."""
    client.force_login(manager_user)
    response = client.post(
        reverse("admin:contracts_invoice_add"),
        {
            "provider": youth["provider"].pk,
            "contract": youth["contract"].pk,
            "municipality": region["weert"].pk,
            "invoice_number": "BEHEER-1",
            "invoice_date": "06-05-2026",
            "period_start": "01-04-2026",
            "period_end": "30-04-2026",
            "amount": "790.00",
            "status": "paid",
            "source": "manual",
            "registered_by": staff_user.pk,
            "registered_at_0": "06-05-2026",
            "registered_at_1": "09:00:00",
        },
    )
    assert response.status_code == 403
    assert not Invoice.objects.filter(invoice_number="BEHEER-1").exists()


@pytest.mark.parametrize("role", ["manager", "superuser"])
def test_the_admin_changes_and_deletes_no_invoice(client, checked, manager_user, role, youth, region, colleague):
    from tests.factories import UserFactory

    user = manager_user if role == "manager" else UserFactory(username="root", is_superuser=True, is_staff=True)
    before = state()
    client.force_login(user)
    change = reverse("admin:contracts_invoice_change", args=[checked.pk])
    data = {"status": "approved", "registered_by": colleague.pk, "amount": "1.00"}
    assert client.post(change, data).status_code == 403
    assert client.post(reverse("admin:contracts_invoice_delete", args=[checked.pk]), {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:contracts_invoice_changelist"),
        {"action": "delete_selected", "_selected_action": [checked.pk], "post": "yes"},
    )
    assert state() == before


# --- the imports --------------------------------------------------------------------------------


def test_a_csv_import_registers_as_received_by_the_importer(youth, staff_user, colleague):
    csv = (
        "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag;"
        "declaratiereferentie;status;geregistreerd_door\n"
        f"65656055;IMP-1;06-05-2026;JGD-2024-001;Weert;01-04-2026;30-04-2026;100,00;;paid;{colleague.username}\n"
    )
    result = import_invoices_csv(csv.encode(), by=staff_user)
    assert result.ok, result.problems
    invoice = Invoice.objects.get(invoice_number="IMP-1")
    assert (invoice.status, invoice.registered_by) == (S.RECEIVED, staff_user)


def test_a_declaration_message_registers_as_received(youth, staff_user):
    from tests.contracts.test_imports import EXAMPLE
    from tests.factories import ContractFactory, MunicipalityFactory

    diemen = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")  # the example's receiver
    ContractFactory(
        reference="JGD-D-001", provider=youth["provider"], segment=youth["segment"], municipalities=[diemen]
    )

    result = import_declaration_message(EXAMPLE, by=staff_user)
    assert result.ok, result.problems
    assert [(i.status, i.registered_by) for i in Invoice.objects.all()] == [(S.RECEIVED, staff_user)]


# --- the model ---------------------------------------------------------------------------------


def test_an_invoice_is_not_created_past_received(youth, region, staff_user):
    before = state()
    for status in (S.CHECKED, S.APPROVED, S.PAID, S.REJECTED):
        with pytest.raises(InvoiceTransitionError):
            new_invoice(youth, region, staff_user, status=status).save()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.create(
            provider=youth["provider"],
            contract=youth["contract"],
            municipality=region["weert"],
            invoice_number="NIEUW-2",
            invoice_date=D(2026, 5, 6),
            period_start=D(2026, 4, 1),
            period_end=D(2026, 4, 30),
            amount=Decimal("790.00"),
            registered_by=staff_user,
            status=S.PAID,
        )
    assert state() == before


def test_a_save_does_not_move_the_status(checked, received, colleague):
    before = state()
    for status in (S.APPROVED, S.PAID, S.RECEIVED, S.REJECTED):
        checked.status = status
        with pytest.raises(InvoiceTransitionError):
            checked.save()
        with pytest.raises(InvoiceTransitionError):
            checked.save(update_fields=["status"])
    assert state() == before


def test_the_registrant_cannot_be_swapped_to_approve_oneself(checked, colleague, staff_user):
    """Otherwise: make a colleague the registrant, then approve one's own invoice."""
    before = state()
    checked.registered_by = colleague
    with pytest.raises(InvoiceTransitionError):
        checked.save()
    fresh = Invoice.objects.get(pk=checked.pk)
    with pytest.raises(InvoiceTransitionError):
        fresh.approve(by=staff_user)
    assert state() == before


def test_a_received_invoice_keeps_who_registered_it(received, colleague):
    before = state()
    received.registered_by = colleague
    with pytest.raises(InvoiceTransitionError):
        received.save()
    assert state() == before


def test_the_content_of_a_checked_invoice_is_fixed(checked, approved):
    before = state()
    approved.amount = Decimal("99999.00")
    with pytest.raises(InvoiceTransitionError):
        approved.save()
    with pytest.raises(InvoiceTransitionError):
        approved.save(update_fields=["amount"])
    assert state() == before


def test_an_invoice_past_received_is_not_deleted(approved):
    before = state()
    with pytest.raises(InvoiceTransitionError):
        approved.delete()
    assert state() == before


def test_a_received_invoice_is_still_corrected_and_removed(received):
    received.amount = Decimal("800.00")
    received.save()
    assert Invoice.objects.get(pk=received.pk).amount == Decimal("800.00")
    received.delete()
    assert not Invoice.objects.filter(pk=received.pk).exists()


def test_the_steps_are_a_record(approved, staff_user, colleague):
    before = state()
    step = approved.transitions.get(to_status=S.APPROVED)
    step.by = staff_user
    with pytest.raises(InvoiceTransitionError):
        step.save()
    with pytest.raises(InvoiceTransitionError):
        step.delete()
    # A step that did not happen: the invoice is approved, not paid.
    with pytest.raises(InvoiceTransitionError):
        InvoiceTransition.objects.create(invoice=approved, from_status=S.APPROVED, to_status=S.PAID, by=colleague)
    # An approval by the registrant, made up afterwards.
    with pytest.raises(InvoiceTransitionError):
        InvoiceTransition.objects.create(invoice=approved, from_status=S.CHECKED, to_status=S.APPROVED, by=staff_user)
    assert state() == before


# --- the QuerySet ------------------------------------------------------------------------------


def test_bulk_updates_do_not_move_the_status_or_the_registrant(received, checked, colleague):
    before = state()
    for change in ({"status": S.PAID}, {"status": S.APPROVED}, {"registered_by": colleague}, {"rejection_reason": "x"}):
        with pytest.raises(InvoiceTransitionError):
            Invoice.objects.filter(pk=checked.pk).update(**change)
    assert state() == before


def test_bulk_updates_do_not_change_a_checked_invoice(checked):
    before = state()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.filter(pk=checked.pk).update(amount=Decimal("1.00"))
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.all().update(declaration_reference="x")
    assert state() == before


def test_bulk_deletes_keep_invoices_past_received(approved):
    before = state()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.filter(pk=approved.pk).delete()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.all().delete()
    assert state() == before


def test_bulk_create_registers_only_received_invoices(youth, region, staff_user):
    before = state()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.bulk_create([new_invoice(youth, region, staff_user, status=S.PAID)])
    assert state() == before


def test_bulk_update_does_not_move_the_status_or_change_a_checked_invoice(checked, colleague):
    before = state()
    checked.status = S.PAID
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.bulk_update([checked], ["status"])
    checked.status, checked.amount = S.CHECKED, Decimal("1.00")
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.bulk_update([checked], ["amount"])
    checked.registered_by = colleague
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.bulk_update([checked], ["registered_by"])
    assert state() == before


def test_the_steps_refuse_every_bulk_path(approved, staff_user):
    before = state()
    steps = InvoiceTransition.objects.filter(invoice=approved)
    attempts = [
        lambda: steps.update(by=staff_user),
        lambda: steps.delete(),
        lambda: InvoiceTransition.objects.bulk_update(list(steps), ["by"]),
        lambda: InvoiceTransition.objects.bulk_create(
            [InvoiceTransition(invoice=approved, from_status=S.APPROVED, to_status=S.PAID, by=staff_user)]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(InvoiceTransitionError):
            attempt()
    assert state() == before


# --- invoices that arrive with their history (the demo data) ----------------------------------


def test_a_history_must_be_a_path_of_the_workflow_with_four_eyes(youth, region, staff_user, colleague):
    """The one bulk path for invoices past "received": each comes with the steps it went through,
    and the steps must be the workflow's, the approval by someone other than the registrant."""
    at = datetime.datetime(2026, 5, 7, 10, tzinfo=datetime.UTC)

    def step(a, b, by, reason=""):
        return InvoiceTransition(from_status=a, to_status=b, by=by, at=at, reason=reason)

    before = state()
    wrong = [
        (S.PAID, [step(S.RECEIVED, S.PAID, colleague)]),  # skips two steps
        (S.APPROVED, [step(S.RECEIVED, S.CHECKED, staff_user), step(S.CHECKED, S.APPROVED, staff_user)]),  # own
        (S.APPROVED, [step(S.RECEIVED, S.CHECKED, staff_user)]),  # ends elsewhere than its status
        (S.REJECTED, [step(S.RECEIVED, S.REJECTED, colleague)]),  # no reason
    ]
    for n, (status, history) in enumerate(wrong):
        invoice = new_invoice(youth, region, staff_user, status=status, invoice_number=f"H-{n}")
        with pytest.raises(InvoiceTransitionError):
            Invoice.objects.bulk_create_with_history([(invoice, history)])
    assert state() == before
    good = new_invoice(youth, region, staff_user, status=S.APPROVED, invoice_number="H-ok")
    Invoice.objects.bulk_create_with_history(
        [(good, [step(S.RECEIVED, S.CHECKED, staff_user), step(S.CHECKED, S.APPROVED, colleague)])]
    )
    assert list(good.transitions.values_list("to_status", "by")) == [
        (S.CHECKED, staff_user.pk),
        (S.APPROVED, colleague.pk),
    ]
