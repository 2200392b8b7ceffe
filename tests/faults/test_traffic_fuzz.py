"""The message traffic import (/berichten/import/), fed almost-right 301 and 325 messages and
broken ZIP files: never an exception (a 500), never a half-saved message, every refusal says why,
and no reason ever repeats a citizen number (BSN) from the message, not even a malformed one.

Like tests/faults/test_import_fuzz.py, each example runs in a savepoint that is rolled back."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from audit.models import AuditEntry
from contracts.models import Invoice, InvoiceLine
from tests.faults.test_import_fuzz import FUZZ, XML_NASTY, _xml_escape, rolled_back
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT, traffic  # noqa: F401 - the fixture
from traffic.imports import import_message, import_upload
from traffic.models import Allocation, DeclarationReturn, ReturnLine

# Malformed and near-miss citizen numbers: a problem text must never repeat any of them.
BSN_NASTY = ["99990000X", "9999000061", "99990000", " 999900006 ", "999900019", "000000000", "x99990001"]
FORBIDDEN = sorted({*BSNS, *(v.strip() for v in BSN_NASTY if len(v.strip()) >= 8)})

FIELDS_301 = [
    "Bsn",
    "ToewijzingNummer",
    "b:Categorie",
    "b:Code",
    "Toewijzingsdatum",
    "Ingangsdatum",
    "Einddatum",
    "b:Volume",
    "b:Eenheid",
    "b:Frequentie",
    "Budget",
    "RedenWijziging",
    "Afzender",
    "Ontvanger",
    "b:Identificatie",
    "b:Dagtekening",
    "b:Datum",
    "b:Achternaam",
]
FIELDS_325 = [
    "Bsn",
    "b:ReferentieNummer",
    "ToewijzingNummer",
    "ProductCode",
    "b:Begindatum",
    "b:Einddatum",
    "GeleverdVolume",
    "b:Bedrag",
    "b:TotaalBedrag",
    "b:DebetCredit",
    "RetourCode",
    "DeclaratieNummer",
    "Afzender",
    "Ontvanger",
    "b:Identificatie",
    "b:Dagtekening",
]


def performances() -> list[Performance]:
    return [
        Performance(BSNS[0], "RN001", "10072", Decimal("50.00")),
        Performance(BSNS[1], "RN002", "10073", Decimal("240.00"), code="45A04"),
        Performance(BSNS[2], "RN003", "10074", Decimal("-25.00")),
    ]


def allocation_message(prefix: str = "JW") -> bytes:
    """Updates 10072 (imported by the fixture) and allocates 10075 and 10076 anew."""
    products = [
        Product("10072", end="2026-06-30", reason="05", budget_cents=150000),
        Product("10075"),
        Product("10076", volume=None, end=None),
    ]
    return allocation(f"{prefix}301", WEERT, AGB, BSNS[3], products, message_id="301000009")


def answer_message(prefix: str = "JW") -> bytes:
    perf = performances()
    rejected = [
        Performance(BSNS[1], "RN002", "10073", Decimal("240.00"), code="45A04", codes=["8001", "0611"]),
        Performance(BSNS[0], "RN001", "10072", Decimal("50.00"), codes=["0200"]),
    ]
    declared = sum((x.amount for x in perf), Decimal("0.00"))
    return answer(f"{prefix}325", WEERT, AGB, "DN001", rejected, declared=declared, granted=declared - Decimal("240"))


@pytest.fixture
def declared(traffic, staff_user):  # noqa: F811 - the fixture of tests/traffic
    """One allocation and one declaration of each law, imported before the examples run."""
    for prefix in ("JW", "WMO"):
        message = allocation(f"{prefix}301", WEERT, AGB, BSNS[0], [Product("10072"), Product("10073")])
        assert import_message(message, by=staff_user).ok
        assert import_message(declaration(f"{prefix}323", AGB, WEERT, "DN001", performances()), by=staff_user).ok
    return traffic


def state() -> tuple:
    return (
        Allocation.objects.count(),
        sorted(Allocation.objects.values_list("law", "number", "end_date", "message_identification", "client_key")),
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        DeclarationReturn.objects.count(),
        ReturnLine.objects.count(),
        AuditEntry.objects.count(),
    )


# --- mutations ------------------------------------------------------------------------------


def _replace_text(text: str, tag: str, new: str, which: int) -> str:
    """The text of the ``which``-th element ``tag`` (any prefix when it has none) becomes ``new``."""
    local = tag.split(":")[-1]
    pattern = re.compile(rf"<(b|jw\d+|wmo\d+):{local}>" if ":" not in tag else rf"<{tag}>")
    found = list(pattern.finditer(text))
    if not found:
        return text
    match = found[which % len(found)]
    end = text.find("<", match.end())
    return text[: match.end()] + new + text[end:]


def _drop(text: str, tag: str, which: int) -> str:
    local = tag.split(":")[-1]
    found = list(re.finditer(rf"<((?:b|jw\d+|wmo\d+):{local})>.*?</\1>", text, re.S))
    if not found:
        return text
    match = found[which % len(found)]
    return text[: match.start()] + text[match.end() :]


@st.composite
def mutated(draw, message: bytes, fields: list[str]) -> bytes:
    text = message.decode()
    for _ in range(draw(st.integers(0, 3))):
        tag = draw(st.sampled_from(fields))
        values = st.one_of(st.sampled_from(XML_NASTY), st.text(max_size=20).map(_xml_escape))
        if tag == "Bsn":
            values = st.one_of(st.sampled_from(BSN_NASTY + BSNS), values)
        text = _replace_text(text, tag, draw(values), draw(st.integers(0, 5)))
    change = draw(st.sampled_from(["none", "none", "namespace", "drop", "truncate", "encoding", "root"]))
    if change == "namespace":
        old = re.search(r"(ijw|iwmo)/3_2/(jw|wmo)\d+", text).group(0)
        new = draw(st.sampled_from(["ijw/3_1/jw301", "iwmo/3_2/wmo325", "ijw/3_2/jw323", "ijw/3_2/jw325", "x"]))
        text = text.replace(old, new, draw(st.sampled_from([1, -1])))
    elif change == "drop":
        text = _drop(text, draw(st.sampled_from(fields)), draw(st.integers(0, 5)))
    elif change == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif change == "encoding":
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    elif change == "root":
        text = text.replace('<?xml version="1.0" encoding="UTF-8"?>', draw(st.sampled_from(["", "\ufeff", " "])))
    return text.encode()


messages_301 = st.sampled_from(["JW", "WMO"]).flatmap(lambda p: mutated(allocation_message(p), FIELDS_301))
messages_325 = st.sampled_from(["JW", "WMO"]).flatmap(lambda p: mutated(answer_message(p), FIELDS_325))


# --- checks ---------------------------------------------------------------------------------


def check_problems(problems) -> None:
    texts = [str(p) for p in problems]
    assert texts and all(t.strip() for t in texts)
    leaked = [b for b in FORBIDDEN if any(b in t for t in texts)]
    assert not leaked, texts


def _numbers(data: bytes) -> set[str]:
    root = etree.fromstring(data)
    return {e.text.strip() for e in root.iter() if etree.QName(e).localname == "ToewijzingNummer"}


def _count(data: bytes, name: str) -> int:
    return sum(1 for e in etree.fromstring(data).iter() if etree.QName(e).localname == name)


def check_allocation(result, data: bytes, before: tuple) -> None:
    after = state()
    if not result.ok:
        check_problems(result.problems)
        assert after == before, result.problems
        return
    numbers = _numbers(data)
    law = "jeugdwet" if result.kind.startswith("JW") else "wmo"
    existing = {n for lw, n, *_rest in before[1] if lw == law}
    new = numbers - existing
    assert after[0] - before[0] == len(new)
    assert after[2:6] == before[2:6]
    assert after[6] - before[6] >= len(new)  # every new row is in the audit trail, with the changes
    assert {n for lw, n, *_rest in after[1] if lw == law} >= numbers
    assert f"{len(new)} nieuw" in result.summary


def check_answer(result, data: bytes, before: tuple) -> None:
    after = state()
    if not result.ok:
        check_problems(result.problems)
        assert after == before, result.problems
        return
    assert after[:4] == before[:4]
    assert after[4] - before[4] == 1
    assert after[5] - before[5] == _count(data, "Prestatie")
    answered = DeclarationReturn.objects.order_by("-pk").first()
    assert (
        answered.granted
        + sum((line.invoice_line.amount for line in answered.lines.filter(accepted=False)), Decimal("0.00"))
        == answered.declared
        or not answered.lines.exists()
    )


def check_upload(result, before: tuple) -> None:
    after = state()
    if result.problems:
        check_problems(result.problems)
        assert not result.files
        assert after == before, result.problems
        return
    assert result.files
    for file in result.files:
        if not file.ok:
            check_problems(file.problems)
    kinds = [f.kind[-3:] for f in result.files if f.ok]
    assert after[2] - before[2] == kinds.count("323")
    assert after[4] - before[4] == kinds.count("325")
    if "301" not in kinds:
        assert after[:2] == before[:2]
    if not kinds:
        assert after == before


# --- one message ----------------------------------------------------------------------------


def test_the_unmutated_messages_are_accepted(declared, staff_user):
    for prefix in ("JW", "WMO"):
        before = state()
        result = import_message(allocation_message(prefix), by=staff_user)
        assert result.ok, result.problems
        check_allocation(result, allocation_message(prefix), before)
        before = state()
        result = import_message(answer_message(prefix), by=staff_user)
        assert result.ok, result.problems
        check_answer(result, answer_message(prefix), before)


@pytest.mark.django_db
@FUZZ
@given(data=messages_301)
def test_allocation_message_parser(declared, staff_user, data):
    with rolled_back():
        before = state()
        check_allocation(import_message(data, by=staff_user), data, before)


@pytest.mark.django_db
@FUZZ
@given(data=messages_325)
def test_answer_message_parser(declared, staff_user, data):
    with rolled_back():
        before = state()
        check_answer(import_message(data, by=staff_user), data, before)


@pytest.mark.parametrize("bsn", BSN_NASTY)
@pytest.mark.parametrize("build", [allocation_message, answer_message])
def test_a_malformed_bsn_is_never_repeated(declared, staff_user, bsn, build):
    data = re.sub(rb"(<jw\d+:Bsn>)[^<]*", lambda m: m.group(1) + bsn.encode(), build())
    before = state()
    result = import_message(data, by=staff_user)
    if build is answer_message or len(bsn.strip()) != 9 or not bsn.strip().isdigit():
        assert not result.ok  # another client than declared, or not nine digits
    if not result.ok:
        check_problems(result.problems)
        assert state() == before


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_are_refused(declared, staff_user, data):
    with rolled_back():
        before = state()
        result = import_message(data, by=staff_user)
        if result.ok:  # pragma: no cover - random bytes are never a valid message
            pytest.fail(result.summary)
        check_problems(result.problems)
        assert state() == before


# --- ZIP files ------------------------------------------------------------------------------


def _valid_members() -> dict[str, bytes]:
    return {
        "toewijzing.xml": allocation_message(),
        "antwoord.xml": answer_message(),
        "declaratie.xml": declaration("WMO323", AGB, WEERT, "DN002", performances()[:1]),
    }


member_names = st.one_of(
    st.sampled_from(
        [
            "a.xml",
            "A.XML",
            "map/a.xml",
            "andere/a.xml",
            "../a.xml",
            "/abs.xml",
            ".xml",
            "x.xml.txt",
            "leesmij.txt",
            "geen-extensie",
            "ü €.xml",
            "map/",
        ]
    ),
    st.text(min_size=1, max_size=12).map(lambda s: s.replace("\x00", "") + ".xml"),
)
member_data = st.one_of(
    st.sampled_from(list(_valid_members().values())),
    messages_301,
    messages_325,
    st.binary(max_size=300),
    st.just(b""),
    st.just(b"<niet-af"),
)


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name or "x"), data, compress_type=method)
    return buffer.getvalue()


@st.composite
def zips(draw) -> bytes:
    members = draw(st.lists(st.tuples(member_names, member_data), min_size=0, max_size=6))
    if draw(st.booleans()):
        members += list(_valid_members().items())
    if draw(st.integers(0, 9)) == 0:
        members += [(f"m{i}.xml", b"<x/>") for i in range(31 - len(members) + draw(st.integers(0, 2)))]
    method = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    data = _zip(draw(st.permutations(members)), method)
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "flip", "prefix", "nested"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "flip" and data:
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    elif damage == "prefix":
        data = draw(st.binary(max_size=50)) + data
    elif damage == "nested":
        data = _zip([("binnen.zip", data)])
    return data


@pytest.mark.django_db
@FUZZ
@given(data=zips(), name=st.sampled_from(["verkeer.zip", "VERKEER.ZIP", "bericht.xml", "x"]))
def test_zip_upload(declared, staff_user, data, name):
    with rolled_back():
        before = state()
        check_upload(import_upload(name, data, by=staff_user), before)


def test_the_unmutated_zip_is_imported_whole(declared, staff_user):
    before = state()
    result = import_upload("verkeer.zip", _zip(list(_valid_members().items())), by=staff_user)
    assert [(f.kind, f.ok) for f in result.files] == [("JW301", True), ("WMO323", True), ("JW325", True)]
    check_upload(result, before)


# --- the page -------------------------------------------------------------------------------


@pytest.mark.django_db
@FUZZ
@given(
    data=st.one_of(zips(), messages_301, messages_325, st.binary(max_size=500)),
    name=st.sampled_from(["f.zip", "f.xml", "f.XML", "f.txt", "f", "f.zip.xml"]),
)
def test_message_import_view(declared, staff_user, client, data, name):
    client.force_login(staff_user)
    with rolled_back():
        before = state()
        response = client.post(reverse("traffic:import"), {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 200
        result = response.context["result"]
        page = response.content.decode()
        assert not [b for b in FORBIDDEN if b in page]
        if result is None:
            assert response.context["form"].errors
            assert state() == before
        else:
            check_upload(result, before)


def test_a_zip_with_a_damaged_compressed_stream_is_refused_not_a_crash(declared, staff_user):
    """The local header is intact but the deflated data is not: zlib, not zipfile, complains."""
    data = bytearray(_zip([("a.xml", allocation_message())]))
    for at in range(40, 60):
        data[at] ^= 0xFF
    before = state()
    result = import_upload("verkeer.zip", bytes(data), by=staff_user)
    assert result.problems and "beschadigd" in str(result.problems[0])
    assert state() == before


def test_two_members_with_the_same_name_in_different_folders_are_each_read_as_themselves(declared, staff_user):
    members = [("map/a.xml", allocation_message()), ("andere/a.xml", b"<niet-af")]
    for order in (members, members[::-1]):
        result = import_upload("verkeer.zip", _zip(order), by=staff_user)
        assert sorted((f.kind, f.ok) for f in result.files) == [("", False), ("JW301", True)], result.files
