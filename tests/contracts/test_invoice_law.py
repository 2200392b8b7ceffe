"""An invoice's law is its contract's, on every path, and a number is unique per provider per
law (iJw/iWmo OP349): the same number under the Youth Act and the Wmo is two invoices."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse

from contracts.imports import import_invoices_csv
from contracts.models import Invoice, InvoiceTransitionError
from entity.models import Module
from tests.factories import ContractFactory, InvoiceFactory, SegmentFactory

CSV = (
    "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag\n"
    "65656055;N-1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,00\n"
)


@pytest.fixture
def both(youth, region):
    segment = SegmentFactory(code="WMO-S9", law="wmo", module=Module.objects.get(number=1))
    wmo = ContractFactory(
        reference="WMO-9", provider=youth["provider"], segment=segment, municipalities=[region["weert"]]
    )
    return {**youth, "wmo": wmo, "wmo_segment": segment, "weert": region["weert"]}


def test_the_same_number_under_the_other_law_is_another_invoice_in_the_csv_import(both, staff_user):
    InvoiceFactory(contract=both["wmo"], municipality=both["weert"], invoice_number="N-1")
    result = import_invoices_csv(CSV.encode(), by=staff_user)
    assert result.ok, result.problems
    assert sorted(Invoice.objects.values_list("law", flat=True)) == ["jeugdwet", "wmo"]
    again = import_invoices_csv(CSV.encode(), by=staff_user)
    assert not again.ok and "al in het portaal" in str(again.problems[0])


def test_the_form_applies_op349_per_law(both, users, login):
    InvoiceFactory(contract=both["wmo"], municipality=both["weert"], invoice_number="N-1")
    post = {
        "contract": both["contract"].pk,
        "municipality": both["weert"].pk,
        "invoice_number": "N-1",
        "invoice_date": "06-05-2026",
        "period_start": "01-04-2026",
        "period_end": "30-04-2026",
        "amount": "10,00",
        "declaration_reference": "",
    }
    response = login(users["staff"]).post(reverse("contracts:invoice_create"), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Invoice.objects.filter(invoice_number="N-1", law="jeugdwet").exists()
    response = login(users["staff"]).post(reverse("contracts:invoice_create"), post)
    assert response.status_code == 200 and "al een factuur met nummer N-1" in response.content.decode()


def test_the_law_follows_the_contract_on_every_path(both):
    invoice = InvoiceFactory(contract=both["contract"], municipality=both["weert"])
    assert invoice.law == "jeugdwet"
    invoice.law = "wmo"
    invoice.save()
    invoice.refresh_from_db()
    assert invoice.law == "jeugdwet"  # save derives it, whatever was set
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.filter(pk=invoice.pk).update(law="wmo")
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.filter(pk=invoice.pk).update(contract=F("contract"))
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.bulk_update([invoice], ["law"])
    invoice.contract = both["wmo"]
    Invoice.objects.bulk_update([invoice], ["contract"])
    assert Invoice.objects.values_list("law", flat=True).get(pk=invoice.pk) == "wmo"
    Invoice.objects.filter(pk=invoice.pk).update(contract=both["contract"])
    assert Invoice.objects.values_list("law", flat=True).get(pk=invoice.pk) == "jeugdwet"


def test_a_segment_or_contract_with_invoices_keeps_its_law(both):
    InvoiceFactory(contract=both["contract"], municipality=both["weert"])
    segment, contract = both["segment"], both["contract"]
    segment.law = "wmo"
    with pytest.raises(ValidationError):
        segment.full_clean()
    with pytest.raises(ValidationError):
        segment.save()
    contract.segment = both["wmo_segment"]
    with pytest.raises(ValidationError):
        contract.full_clean()
    with pytest.raises(ValidationError):
        contract.save()
    assert Invoice.objects.get().law == "jeugdwet"


def test_a_323_on_the_invoice_import_page_is_never_written_to_a_temporary_file(
    youth, users, login, settings, monkeypatch
):
    from django.core.files import uploadedfile

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    made = []
    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", lambda self, *a, **k: made.append(a))
    example = (reverse("contracts:invoice_import"), SimpleUploadedFile("d.xml", b"<?xml version='1.0'?><x/>"))
    response = login(users["staff"]).post(example[0], {"file": example[1]})
    assert response.status_code == 200 and not made


def test_an_upload_past_the_limit_is_refused_before_it_is_read(youth, users, login, monkeypatch):
    from contracts.imports import FORMATS

    monkeypatch.setattr(type(FORMATS), "max_bytes", property(lambda self: 1000))
    response = login(users["staff"]).post(
        reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("groot.csv", b"x" * 200_000)}
    )
    assert "groter dan 20 MB" in response.content.decode()
    assert datetime and Decimal  # imported for the factories' types


def test_an_invoice_from_a_declaration_message_keeps_what_the_message_says(diemen_example, users, login):
    invoice = Invoice.objects.get()
    url = reverse("contracts:invoice_edit", args=[invoice.pk])
    post = {
        "contract": invoice.contract_id,
        "municipality": invoice.municipality_id,
        "invoice_number": "X",
        "invoice_date": "06-05-2026",
        "period_start": "01-04-2026",
        "period_end": "30-04-2026",
        "amount": "999,00",
        "declaration_reference": "kenmerk",
    }
    response = login(users["staff"]).post(url, post)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.amount, invoice.invoice_number, invoice.declaration_reference) == (
        Decimal("790.00"),
        "DN001",
        "kenmerk",
    )
    invoice.amount = Decimal("1.00")
    with pytest.raises(InvoiceTransitionError):
        invoice.save()
    with pytest.raises(InvoiceTransitionError):
        Invoice.objects.filter(pk=invoice.pk).update(amount=Decimal("1.00"))


@pytest.fixture
def diemen_example(youth, staff_user):
    from pathlib import Path

    from contracts.imports import import_declaration_message
    from tests.factories import MunicipalityFactory

    diemen = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    ContractFactory(
        reference="JGD-D-001", provider=youth["provider"], segment=youth["segment"], municipalities=[diemen]
    )
    example = (Path(__file__).resolve().parent.parent / "data" / "JW323-example.xml").read_bytes()
    assert import_declaration_message(example, by=staff_user).ok
