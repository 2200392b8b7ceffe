import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest

from contracts.imports import import_declaration_message, import_invoices_csv
from contracts.models import Invoice, InvoiceLine
from tests.factories import ContractFactory, MunicipalityFactory, ProviderFactory

D = datetime.date
EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "JW323-example.xml").read_bytes()
HEADER = (
    "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag;declaratiereferentie\n"
)
GOOD = (
    HEADER
    + "65656055;2026-0001;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;1.234,56;REF1\n"
    + "65656055;2026-0002;2026-05-06;JGD-2024-001;Venlo;2026-04-01;2026-04-30;-100,00;\n"
)


def snapshot():
    return sorted(Invoice.objects.values_list("invoice_number", "amount"))


def test_good_csv_is_imported(youth, staff_user):
    result = import_invoices_csv(GOOD.encode(), by=staff_user)
    assert result.ok, result.problems
    assert result.total == Decimal("1134.56")
    assert result.per_municipality() == [("Venlo", 1, Decimal("-100.00")), ("Weert", 1, Decimal("1234.56"))]
    first = Invoice.objects.get(invoice_number="2026-0001")
    assert (first.amount, first.due_date, first.source, first.registered_by) == (
        Decimal("1234.56"),
        D(2026, 6, 5),
        "csv",
        staff_user,
    )


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("11111111;N1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,00;", "aanbieder_agb", "11111111"),
        ("65656055;N1;31-02-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,00;", "factuurdatum", "31-02-2026"),
        ("65656055;N1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,001;", "bedrag", "10,001"),
        (
            "65656055;N1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;1.234;",
            "bedrag",
            "schrijf het bedrag met centen",
        ),
        ("65656055;N1;31-11-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,00;", "factuurdatum", "bestaat niet"),
        ("65656055;N1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;tien;", "bedrag", "tien"),
        ("65656055;N1;06-05-2026;ONBEKEND;GM0988;01-04-2026;30-04-2026;10,00;", "contract", "ONBEKEND"),
        ("65656055;N1;06-05-2026;JGD-2024-001;GM0935;01-04-2026;30-04-2026;10,00;", "gemeente", "GM0935"),
        ("65656055;N1;06-05-2026;JGD-2024-001;Roermond;01-04-2026;30-04-2026;10,00;", "gemeente", "neemt niet deel"),
        (
            "65656055;N1;06-05-2026;JGD-2024-001;GM0988;01-12-2023;31-12-2023;10,00;",
            "periode_van",
            "buiten de contractperiode",
        ),
        ("65656055;N1;06-05-2026;JGD-2024-001;GM0988;30-04-2026;01-04-2026;10,00;", "periode_tot", "eindigt"),
        ("65656055;;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;10,00;", "factuurnummer", "factuurnummer"),
    ],
)
def test_each_bad_row_is_reported_with_line_and_column_and_nothing_saved(youth, staff_user, row, column, fragment):
    content = GOOD + row + "\n"
    result = import_invoices_csv(content.encode(), by=staff_user)
    assert not result.ok
    assert [(p.line, p.column) for p in result.problems] == [(4, column)]
    assert fragment in str(result.problems[0])
    assert str(result.problems[0]).startswith(f"Regel 4, {column}:")
    assert snapshot() == []


def test_duplicates_in_the_file_and_in_the_portal_are_refused(youth, staff_user):
    assert import_invoices_csv(GOOD.encode(), by=staff_user).ok
    before = snapshot()
    again = import_invoices_csv(GOOD.encode(), by=staff_user)
    assert [(p.line, p.column) for p in again.problems] == [(2, "factuurnummer"), (3, "factuurnummer")]
    assert "al in het portaal" in str(again.problems[0])
    twice = (
        HEADER
        + GOOD.splitlines()[1].replace("2026-0001", "2026-0009")
        + "\n"
        + GOOD.splitlines()[1].replace("2026-0001", "2026-0009")
        + "\n"
    )
    result = import_invoices_csv(twice.encode(), by=staff_user)
    assert [(p.line, "regel 2" in str(p)) for p in result.problems] == [(3, True)]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "ontbrekende kolommen"),
        (b"factuurnummer;bedrag\nF1;10\n", "aanbieder_agb"),
        (HEADER.encode(), "geen facturen"),
        (b"\x00\x01PK\x03\x04", "tekstbestand"),
    ],
)
def test_unusable_csv_files(youth, staff_user, content, fragment):
    result = import_invoices_csv(content, by=staff_user)
    assert not result.ok and fragment in str(result.problems[0])
    assert snapshot() == []


# --- 323 --------------------------------------------------------------------------------------


@pytest.fixture
def diemen(youth):
    """The shared example is addressed to municipality 0384 (not one of ours) by AGB 65656055."""
    municipality = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    contract = ContractFactory(
        reference="JGD-D-001", provider=youth["provider"], segment=youth["segment"], municipalities=[municipality]
    )
    return contract


def test_the_shared_example_is_refused_for_an_unknown_municipality(youth, staff_user):
    result = import_declaration_message(EXAMPLE, by=staff_user)
    assert not result.ok
    assert "0384" in str(result.problems[0]) and "gemeente" in str(result.problems[0])
    assert snapshot() == []


def test_the_shared_example_imports_when_receiver_and_sender_are_known(diemen, staff_user):
    result = import_declaration_message(EXAMPLE, by=staff_user)
    assert result.ok, result.problems
    invoice = Invoice.objects.get()
    assert (invoice.invoice_number, invoice.amount, invoice.contract, invoice.source) == (
        "DN001",
        Decimal("790.00"),
        diemen,
        "323",
    )
    assert (invoice.period_start, invoice.period_end, invoice.invoice_date) == (
        D(2026, 4, 1),
        D(2026, 4, 30),
        D(2026, 5, 6),
    )
    assert invoice.declaration_reference == "765432198"
    lines = list(invoice.lines.order_by("id").values_list("product_code", "volume", "tariff", "amount"))
    assert lines[0] == ("45A03", 4, Decimal("12.50"), Decimal("50.00"))
    assert sum(line[3] for line in lines) == Decimal("790.00") and len(lines) == 5


def test_no_citizen_number_is_stored(diemen, staff_user):
    import_declaration_message(EXAMPLE, by=staff_user)
    stored = [str(v) for row in InvoiceLine.objects.values_list() for v in row]
    stored += [str(v) for row in Invoice.objects.values_list() for v in row]
    assert not any("999900006" in v or "999900018" in v for v in stored)
    assert "bsn" not in {f.name.lower() for f in InvoiceLine._meta.get_fields()}


def test_a_credit_declaration_is_negative(diemen, staff_user):
    credit = EXAMPLE.replace(b"<ijw:DebetCredit>D</ijw:DebetCredit>", b"<ijw:DebetCredit>C</ijw:DebetCredit>")
    assert import_declaration_message(credit, by=staff_user).ok
    assert Invoice.objects.get().amount == Decimal("-790.00")


def test_wmo323_is_recognised(youth, staff_user, region):
    from contracts.models import Segment

    wmo = Segment.objects.create(code="WMO-OND", name="Wmo-ondersteuning", law="wmo", module=youth["segment"].module)
    municipality = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    ContractFactory(reference="WMO-001", provider=youth["provider"], segment=wmo, municipalities=[municipality])
    message = (
        EXAMPLE.replace(
            b"http://www.istandaarden.nl/ijw/3_2/basisschema/schema",
            b"http://www.istandaarden.nl/iwmo/3_2/basisschema/schema",
        )
        .replace(
            b"http://www.istandaarden.nl/ijw/3_2/jw323/schema", b"http://www.istandaarden.nl/iwmo/3_2/wmo323/schema"
        )
        .replace(b"<jw323:BerichtCode>490", b"<jw323:BerichtCode>484")
        .replace(b"<jw323:ProductCategorie>45", b"<jw323:ProductCategorie>02")
    )  # Wmo categories are 01-18
    result = import_declaration_message(message, by=staff_user)
    assert result.ok, result.problems
    assert Invoice.objects.get().contract.reference == "WMO-001"


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda x: x.replace(b"<jw323:DeclaratieNummer>DN001</jw323:DeclaratieNummer>", b""), "schema"),
        (lambda x: x.replace(b"<jw323:Ontvanger>0384", b"<jw323:Ontvanger>GM0384"), "schema"),
        (lambda x: x.replace(b"<ijw:TotaalBedrag>79000", b"<ijw:TotaalBedrag>79001"), "som van de regels"),
        (lambda x: x.replace(b"<jw323:Afzender>65656055", b"<jw323:Afzender>11111111"), "11111111"),
        (lambda x: x[:500], "geen geldige XML"),
        (lambda x: b"<html><body>hallo</body></html>", "geen JW323"),
        (
            lambda x: re.sub(
                rb"(<jw323:DeclaratiePeriode>\s*<ijw:Begindatum>)2026(-04-01</ijw:Begindatum>\s*<ijw:Einddatum>)2026",
                rb"\g<1>2029\g<2>2029",
                x,
            ),
            "Geen contract",
        ),
    ],
)
def test_bad_messages_are_refused_and_nothing_saved(diemen, staff_user, mutate, fragment):
    result = import_declaration_message(mutate(EXAMPLE), by=staff_user)
    assert not result.ok
    assert any(fragment in str(p) for p in result.problems), [str(p) for p in result.problems]
    assert snapshot() == [] and not InvoiceLine.objects.exists()


def test_a_message_is_imported_once(diemen, staff_user):
    assert import_declaration_message(EXAMPLE, by=staff_user).ok
    again = import_declaration_message(EXAMPLE, by=staff_user)
    assert "al in het portaal" in str(again.problems[0])
    assert Invoice.objects.count() == 1


def test_entities_are_not_expanded(diemen, staff_user):
    evil = EXAMPLE.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    )
    evil = evil.replace(b"DN001", b"&e;")
    result = import_declaration_message(evil, by=staff_user)
    assert not result.ok
    assert "DTD" in str(result.problems[0])
    assert not Invoice.objects.exists()


def test_two_fitting_contracts_are_decided_by_tariffs_or_refused(diemen, staff_user):
    from contracts.models import TariffLine

    second = ContractFactory(
        reference="JGD-D-002",
        provider=diemen.provider,
        segment=diemen.segment,
        municipalities=list(diemen.municipalities.all()),
    )
    result = import_declaration_message(EXAMPLE, by=staff_user)
    assert "JGD-D-001" in str(result.problems[0]) and "JGD-D-002" in str(result.problems[0])
    for code in ("45A03", "45A04"):
        TariffLine.objects.create(
            contract=second, product_category="45", product_code=code, unit="04", tariff=Decimal("12.50")
        )
    assert import_declaration_message(EXAMPLE, by=staff_user).ok
    assert Invoice.objects.get().contract == second


def test_unknown_provider_of_a_known_municipality(youth, staff_user):
    ProviderFactory(agb_code="99999999")
    message = EXAMPLE.replace(b"<jw323:Ontvanger>0384", b"<jw323:Ontvanger>0988").replace(
        b"<jw323:Afzender>65656055", b"<jw323:Afzender>12121212"
    )
    result = import_declaration_message(message, by=staff_user)
    assert "12121212" in str(result.problems[0]) and len(result.problems) == 1


def test_problems_are_listed_in_file_order(youth, staff_user):
    row = "11111111;N1;31-02-2026;JGD-2024-001;GM0935;01-04-2026;30-04-2026;tien;"
    result = import_invoices_csv((HEADER + row + "\n").encode(), by=staff_user)
    assert [p.column for p in result.problems] == ["aanbieder_agb", "factuurdatum", "gemeente", "bedrag"]
