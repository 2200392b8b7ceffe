"""The message traffic import: 301, 323 and 325 of both laws, one at a time and in a ZIP."""

import io
import zipfile
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from contracts.models import Invoice, InvoiceLine
from portal.pseudonyms import client_key
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT
from traffic.imports import import_message, import_upload
from traffic.models import Allocation, DeclarationReturn, ReturnLine

LAWS = [("JW", "jeugdwet"), ("WMO", "wmo")]


def counts():
    return (
        Allocation.objects.count(),
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        DeclarationReturn.objects.count(),
        ReturnLine.objects.count(),
    )


def performances():
    return [
        Performance(BSNS[0], "RN001", "10072", Decimal("50.00")),
        Performance(BSNS[1], "RN002", "10073", Decimal("240.00"), code="45A04", codes=["8001", "0611"]),
        Performance(BSNS[1], "RN002", "10073", Decimal("210.00"), code="45A04", start="2026-03-01", end="2026-03-31"),
        Performance(BSNS[2], "RN003", "99999", Decimal("-25.00")),
    ]


@pytest.mark.parametrize(("prefix", "law"), LAWS)
def test_an_allocation_is_kept_with_its_client_key_and_a_later_message_updates_it(traffic, staff_user, prefix, law):
    message = allocation(f"{prefix}301", WEERT, AGB, BSNS[0], [Product("10072", budget_cents=150000), Product("10073")])
    result = import_message(message, by=staff_user)
    assert result.ok, result.problems
    first = Allocation.objects.get(number="10072")
    assert (
        first.law,
        first.municipality,
        first.provider,
        first.client_key,
        first.budget,
        first.unit,
        first.frequency,
    ) == (law, traffic["weert"], traffic["provider"], client_key(BSNS[0]), Decimal("1500.00"), "04", "2")
    assert "2 nieuw" in result.summary
    update = allocation(
        f"{prefix}301",
        WEERT,
        AGB,
        BSNS[0],
        [Product("10072", end="2026-06-30", reason="05", budget_cents=150000)],
        message_id="301000002",
    )
    result = import_message(update, by=staff_user)
    assert result.ok and "1 bijgewerkt" in result.summary
    assert Allocation.objects.count() == 2
    changed = Allocation.objects.get(number="10072")
    assert (str(changed.end_date), changed.change_reason, changed.message_identification) == (
        "2026-06-30",
        "05",
        "301000002",
    )
    entry = AuditEntry.objects.filter(object_id=str(changed.pk), action="update").get()
    assert entry.changes["end_date"] == ["2026-12-31", "2026-06-30"] and entry.actor == staff_user
    assert import_message(update, by=staff_user).summary.count("1 ongewijzigd") == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.replace(b">0988<", b">0001<", 1), "0001"),  # unknown municipality, named
        (lambda m: m.replace(b">65656055<", b">11111111<", 1), "11111111"),  # unknown provider, named
        (lambda m: m.replace(b"<b:Eenheid>04<", b"<b:Eenheid>99<"), "Eenheid"),  # schema, the element named
        (lambda m: m.replace(b"<b:Datum>2012-03-04<", b"<b:Datum>2012-13-04<"), "Datum"),
        (lambda m: m[:900], "geen geldige XML"),
        (lambda m: m.replace(b">2026-12-31<", b">2025-01-01<", 1), "eindigt voordat"),
        (lambda m: m.replace(b">10073<", b">10072<"), "twee keer"),
    ],
)
def test_a_bad_allocation_message_saves_nothing_and_says_why(traffic, staff_user, change, expected):
    message = allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072"), Product("10073")])
    result = import_message(change(message), by=staff_user)
    assert not result.ok
    text = " ".join(str(p) for p in result.problems)
    assert expected in text, text
    assert counts() == (0, 0, 0, 0, 0)
    assert "2012" not in text and BSNS[0] not in text  # no value of the client is repeated


def test_an_allocation_number_of_another_provider_is_refused(traffic, staff_user):
    from tests.factories import ProviderFactory

    ProviderFactory(agb_code="22222222")
    assert import_message(allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]), by=staff_user).ok
    result = import_message(allocation("JW301", WEERT, "22222222", BSNS[0], [Product("10072")]), by=staff_user)
    assert not result.ok and "Zorggroep Maasland" in str(result.problems[0])


@pytest.mark.parametrize(("prefix", "law"), LAWS)
def test_a_declaration_keeps_every_performance_and_lists_unknown_allocations(traffic, staff_user, prefix, law):
    import_message(allocation(f"{prefix}301", WEERT, AGB, BSNS[0], [Product("10072"), Product("10073")]), by=staff_user)
    result = import_message(declaration(f"{prefix}323", AGB, WEERT, "DN001", performances()), by=staff_user)
    assert result.ok, result.problems
    invoice = Invoice.objects.get()
    assert (invoice.law, invoice.amount, invoice.lines.count()) == (law, Decimal("475.00"), 4)
    line = invoice.lines.get(reference_number="RN003")
    assert (line.client_key, line.assignment_number, line.amount) == (client_key(BSNS[2]), "99999", Decimal("-25.00"))
    assert Allocation.objects.for_line(invoice.lines.get(reference_number="RN001")).get().number == "10072"
    assert result.unknown_allocations == ["99999"]


def test_op349_the_same_number_under_both_laws_is_two_declarations(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", performances()), by=staff_user).ok
    assert import_message(declaration("WMO323", AGB, WEERT, "DN001", performances()), by=staff_user).ok
    assert sorted(Invoice.objects.values_list("law", flat=True)) == ["jeugdwet", "wmo"]
    again = import_message(declaration("WMO323", AGB, WEERT, "DN001", performances()), by=staff_user)
    assert not again.ok and "al in het portaal" in str(again.problems[0])
    assert Invoice.objects.count() == 2


@pytest.mark.parametrize(("prefix", "law"), LAWS)
def test_an_answer_links_to_its_declaration_and_adds_up(traffic, staff_user, prefix, law):
    perf = performances()
    import_message(declaration(f"{prefix}323", AGB, WEERT, "DN001", perf), by=staff_user)
    result = import_message(
        answer(f"{prefix}325", WEERT, AGB, "DN001", [perf[1]], declared=Decimal("475.00"), granted=Decimal("235.00")),
        by=staff_user,
    )
    assert result.ok, result.problems
    answered = DeclarationReturn.objects.get()
    assert (answered.declared, answered.granted, answered.rejected) == (
        Decimal("475.00"),
        Decimal("235.00"),
        Decimal("240.00"),
    )
    line = ReturnLine.objects.get()
    assert (line.accepted, line.invoice_line.amount, line.invoice_line.period_start.month) == (
        False,
        Decimal("240.00"),
        4,
    )
    assert dict(line.codes())["0611"] == "Het ingediende tarief komt niet overeen met het contractuele tarief"


@pytest.mark.parametrize(
    ("number", "granted", "expected"),
    [
        ("DN999", Decimal("235.00"), "DN999"),  # an unknown declaration
        ("DN001", Decimal("236.00"), "tellen niet op"),  # granted + rejected != declared
    ],
)
def test_a_bad_answer_saves_nothing(traffic, staff_user, number, granted, expected):
    perf = performances()
    import_message(declaration("JW323", AGB, WEERT, "DN001", perf), by=staff_user)
    result = import_message(
        answer("JW325", WEERT, AGB, number, [perf[1]], declared=Decimal("475.00"), granted=granted), by=staff_user
    )
    assert not result.ok and expected in str(result.problems), result.problems
    assert (DeclarationReturn.objects.count(), ReturnLine.objects.count()) == (0, 0)


def test_an_answer_to_a_performance_that_was_not_declared_is_refused(traffic, staff_user):
    perf = performances()
    import_message(declaration("JW323", AGB, WEERT, "DN001", perf), by=staff_user)
    stranger = Performance(BSNS[3], "RN002", "10073", Decimal("240.00"), codes=["8187"])
    result = import_message(
        answer("JW325", WEERT, AGB, "DN001", [stranger], declared=Decimal("475.00"), granted=Decimal("235.00")),
        by=staff_user,
    )
    assert not result.ok and "RN002" in str(result.problems[0])
    assert DeclarationReturn.objects.count() == 0


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_imported_in_order_and_reported_per_file(traffic, staff_user):
    perf = performances()
    files = {
        "c-antwoord.xml": answer(
            "JW325", WEERT, AGB, "DN001", [perf[1]], declared=Decimal("475.00"), granted=Decimal("235.00")
        ),
        "b-declaratie.xml": declaration("JW323", AGB, WEERT, "DN001", perf),
        "a-toewijzing.xml": allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]),
        "d-kapot.xml": b"<niet-af",
    }
    result = import_upload("verkeer.zip", _zip(files), by=staff_user)
    assert [(f.name, f.kind, f.ok) for f in result.files] == [
        ("a-toewijzing.xml", "JW301", True),
        ("b-declaratie.xml", "JW323", True),
        ("c-antwoord.xml", "JW325", True),
        ("d-kapot.xml", "", False),
    ]
    assert result.files[1].unknown_allocations == ["10073", "99999"]
    assert counts() == (1, 1, 4, 1, 1)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({f"m{i}.xml": b"<x/>" for i in range(31)}, "32 bestanden"),
        ({"a.xml": b"<x/>", "leesmij.txt": b"hallo"}, "leesmij.txt"),
    ],
)
def test_a_zip_with_too_many_or_other_files_is_refused_whole(traffic, staff_user, files, expected):
    files = {"ok.xml": allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]), **files}
    result = import_upload("verkeer.zip", _zip(files), by=staff_user)
    assert result.problems and expected in str(result.problems[0]) and not result.files
    assert counts() == (0, 0, 0, 0, 0)


def test_a_zip_that_unpacks_past_the_limit_is_refused_whole(traffic, staff_user, monkeypatch):
    from traffic.imports import upload

    monkeypatch.setattr(upload, "MAX_BYTES", 50_000)
    bomb = _zip({"ok.xml": allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]), "big.xml": b" " * 60_000})
    assert len(bomb) < 50_000
    result = upload.import_upload("bom.zip", bomb, by=staff_user)
    assert result.problems and "100 MB" in str(result.problems[0])
    assert counts() == (0, 0, 0, 0, 0)


def test_without_a_pseudonym_key_nothing_is_imported(traffic, staff_user, settings):
    settings.CLIENT_PSEUDONYM_KEY = ""
    result = import_message(allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]), by=staff_user)
    assert not result.ok and "CLIENT_PSEUDONYM_KEY" in str(result.problems[0])
    assert counts() == (0, 0, 0, 0, 0)


def test_an_older_allocation_message_does_not_undo_a_later_one(traffic, staff_user):
    later = allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072", end="2026-06-30")], date="2026-02-01")
    older = allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072", end="2026-12-31")], date="2026-01-01")
    assert import_message(later, by=staff_user).ok
    result = import_message(older, by=staff_user)
    assert result.ok and "1 ongewijzigd" in result.summary
    assert str(Allocation.objects.get().end_date) == "2026-06-30"


def test_a_325_that_refuses_the_whole_declaration_links_by_its_message_and_grants_nothing(traffic, staff_user):
    perf = performances()
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perf, message_id="323777"), by=staff_user).ok
    whole = answer(
        "JW325", WEERT, AGB, "DN001", [], declared=Decimal("475.00"), granted=Decimal("0.00"), declaration_id="323777"
    )
    start, end = whole.index(b"<jw325:DeclaratieAntwoord>"), whole.index(b"</jw325:DeclaratieAntwoord>")
    whole = whole[:start] + whole[end + len(b"</jw325:DeclaratieAntwoord>") :]
    result = import_message(whole.replace(b">0200<", b">0001<"), by=staff_user)
    assert result.ok, result.problems
    answered = DeclarationReturn.objects.get()
    assert (answered.declared, answered.granted, answered.return_codes) == (Decimal("475.00"), Decimal("0.00"), "0001")


def test_a_325_for_an_unknown_declaration_with_many_performances_is_refused_not_a_crash(traffic, staff_user):
    many = [Performance(BSNS[0], f"R{i}", "1", Decimal("1.00")) for i in range(2100)]
    result = import_message(
        answer("JW325", WEERT, AGB, "DN999", many, declared=Decimal("2100.00"), granted=Decimal("0.00")),
        by=staff_user,
    )
    assert not result.ok and "DN999" in str(result.problems[0])


def test_a_325_with_many_return_codes_is_kept_whole(traffic, staff_user):
    perf = performances()
    import_message(declaration("JW323", AGB, WEERT, "DN001", perf), by=staff_user)
    perf[1].codes = ["8001", "0611", "9307", "9308", "9321", "9322", "9333", "9338"] * 4
    result = import_message(
        answer("JW325", WEERT, AGB, "DN001", [perf[1]], declared=Decimal("475.00"), granted=Decimal("235.00")),
        by=staff_user,
    )
    assert result.ok, result.problems
    assert len(ReturnLine.objects.get().return_codes.split()) == 32


def test_the_shared_real_format_example_imports_through_the_traffic_page(traffic, staff_user):
    from pathlib import Path

    from tests.factories import ContractFactory, MunicipalityFactory

    diemen = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    ContractFactory(provider=traffic["provider"], segment=traffic["segment"], municipalities=[diemen])
    example = (Path(__file__).resolve().parent.parent / "data" / "JW323-example.xml").read_bytes()
    result = import_upload("JW323-example.xml", example, by=staff_user)
    (file,) = result.files
    assert file.ok and file.kind == "JW323", file.problems
    assert file.unknown_allocations == ["10072", "10073", "10074"]
    invoice = Invoice.objects.get()
    assert (invoice.amount, invoice.lines.count(), invoice.law) == (Decimal("790.00"), 5, "jeugdwet")
    assert {line.client_key for line in invoice.lines.all()} == {client_key("999900006"), client_key("999900018")}
    assert file.url == invoice.get_absolute_url()
