"""The upload page /berichten/import/: who may use it, what it says per file, bad input."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.traffic.builders import Performance, Product, allocation, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT
from traffic.models import Allocation

URL = "/berichten/import/"


def test_the_url_is_the_one_the_issue_names():
    assert reverse("traffic:import") == URL


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("manager", 200),
        ("db", 403),
        ("ab", 403),
        ("kwartiermaker", 403),
        ("contact_weert", 403),
        ("norole", 403),
    ],
)
def test_only_the_office_imports_messages(users, login, role, status):
    assert login(users[role]).get(URL).status_code == status


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(users, login, method):
    assert getattr(login(users["staff"]), method)(URL).status_code == 405


def test_a_zip_is_reported_per_file_on_the_page(traffic, users, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("toewijzing.xml", allocation("WMO301", WEERT, AGB, BSNS[0], [Product("20001")]))
        archive.writestr(
            "declaratie.xml",
            declaration(
                "WMO323", AGB, WEERT, "W001", [Performance(BSNS[0], "R1", "20001", Decimal("12.50"), code="02A01")]
            ),
        )
        archive.writestr("fout.xml", allocation("JW301", "0001", AGB, BSNS[1], [Product("1")]))
    upload = SimpleUploadedFile("verkeer.zip", buffer.getvalue(), content_type="application/zip")
    response = login(users["staff"]).post(URL, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 berichten geïmporteerd" in page and "1 geweigerd" in page
    assert "gemeentecode 0001" in page and "Declaratie W001" in page
    assert Allocation.objects.filter(number="20001", law="wmo").exists()
    assert BSNS[0] not in page and BSNS[1] not in page


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("facturen.csv", b"a;b\n", "Kies een bericht (.xml) of een ZIP-bestand"),
        ("leeg.xml", b"", "Het verstuurde bestand is leeg"),
        ("kapot.zip", b"PK\x03\x04 kapot", "beschadigd"),
        ("html.xml", b"<html/>", "Dit is geen JW301"),
    ],
)
def test_bad_input_is_explained_in_dutch_and_saves_nothing(traffic, users, login, name, content, expected):
    response = login(users["staff"]).post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert Allocation.objects.count() == 0


def test_an_upload_past_the_limit_is_refused_before_it_is_read(traffic, users, login, monkeypatch):
    from traffic import views

    monkeypatch.setattr(views, "MAX_BYTES", 1000)
    big = SimpleUploadedFile("groot.xml", b" " * 200_000)
    response = login(users["staff"]).post(URL, {"file": big})
    assert "groter dan 100 MB" in response.content.decode()


def test_the_upload_is_never_written_to_a_temporary_file(traffic, users, login, settings, monkeypatch):
    """A message names clients: even past FILE_UPLOAD_MAX_MEMORY_SIZE it stays in memory."""
    from django.core.files import uploadedfile

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    made = []
    monkeypatch.setattr(
        uploadedfile.TemporaryUploadedFile,
        "__init__",
        lambda self, *a, **k: made.append(a) or (_ for _ in ()).throw(AssertionError("temp file")),
    )
    message = allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")])
    response = login(users["staff"]).post(URL, {"file": SimpleUploadedFile("t.xml", message)})
    assert response.status_code == 200 and not made
    assert Allocation.objects.count() == 1


def test_the_answer_is_shown_with_the_invoice_and_its_codes_in_dutch(traffic, users, login):
    from tests.traffic.builders import answer
    from traffic.imports import import_message

    perf = [Performance(BSNS[0], "R1", "1", Decimal("10.00")), Performance(BSNS[1], "R2", "2", Decimal("5.00"))]
    staff = users["staff"]
    assert import_message(declaration("JW323", AGB, WEERT, "D1", perf), by=staff).ok
    perf[1].codes = ["9307"]
    assert import_message(
        answer("JW325", WEERT, AGB, "D1", perf[1:], declared=Decimal("15.00"), granted=Decimal("10.00")), by=staff
    ).ok
    from contracts.models import Invoice

    invoice = Invoice.objects.get()
    page = login(staff).get(invoice.get_absolute_url()).content.decode()
    assert "€ 10,00 toegekend van € 15,00 gedeclareerd; € 5,00 afgewezen." in page.replace("\xa0", " ")
    detail = login(users["contact_weert"]).get(reverse("traffic:answer", args=[invoice.pk])).content.decode()
    assert (
        "9307" in detail and "Begindatum prestatie ligt niet tussen de ingangsdatum en einddatum toewijzing" in detail
    )
    assert "afgewezen" in detail and BSNS[1] not in detail


def test_the_menu_marks_the_message_import_as_the_current_page(users, login):
    page = login(users["staff"]).get(URL).content.decode()
    current = page.split('aria-current="page"')[1].split("</a>")[0]
    assert "Berichten importeren" in current
