"""The demo's message traffic (traffic.demo): three years of allocations, declared performances
and returns for every municipality, consistent to the cent, without anything like a BSN."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import models

from audit.models import AuditAction, AuditEntry
from contracts.codes import code_list
from contracts.models import Invoice, InvoiceLine, InvoiceSource, TariffLine
from municipalities.models import Municipality
from traffic.demo import load_traffic_demo
from traffic.models import Allocation, DeclarationReturn, ReturnLine

TRAFFIC = [Allocation, DeclarationReturn, ReturnLine, InvoiceLine]
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in [*TRAFFIC, Invoice, AuditEntry]}


def test_the_demo_traffic(db):
    """One load (it takes a while), every property checked on it, then a second load."""
    call_command("load_demo", "--allow-demo-users", "--invoices", "3000", stdout=io.StringIO())
    today = datetime.date.today()
    every_municipality_has_three_years_of_traffic(today)
    invoices_add_up_to_their_lines_and_returns_to_what_they_rejected()
    rejections_are_rare_and_use_the_standards_codes()
    lines_name_allocations_and_the_contracts_products()
    no_citizen_numbers_in_the_traffic_tables()
    imported_traffic_is_in_the_audit_trail()
    loading_the_demo_again_adds_nothing()


def every_municipality_has_three_years_of_traffic(demo: datetime.date) -> None:
    years = {demo.year - 2, demo.year - 1, demo.year}
    everyone = {(m, y) for m in Municipality.objects.values_list("pk", flat=True) for y in years}
    assert len(everyone) == 14 * 3
    assert set(Allocation.objects.values_list("municipality", "allocated_on__year")) >= everyone
    declared = Invoice.objects.filter(lines__isnull=False, source=InvoiceSource.MESSAGE)
    assert set(declared.values_list("municipality", "invoice_date__year")) >= everyone
    answered = DeclarationReturn.objects.values_list("invoice__municipality", "message_date__year")
    assert set(answered) >= everyone
    assert set(Allocation.objects.values_list("law", flat=True)) == {"jeugdwet", "wmo"}
    assert Allocation.objects.exclude(change_reason="").exists() and Allocation.objects.exclude(budget=None).exists()


def invoices_add_up_to_their_lines_and_returns_to_what_they_rejected() -> None:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for invoice_id, amount in InvoiceLine.objects.values_list("invoice_id", "amount"):
        totals[invoice_id] += amount
    invoices = dict(Invoice.objects.filter(pk__in=totals).values_list("pk", "amount"))
    assert invoices == dict(totals)  # to the cent, every invoice with lines
    assert not Invoice.objects.filter(pk__in=totals).exclude(source=InvoiceSource.MESSAGE).exists()
    rejected: dict[int, Decimal] = defaultdict(Decimal)
    for return_id, amount, line_invoice, return_invoice in ReturnLine.objects.values_list(
        "declaration_return_id", "invoice_line__amount", "invoice_line__invoice_id", "declaration_return__invoice_id"
    ):
        assert line_invoice == return_invoice
        rejected[return_id] += amount
    returns = list(DeclarationReturn.objects.values_list("pk", "invoice_id", "declared", "granted", "return_codes"))
    assert len(returns) > 0.9 * len(totals)  # most declarations are answered
    for pk, invoice_id, declared, granted, codes in returns:
        assert declared == invoices[invoice_id]
        assert granted + rejected.get(pk, Decimal("0.00")) == declared
        assert codes == ("0200" if pk in rejected else "8001")
    assert not ReturnLine.objects.filter(accepted=True).exists()


def rejections_are_rare_and_use_the_standards_codes() -> None:
    answered = InvoiceLine.objects.filter(invoice__declaration_return__isnull=False).count()
    assert 0.02 < ReturnLine.objects.count() / answered < 0.06
    known = code_list("LDT_RetourCode")
    for codes in ReturnLine.objects.values_list("return_codes", flat=True).distinct():
        assert codes and all(code in known for code in codes.split())


def lines_name_allocations_and_the_contracts_products() -> None:
    allocations = set(Allocation.objects.values_list("municipality", "law", "number"))
    lines = list(
        InvoiceLine.objects.values_list(
            "invoice__municipality", "invoice__law", "assignment_number", "invoice__contract", "product_code", "unit"
        )
    )
    unknown = [line for line in lines if line[:3] not in allocations]
    assert 0 < len(unknown) < 0.03 * len(lines)
    products = set(TariffLine.objects.values_list("contract", "product_code", "unit"))
    # Tariff-based lines in the contract's unit; what is left of an invoice in euros (unit 83).
    assert all((contract, code, unit) in products or unit == "83" for *_key, contract, code, unit in lines)
    provider_products = set(
        TariffLine.objects.values_list("contract__provider", "contract__segment__law", "product_code")
    )
    assert set(Allocation.objects.values_list("provider", "law", "product_code")) <= provider_products


def no_citizen_numbers_in_the_traffic_tables() -> None:
    for model in TRAFFIC:
        text = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        for row in model.objects.values_list(*text):
            for name, value in zip(text, row, strict=True):
                if name == "client_key":
                    assert re.fullmatch(r"[0-9a-f]{32}", value), value
                else:
                    assert not NINE_DIGITS.search(value), (model.__name__, name, value)


def imported_traffic_is_in_the_audit_trail() -> None:
    allocation_type = ContentType.objects.get_for_model(Allocation)
    created = AuditEntry.objects.filter(content_type=allocation_type, action=AuditAction.CREATE)
    assert created.count() == Allocation.objects.count()
    changed = AuditEntry.objects.filter(content_type=allocation_type, action=AuditAction.UPDATE)
    assert changed.count() == Allocation.objects.exclude(change_reason="").count()
    assert all("change_reason" in entry.changes for entry in changed)
    return_type = ContentType.objects.get_for_model(DeclarationReturn)
    assert AuditEntry.objects.filter(content_type=return_type).count() == DeclarationReturn.objects.count()


def loading_the_demo_again_adds_nothing() -> None:
    first = counts()
    out = io.StringIO()
    call_command("load_demo", "--allow-demo-users", "--invoices", "3000", stdout=out)
    assert "0 rows created" in out.getvalue()
    assert counts() == first


def test_the_same_seed_gives_the_same_traffic_and_a_cap_keeps_it_small(db):
    call_command("load_demo", "--allow-demo-users", "--invoices", "600", stdout=io.StringIO())
    lines = list(InvoiceLine.objects.order_by("pk").values_list("invoice__invoice_number", "client_key", "amount"))
    assert 0 < len(lines) < 20_000
    ReturnLine.objects.all().delete()
    DeclarationReturn.objects.all().delete()
    InvoiceLine.objects.all().delete()
    Allocation.objects.all().delete()
    load_traffic_demo(log=lambda line: None)
    assert (
        list(InvoiceLine.objects.order_by("pk").values_list("invoice__invoice_number", "client_key", "amount")) == lines
    )
    ReturnLine.objects.all().delete()
    DeclarationReturn.objects.all().delete()
    InvoiceLine.objects.all().delete()
    Allocation.objects.all().delete()
    assert load_traffic_demo(max_lines=500, log=lambda line: None) > 0
    assert InvoiceLine.objects.count() < 1000


def test_without_a_pseudonym_key_there_is_no_traffic(db, settings):
    call_command("load_demo", "--allow-demo-users", "--invoices", "200", stdout=io.StringIO())
    ReturnLine.objects.all().delete()
    DeclarationReturn.objects.all().delete()
    InvoiceLine.objects.all().delete()
    Allocation.objects.all().delete()
    settings.CLIENT_PSEUDONYM_KEY = ""
    warnings = []
    assert load_traffic_demo(log=lambda line: None, warn=warnings.append) == 0
    assert warnings and not Allocation.objects.exists()
