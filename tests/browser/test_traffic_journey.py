"""Staff imports the message traffic in the browser: a ZIP with a 301, a 323 and a 325 of Weert
and one broken file is reported per file, then a .txt is refused with the form still there. axe
checks every page on the way."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import log_in
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT, traffic  # noqa: F401 - the fixture
from traffic.models import Allocation, DeclarationReturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/work/notes/traffic-import.png"


def _traffic_zip() -> bytes:
    perf = [
        Performance(BSNS[0], "RN001", "10072", Decimal("50.00")),
        Performance(BSNS[1], "RN002", "10073", Decimal("240.00"), code="45A04", codes=["8001", "0611"]),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "antwoord-DN001.xml",
            answer("JW325", WEERT, AGB, "DN001", [perf[1]], declared=Decimal("290.00"), granted=Decimal("50.00")),
        )
        archive.writestr("declaratie-DN001.xml", declaration("JW323", AGB, WEERT, "DN001", perf))
        archive.writestr("toewijzing-10072.xml", allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]))
        archive.writestr("kapot.xml", b"<niet-af")
    return buffer.getvalue()


def test_staff_imports_a_zip_of_messages(page, users, traffic, tmp_path, check_a11y):  # noqa: F811
    upload = tmp_path / "verkeer.zip"
    upload.write_bytes(_traffic_zip())
    log_in(page, users["staff"].username)
    page.get_by_role("link", name="Berichten importeren").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Berichten importeren")
    check_a11y(page)

    page.get_by_label("Bericht of ZIP-bestand").set_input_files(str(upload))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.get_by_role("heading", name=re.compile("3 berichten geïmporteerd, 1 geweigerd"))).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("toewijzing-10072.xml")
    expect(rows.nth(0)).to_contain_text("JW301")
    expect(rows.nth(1)).to_contain_text("JW323")
    expect(rows.nth(2)).to_contain_text("JW325")
    expect(rows.nth(3)).to_contain_text("kapot.xml")
    expect(rows.nth(3)).to_contain_text("geweigerd")
    expect(rows.nth(3)).to_contain_text("Dit is geen JW301")
    for bsn in BSNS:
        assert bsn not in page.content()
    check_a11y(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert Allocation.objects.filter(number="10072").exists() and DeclarationReturn.objects.count() == 1

    text = tmp_path / "berichten.txt"
    text.write_text("geen bericht")
    page.get_by_label("Bericht of ZIP-bestand").set_input_files(str(text))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.locator("main")).to_contain_text("Kies een bericht (.xml) of een ZIP-bestand")
    expect(page.get_by_label("Bericht of ZIP-bestand")).to_be_visible()
    expect(page.get_by_role("button", name="Controleren en importeren")).to_be_visible()
    check_a11y(page)
