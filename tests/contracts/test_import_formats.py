"""The one registry of invoice import formats: what it lists is what the form accepts, what the
import page and the README describe, and what each upload is imported as."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.forms import InvoiceImportForm
from contracts.imports import FORMATS, JW323, WMO323, CsvInvoices, Upload, import_declaration_message
from contracts.models import Invoice
from municipalities.lookup import MunicipalityLookup
from tests.factories import ContractFactory, MunicipalityFactory

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = (ROOT / "tests" / "data" / "JW323-example.xml").read_bytes()
WMO_EXAMPLE = EXAMPLE.replace(b"/ijw/3_2/jw323/schema", b"/iwmo/3_2/wmo323/schema")
WITH_DTD = EXAMPLE.replace(b'<?xml version="1.0" encoding="UTF-8"?>', b'<?xml version="1.0"?><!DOCTYPE x []>')


def test_the_registered_formats():
    assert FORMATS.names == ["CSV", "JW323", "WMO323"]
    assert FORMATS.extensions == (".csv", ".txt", ".xml")
    # The form's and the page's texts say "20 MB"; a format with another limit changes them.
    assert FORMATS.max_bytes == 20 * 1024 * 1024
    assert [f.name for f in FORMATS.documented] == ["CSV", "JW323"]  # the 323 formats share a section


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("f.csv", b"a;b\n1;2\n", CsvInvoices),
        ("f.TXT", b"a;b\n1;2\n", CsvInvoices),
        ("f.xml", EXAMPLE, JW323),
        ("f.csv", EXAMPLE, JW323),  # it says it is XML in its first bytes
        ("f.xml", WMO_EXAMPLE, WMO323),
        ("f.xml", b"<html><body>hallo</body></html>", None),
        ("f.xml", b"a;b\n1;2\n", None),
        ("f.xml", WITH_DTD, None),
    ],
)
def test_each_upload_is_recognised_by_at_most_one_format(name, data, expected):
    upload = Upload(name, data)
    assert [type(f) for f in FORMATS if f.recognises(upload)] == ([expected] if expected else [])


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"<html><body>hallo</body></html>", EXAMPLE[:500], WITH_DTD])
def test_xml_no_format_recognises_is_refused_as_the_declaration_import_refuses_it(staff_user, data):
    through_the_registry = FORMATS.import_upload(Upload("f.xml", data), by=staff_user)
    direct = import_declaration_message(data, by=staff_user)
    assert [str(p) for p in through_the_registry.problems] == [str(p) for p in direct.problems] != []


@pytest.mark.django_db
def test_the_view_imports_each_upload_as_the_format_that_recognises_it(youth, login, staff_user):
    diemen = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    provider, segment = youth["provider"], youth["segment"]
    ContractFactory(reference="JGD-D-001", provider=provider, segment=segment, municipalities=[diemen])
    response = login(staff_user).post(
        reverse("contracts:invoice_import"), {"file": SimpleUploadedFile("declaratie.csv", EXAMPLE)}
    )
    assert response.context["result"].ok
    assert Invoice.objects.get().source == "323"


def upload_of(name: str, size: int) -> SimpleUploadedFile:
    upload = SimpleUploadedFile(name, b"x")
    upload.size = size
    return upload


@pytest.mark.parametrize("extension", [".csv", ".txt", ".xml", ".CSV"])
def test_the_form_accepts_every_registered_type(extension):
    assert InvoiceImportForm({}, {"file": upload_of("facturen" + extension, FORMATS.max_bytes)}).is_valid()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (upload_of("facturen.pdf", 10), "Kies een CSV-bestand (.csv) of een declaratiebericht (.xml)."),
        (upload_of("facturen.csv", FORMATS.max_bytes + 1), "Het bestand is groter dan 20 MB."),
    ],
)
def test_the_form_refuses_other_types_and_larger_files(upload, message):
    form = InvoiceImportForm({}, {"file": upload})
    assert form.errors["file"] == [message]


def test_the_import_page_describes_every_registered_format(login, staff_user):
    page = login(staff_user).get(reverse("contracts:invoice_import")).content.decode()
    for name in FORMATS.names:
        assert page.count(name) >= 3, name  # the introduction, the field's help and its section
    for column in CsvInvoices.columns:
        assert f"<code>{column}</code>" in page


def test_the_refusal_of_an_unknown_message_names_every_declaration_format(staff_user):
    refused = str(import_declaration_message(b"<html/>", by=staff_user).problems[0])
    assert all(f.name in refused for f in FORMATS if f.extensions == (".xml",))


def test_the_readme_names_every_registered_format():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Invoices: workflow and imports")[1].split("\n## ")[0]
    for name in FORMATS.names:
        assert name in section, name


def test_one_lookup_finds_a_municipality_however_an_import_writes_it(region):
    lookup = MunicipalityLookup()
    weert = region["weert"]
    spellings = ["GM0988", "gm0988", "0988", "Weert", " WEERT ", '"Weert"', "Weert (gemeente)", "Weert (GM)"]
    assert [lookup.find(s) for s in spellings] == [weert] * len(spellings)
    assert lookup.find(weert.slug) == weert
    assert lookup.find("Maastricht") is None and lookup.find("") is None
