"""Every import parser, fed arbitrary and almost-right files: never an exception (a 500), never a
partial save. Refused means the tables are exactly as before; accepted means every line is there.

Each example runs in a savepoint that is rolled back, so the examples do not see each other's data
while the (function-scoped) fixtures are shared by all examples of one test."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from budgeting.models import Budget, BudgetStatus, RealisedLine
from budgeting.services import import_realised_csv, open_accounts
from contracts.imports import import_declaration_message, import_invoices_csv
from contracts.models import Invoice, InvoiceLine, SpendingTotal
from entity.models import Module
from municipalities.models import PopulationCount
from municipalities.services import import_population_csv
from tests.budgeting.helpers import other, personnel
from tests.factories import ContractFactory, MunicipalityFactory

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "JW323-example.xml").read_text()


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes disappear afterwards, whatever it did."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Values that come close to what a column wants and trip naive parsers.
NASTY = [
    "",
    " ",
    "0",
    "-0",
    "1.2.3,4",
    "1,2,3",
    "1.234",
    "9" * 40,
    "-" + "9" * 30,
    "999999999999,99",
    "1e10",
    "NaN",
    "Infinity",
    "-1",
    "²³",
    "١٢٣",
    "00-00-0000",
    "31-02-2026",
    "29-02-2025",
    "31-12-9999",
    "01-01-0001",
    "0000-01-01",
    "9999-12-31",
    "2026-13-01",
    "32/01/2026",
    "\ufeff",
    "\x00",
    "\u202e",
    "é" * 300,
    "x" * 200_000,
    '"',
    '"unterminated',
    ";",
    "\r",
    "=cmd|' /C calc'!A0",
]
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"])


# --- invoice CSV ------------------------------------------------------------------------------

HEADER = [
    "aanbieder_agb",
    "factuurnummer",
    "factuurdatum",
    "contract",
    "gemeente",
    "periode_van",
    "periode_tot",
    "bedrag",
    "declaratiereferentie",
]
VALID_ROW = ["65656055", "N{n}", "06-05-2026", "JGD-2024-001", "GM0988", "01-04-2026", "30-04-2026", "1.234,56", ""]


def invoice_state() -> tuple[int, int, Decimal, list, int]:
    return (
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        Invoice.objects.aggregate(s=Sum("amount"))["s"] or Decimal("0.00"),
        sorted(SpendingTotal.objects.values_list("municipality_id", "year", "total")),
        AuditEntry.objects.count(),  # the audit trail is written with the data, or not at all
    )


@st.composite
def invoice_csv(draw) -> bytes:
    """A valid file with some fields, columns, the header, separator or encoding mutated."""
    header = list(HEADER)
    rows = [[cell.replace("{n}", str(i)) for cell in VALID_ROW] for i in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(0, 4))):
        if rows:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(HEADER) - 1))] = draw(value)
    if draw(st.booleans()):
        action = draw(st.sampled_from(["drop", "extra", "rename", "short", "long"]))
        index = draw(st.integers(0, len(HEADER) - 1))
        if action == "drop":
            header.pop(index)
            for row in rows:
                row.pop(index)
        elif action == "extra":
            header.insert(index, draw(value))
            for row in rows:
                row.insert(index, draw(value))
        elif action == "rename":
            header[index] = draw(value)
        elif action == "short" and rows:
            del rows[0][index:]  # a line with missing trailing columns
        elif rows:
            rows[0] += [draw(value), draw(value)]
    delimiter = draw(st.sampled_from([";", ";", ",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(delimiter.join(cells) for cells in [header, *rows]) + newline
    return encoded(text, draw(encodings))


def check_invoice_import(run, before) -> None:
    result = run()
    after = invoice_state()
    if result.ok:
        assert after[0] - before[0] == len(result.created)
        assert after[2] - before[2] == result.total
        assert all(i.pk for i in result.created)
    else:
        assert after == before, result.problems


@pytest.mark.django_db
@FUZZ
@given(data=invoice_csv())
def test_invoice_csv_parser(youth, staff_user, data):
    with rolled_back():
        check_invoice_import(lambda: import_invoices_csv(data, by=staff_user), invoice_state())


@pytest.mark.django_db
@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_invoice_import_of_random_bytes(youth, staff_user, data):
    with rolled_back():
        check_invoice_import(lambda: import_invoices_csv(data, by=staff_user), invoice_state())
        check_invoice_import(lambda: import_declaration_message(data, by=staff_user), invoice_state())


def test_a_valid_csv_is_accepted_whole(youth, staff_user):
    """The fuzzed files are built from this one: without mutations every line is saved."""
    rows = [";".join(HEADER)] + [";".join(c.replace("{n}", str(i)) for c in VALID_ROW) for i in range(3)]
    result = import_invoices_csv("\n".join(rows).encode(), by=staff_user)
    assert result.ok, result.problems
    assert Invoice.objects.count() == 3
    assert Invoice.objects.aggregate(s=Sum("amount"))["s"] == Decimal("3703.68")


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("factuurdatum", "31-12-9999"),  # the due date (+30 days) does not exist
        ("aanbieder_agb", None),  # a line that ends before the column
    ],
)
def test_dates_at_the_end_of_time_and_short_lines_are_reported(youth, staff_user, column, bad):
    row = [c.replace("{n}", "1") for c in VALID_ROW]
    index = HEADER.index(column)
    if bad is None:
        header = HEADER[index + 1 :] + HEADER[: index + 1]  # the column is last in the header …
        row = (row[index + 1 :] + row[: index + 1])[:-1]  # … and missing from the line
    else:
        header, row[index] = HEADER, bad
    result = import_invoices_csv((";".join(header) + "\n" + ";".join(row)).encode(), by=staff_user)
    assert not result.ok
    assert any(p.column == column for p in result.problems), result.problems
    assert Invoice.objects.count() == 0


def test_a_field_larger_than_the_csv_limit_is_reported(youth, staff_user, region):
    data = (";".join(HEADER) + '\n"' + "x" * 200_000 + '";1').encode()
    assert not import_invoices_csv(data, by=staff_user).ok
    assert not import_population_csv(b"Regio's;Perioden;Bevolking\n\"" + b"x" * 200_000 + b'";2026;1', "t").ok


# --- 323 declaration messages ----------------------------------------------------------------


@pytest.fixture
def diemen(youth):
    """The shared example is addressed to municipality 0384 by AGB 65656055."""
    municipality = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    return ContractFactory(
        reference="JGD-D-001", provider=youth["provider"], segment=youth["segment"], municipalities=[municipality]
    )


TEXT_FIELDS = [
    "DeclaratieNummer",
    "ijw:Begindatum",
    "ijw:Einddatum",
    "DeclaratieDagtekening",
    "ijw:TotaalBedrag",
    "ijw:DebetCredit",
    "ijw:Bedrag",
    "GeleverdVolume",
    "ProductTarief",
    "ProductCode",
    "Afzender",
    "Ontvanger",
    "ijw:Identificatie",
]
XML_NASTY = [
    "2026-04-01Z",
    "2026-04-01+14:00",
    "-2026-04-01",
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999",
    "+79000",
    " 79000 ",
    "0",
    "C",
    "&amp;",
    "&lt;x&gt;",
    "",
]


@st.composite
def declaration_message(draw) -> bytes:
    text = EXAMPLE
    for _ in range(draw(st.integers(1, 3))):
        tag = draw(st.sampled_from(TEXT_FIELDS))
        prefix = "" if ":" in tag else "jw323:"
        opening = f"<{prefix}{tag}>"
        start = text.find(opening)
        if start < 0:
            continue
        end = text.find("<", start + len(opening))
        new = draw(st.one_of(st.sampled_from(XML_NASTY), st.text(max_size=20).map(_xml_escape)))
        text = text[: start + len(opening)] + new + text[end:]
    change = draw(st.sampled_from(["none", "none", "namespace", "drop", "truncate", "encoding"]))
    if change == "namespace":
        text = text.replace("ijw/3_2/jw323", draw(st.sampled_from(["ijw/3_1/jw323", "iwmo/3_2/wmo323", "x"])), 1)
    elif change == "drop":
        tag = draw(st.sampled_from(TEXT_FIELDS))
        prefix = "" if ":" in tag else "jw323:"
        start, end = text.find(f"<{prefix}{tag}>"), text.find(f"</{prefix}{tag}>")
        if 0 <= start < end:
            text = text[:start] + text[end + len(f"</{prefix}{tag}>") :]
    elif change == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif change == "encoding":
        return text.encode("utf-16")
    return text.encode()


def _xml_escape(text: str) -> str:
    cleaned = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20 and c not in "\ufffe\uffff")
    return cleaned.replace("&", "&amp;").replace("<", "&lt;")


@pytest.mark.django_db
@FUZZ
@given(data=declaration_message())
def test_declaration_message_parser(diemen, staff_user, data):
    with rolled_back():
        before = invoice_state()
        result = import_declaration_message(data, by=staff_user)
        after = invoice_state()
        if result.ok:
            (invoice,) = result.created
            assert after[0] - before[0] == 1
            assert after[1] - before[1] == invoice.lines.count() > 0
            assert after[2] - before[2] == invoice.amount == sum(line.amount for line in invoice.lines.all())
        else:
            assert after == before, result.problems


def test_the_unmutated_example_is_accepted(diemen, staff_user):
    result = import_declaration_message(EXAMPLE.encode(), by=staff_user)
    assert result.ok, result.problems


@pytest.mark.parametrize("tag", ["ijw:Begindatum", "DeclaratieDagtekening"])
@pytest.mark.parametrize("bad", ["2026-04-01Z", "2026-04-01+02:00"])
def test_dates_with_a_time_zone_are_refused_not_a_crash(diemen, staff_user, tag, bad):
    """xs:date allows a time zone; the portal's dates have none."""
    prefix = "" if ":" in tag else "jw323:"
    start = EXAMPLE.find(f"<{prefix}{tag}>")
    end = EXAMPLE.find("<", start + len(f"<{prefix}{tag}>"))
    text = EXAMPLE[: start + len(f"<{prefix}{tag}>")] + bad + EXAMPLE[end:]
    result = import_declaration_message(text.encode(), by=staff_user)
    assert not result.ok
    assert Invoice.objects.count() == 0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def _with_dtd(dtd: str, reference: str, tag: str = "DeclaratieNummer") -> bytes:
    body = EXAMPLE.split("?>", 1)[1]
    body = body.replace(f"<jw323:{tag}>DN001<", f"<jw323:{tag}>{reference}<", 1)
    return (dtd + body).encode()


def test_billion_laughs_is_refused_not_expanded(diemen, staff_user):
    data = _with_dtd(BILLION_LAUGHS, "&lol9;")
    result = import_declaration_message(data, by=staff_user)
    assert not result.ok
    assert "lol" not in " ".join(str(p) for p in result.problems)
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize("kind", ["SYSTEM", "PARAMETER"])
def test_external_entities_are_refused_not_read(diemen, staff_user, tmp_path, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    if kind == "SYSTEM":
        dtd = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        data = _with_dtd(dtd, "&xxe;")
    else:
        dtd = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>\n'
        data = _with_dtd(dtd, "DN001")
    result = import_declaration_message(data, by=staff_user)
    assert not result.ok
    assert "TOPSECRET" not in " ".join(str(p) for p in result.problems)
    assert not Invoice.objects.filter(invoice_number__contains="TOPSECRET").exists()
    assert Invoice.objects.count() == 0


# --- CBS population CSV ----------------------------------------------------------------------

POPULATION_HEADER = ["Geslacht", "Leeftijd", "Burgerlijke staat", "Regio's", "Perioden", "Bevolking op 1 januari"]
POPULATION_ROW = ["Totaal mannen en vrouwen", "Totaal", "Totaal burgerlijke staat", "Weert", "20{n}", "51500"]
POPULATION_NASTY = ["0000", "0000JJ00", "2026MM00", "2026MM13", "9999MM12", "2026 maart*", "²", "99999999999999"]


def population_state() -> list:
    return sorted(PopulationCount.objects.values_list("municipality_id", "reference_date", "inhabitants", "source"))


@st.composite
def population_csv(draw) -> bytes:
    header = list(POPULATION_HEADER)
    rows = [[c.replace("{n}", str(30 + i)) for c in POPULATION_ROW] for i in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(0, 4))):
        if rows:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(header) - 1))] = draw(st.one_of(value, st.sampled_from(POPULATION_NASTY)))
    if draw(st.booleans()):
        index = draw(st.integers(0, len(header) - 1))
        header.pop(index)
        for row in rows[: draw(st.integers(0, len(rows)))]:
            row.pop(index)
    lines = [draw(st.sampled_from(["", '"Bevolking; titel"', "Titel"]))] + [
        ";".join(f'"{c}"' if draw(st.booleans()) else c for c in cells) for cells in [header, *rows]
    ]
    lines.append(draw(st.sampled_from(["", '"Bron: CBS"', "Bron: CBS;;;", "x"])))
    return encoded("\n".join(lines), draw(encodings))


def check_population_import(data: bytes) -> None:
    before = population_state()
    result = import_population_csv(data, "fuzz")
    after = population_state()
    if result.ok:
        assert len(after) - len(before) == result.created
        assert result.total > 0
    else:
        assert after == before, result.errors


@pytest.mark.django_db
@FUZZ
@given(data=st.one_of(population_csv(), st.binary(max_size=1000)))
def test_population_csv_parser(region, data):
    with rolled_back():
        check_population_import(data)


@pytest.mark.parametrize(
    ("period", "population"),
    [("0000", "51500"), ("0000JJ00", "51500"), ("2026", "²"), ("2026", "99999999999999"), ("2026", "١٢٣")],
)
def test_population_edge_values_are_reported(region, period, population):
    data = f"Regio's;Perioden;Bevolking\nWeert;{period};{population}\n".encode()
    before = population_state()
    result = import_population_csv(data, "t")
    assert not result.ok
    assert population_state() == before


# --- realised amounts of the annual accounts -------------------------------------------------


@pytest.fixture
def accounts(region, staff_user):
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2025, created_by=staff_user)
    personnel(budget)
    other(budget, "45000.00")
    Budget.objects.filter(pk=budget.pk).update(
        status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=datetime.date(2024, 7, 3)
    )
    budget.refresh_from_db()
    return open_accounts(budget, by=staff_user)


def realised_state() -> list:
    return sorted(RealisedLine.objects.values_list("line_id", "amount", "explanation"))


@st.composite
def realised_csv(draw, line_ids: list[int]) -> bytes:
    header = ["regel", "omschrijving", "begroot", "gerealiseerd", "toelichting"]
    rows = [[str(pk), "x", "1,00", "149.400,00" if i == 0 else "45.000,00", "uitleg"] for i, pk in enumerate(line_ids)]
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from([0, 3, 4]))] = draw(st.one_of(value, st.sampled_from(["²", "9" * 25, "-5"])))
    if draw(st.booleans()):
        index = draw(st.integers(0, 4))
        header[index] = draw(value)
    text = "\n".join(";".join(c) for c in [header, *rows])
    return encoded(text, draw(encodings))


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_realised_csv_parser(accounts, data):
    from django.core.exceptions import ValidationError

    line_ids = sorted(accounts.budget.lines.values_list("pk", flat=True))
    payload = data.draw(st.one_of(realised_csv(line_ids), st.binary(max_size=500)))
    with rolled_back():
        before = realised_state()
        try:
            changed = import_realised_csv(accounts, payload)
        except ValidationError:
            assert realised_state() == before
        else:
            assert changed >= 0
            assert len(realised_state()) <= len(line_ids)


@pytest.mark.parametrize("line", ["²", "9" * 25])
def test_odd_line_numbers_are_reported(accounts, line):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        import_realised_csv(accounts, f"regel;gerealiseerd\n{line};10,00\n".encode())
    assert RealisedLine.objects.count() == 0


# --- the same through the views (the test client re-raises any exception, i.e. a 500) --------


@pytest.mark.django_db
@FUZZ
@given(
    data=st.one_of(invoice_csv(), declaration_message(), st.binary(max_size=500)),
    name=st.sampled_from(["f.csv", "f.xml", "f.txt", "f.CSV", "f.pdf"]),
)
def test_invoice_import_view(diemen, staff_user, client, data, name):
    client.force_login(staff_user)
    with rolled_back():
        before = invoice_state()
        response = client.post(reverse("contracts:invoice_import"), {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 200
        result = response.context["result"]
        if result is None or not result.ok:
            assert invoice_state() == before
        else:
            assert invoice_state()[0] - before[0] == len(result.created)


@pytest.mark.django_db
@FUZZ
@given(data=st.one_of(population_csv(), st.binary(max_size=500)), table=st.sampled_from(["03759ned", "x"]))
def test_population_import_view(region, staff_user, client, data, table):
    client.force_login(staff_user)
    with rolled_back():
        before = population_state()
        response = client.post(
            reverse("municipalities:import"), {"table": table, "file": SimpleUploadedFile("cbs.csv", data)}
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert population_state() == before


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_realised_import_view(accounts, staff_user, client, data):
    client.force_login(staff_user)
    line_ids = sorted(accounts.budget.lines.values_list("pk", flat=True))
    payload = data.draw(st.one_of(realised_csv(line_ids), st.binary(max_size=500)))
    with rolled_back():
        response = client.post(
            reverse("budgeting:accounts_import", args=[accounts.pk]), {"file": SimpleUploadedFile("r.csv", payload)}
        )
        assert response.status_code == 302
