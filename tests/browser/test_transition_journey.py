"""The transition programme in the browser: the kwartiermaker finds a late milestone on the home
page, marks it done with the evidence as a PDF, records a municipality's step and issues the
quarterly report; a member of the general board then reads that report and opens its PDF. axe
checks every page on the way."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from entity.models import Module
from municipalities.models import Municipality
from tests.browser.test_roles import log_in
from transition.models import Milestone, MunicipalityStep, Programme, ProgressReport
from transition.services import ensure_steps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)
MIDDEN = ["leudal", "nederweert", "weert", "echt-susteren", "maasgouw", "roerdalen", "roermond"]
PROGRAMME = "Aansluiting Midden-Limburg bij module 1"
LATE = "Plaatsingsbesluiten medewerkers"
PER_MUNICIPALITY = "Financieel kader 2027 per college"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def programme(region) -> Programme:
    """Module 1's programme with a milestone ten days late and one that every municipality takes,
    due in twenty days; no report yet."""
    today = timezone.localdate()
    programme = Programme.objects.create(
        name=PROGRAMME, module=Module.objects.get(number=1), goal_date=datetime.date(2026, 1, 1)
    )
    programme.joining.set(Municipality.objects.filter(slug__in=MIDDEN))
    Milestone.objects.create(
        programme=programme,
        name=LATE,
        responsible="kwartiermaker",
        planned_start=today - 90 * DAY,
        planned_end=today - 10 * DAY,
        status="in_progress",
    )
    ensure_steps(
        Milestone.objects.create(
            programme=programme,
            name=PER_MUNICIPALITY,
            responsible="colleges",
            planned_end=today + 20 * DAY,
            per_municipality=True,
        )
    )
    return programme


def milestone_row(page, name: str):
    return page.locator("#mijlpalen ~ .table-container tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True)
    )


def test_kwartiermaker_updates_the_programme_and_a_board_member_reads_the_report(page, users, programme, check_a11y):
    today = timezone.localdate()
    title = f"Voortgangsrapportage Q{(today.month - 1) // 3 + 1} {today.year}"

    # The home page tells the kwartiermaker what is late.
    log_in(page, users["kwartiermaker"].username)
    attention = page.locator("section", has=page.get_by_role("heading", name="Overgang: te laat of binnen 30 dagen"))
    expect(attention).to_contain_text(LATE)
    expect(attention).to_contain_text(PER_MUNICIPALITY)  # due within 30 days
    check_a11y(page)

    # It opens the late milestone and marks it done, with the decision as a PDF.
    attention.get_by_role("link", name=f"bijwerken {LATE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LATE)
    check_a11y(page)
    page.get_by_label("Status", exact=True).select_option("done")
    page.get_by_label("Gedaan op", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Mijlpaal opslaan").click()  # done, but without evidence
    expect(page.get_by_role("alert").first).to_contain_text("De mijlpaal is niet opgeslagen.")
    expect(page.locator("main")).to_contain_text("Geef het bewijsstuk: het besluit of document waaruit blijkt")
    expect(page.get_by_label("Gedaan op", exact=True)).to_have_value(today.isoformat())
    check_a11y(page)
    assert Milestone.objects.get(name=LATE).status == "in_progress"
    page.get_by_label("Bewijsstuk", exact=True).fill("Besluit plaatsingscommissie")
    page.get_by_label("Bewijsstuk (pdf)", exact=True).set_input_files(
        files=[{"name": "besluit.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name="Mijlpaal opslaan").click()

    expect(page).to_have_url(re.compile(rf"/overgang/{programme.pk}/#mijlpalen$"))
    expect(page.locator("main")).to_contain_text(f"Mijlpaal ‘{LATE}’ is opgeslagen.")
    row = milestone_row(page, LATE)
    expect(row).to_contain_text("gehaald")
    expect(row).to_contain_text(today.strftime("%d-%m-%Y"))
    expect(row).to_contain_text("Besluit plaatsingscommissie")
    expect(row.get_by_role("link", name=f"pdf {LATE}")).to_be_visible()
    needs_attention = page.locator("section", has=page.get_by_role("heading", name="Vraagt aandacht"))
    expect(needs_attention).to_contain_text(PER_MUNICIPALITY)
    expect(needs_attention).not_to_contain_text(LATE)  # done: no longer late
    check_a11y(page)
    milestone = Milestone.objects.get(name=LATE)
    assert (milestone.status, milestone.done_on) == ("done", today)
    assert milestone.evidence_file.read() == PDF_BYTES

    # The steps of every municipality: Weert has fixed its frame today.
    milestone_row(page, PER_MUNICIPALITY).get_by_role("link", name=f"per gemeente {PER_MUNICIPALITY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PER_MUNICIPALITY}: per gemeente")
    check_a11y(page)
    page.get_by_label("Gedaan op (Weert)", exact=True).fill(today.isoformat())
    page.get_by_label("Bewijsstuk (Weert)", exact=True).fill("Collegebesluit Weert")
    page.get_by_role("button", name="Stappen opslaan").click()
    expect(page.locator("main")).to_contain_text("De stappen van de gemeenten zijn opgeslagen.")
    expect(milestone_row(page, PER_MUNICIPALITY)).to_contain_text("1 van 14")
    check_a11y(page)
    step = MunicipalityStep.objects.get(done_on__isnull=False)
    assert (step.municipality.slug, step.done_on, step.evidence) == ("weert", today, "Collegebesluit Weert")

    # The quarterly report: started, summarised, issued.
    page.get_by_role("button", name="Volgende kwartaalrapportage beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Concept")
    check_a11y(page)
    page.get_by_role("textbox", name="Samenvatting van de kwartiermaker").fill("De plaatsingen zijn rond.")
    page.get_by_role("button", name="Samenvatting opslaan").click()
    expect(page.locator("main")).to_contain_text("De samenvatting is opgeslagen.")
    check_a11y(page)
    page.get_by_role("button", name="Deze rapportage uitbrengen").click()
    expect(page.locator("main")).to_contain_text(f"{title} is uitgebracht en verandert niet meer.")
    expect(page.get_by_role("button", name="Deze rapportage uitbrengen")).to_have_count(0)
    check_a11y(page)
    report = ProgressReport.objects.get()
    assert report.issued_on == today and report.content["summary"] == "De plaatsingen zijn rond."

    # A member of the general board reads the issued report.
    log_in(page, users["ab"].username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Overgang").click()
    expect(page).to_have_url(re.compile(rf"/overgang/{programme.pk}/$"))  # the one programme opens
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
    expect(page.get_by_role("button", name="Volgende kwartaalrapportage beginnen")).to_have_count(0)
    expect(milestone_row(page, LATE)).to_contain_text("gehaald")
    check_a11y(page)
    evidence = milestone_row(page, LATE).get_by_role("link", name=f"pdf {LATE}").get_attribute("href")
    response = page.request.get(evidence)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body() == PDF_BYTES

    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    main = page.locator("main")
    expect(main).to_contain_text("Deze rapportage ligt vast")
    expect(main).to_contain_text("De plaatsingen zijn rond.")
    expect(page.get_by_role("textbox")).to_have_count(0)
    done = page.get_by_role("heading", name="Mijlpalen gehaald dit kwartaal").locator("xpath=following-sibling::*[1]")
    expect(done.get_by_role("rowheader", name=LATE, exact=True)).to_be_visible()
    expect(done).to_contain_text("Besluit plaatsingscommissie")
    check_a11y(page)

    pdf = page.get_by_role("link", name="Deze rapportage als pdf").get_attribute("href")
    response = page.request.get(pdf)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
