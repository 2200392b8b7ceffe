"""Staff logs a contract and an invoice in the browser, a colleague approves the invoice, and the
municipality contact sees it but cannot change it. axe checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract, Invoice, InvoiceStatus
from tests.browser.test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contract_and_invoice_from_registration_to_approval(page, users, youth, region, colleague, check_a11y):
    staff, contact = users["staff"], users["contact_weert"]

    # 1. Staff logs a contract.
    log_in(page, staff.username)
    page.get_by_role("link", name="Contracten").first.click()
    check_a11y(page)
    page.get_by_role("link", name="Nieuw contract").click()
    page.get_by_label("Kenmerk").fill("JGD-2026-777")
    page.get_by_label("Titel").fill("Ambulante jeugdhulp Weert en Venlo")
    page.get_by_label("Aanbieder").select_option(label="Zorggroep Maasland")
    page.get_by_label("Segment").select_option(label="JGD-S1 Segment 1 jeugdhulp")
    page.get_by_label("Inkoopprocedure").select_option(label="Aanbesteding")
    page.get_by_label("Bekostigingsvorm").select_option(label="Inspanningsgericht (prijs × hoeveelheid)")
    page.get_by_label("Ingangsdatum").fill("2026-01-01")
    page.get_by_label("Einddatum", exact=True).fill("2027-12-31")
    page.get_by_label("Plafondbedrag").fill("250.000,00")
    page.get_by_label("Weert", exact=True).check()
    page.get_by_label("Venlo", exact=True).check()
    check_a11y(page)
    page.get_by_role("button", name="Contract opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("JGD-2026-777")
    expect(page.get_by_role("status")).to_contain_text("Contract JGD-2026-777 is opgeslagen")
    check_a11y(page)
    contract = Contract.objects.get(reference="JGD-2026-777")
    assert str(contract.ceiling) == "250000.00"

    # 2. Staff registers an invoice on it, with a Dutch amount, and marks it checked.
    page.goto("/facturen/nieuw/")
    page.get_by_label("Contract").select_option(value=str(contract.pk))
    page.get_by_label("Gemeente").select_option(label="Weert")
    page.get_by_label("Factuurnummer").fill("MAAS-2026-0042")
    page.get_by_label("Factuurdatum").fill("2026-05-06")
    page.get_by_label("Periode vanaf").fill("2026-04-01")
    page.get_by_label("Periode tot en met").fill("2026-04-30")
    page.get_by_label("Bedrag").fill("1.234,56")
    page.get_by_role("button", name="Factuur opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Factuur MAAS-2026-0042")
    expect(page.locator("main")).to_contain_text("€\u00a01.234,56")
    check_a11y(page)
    page.get_by_role("button", name="Markeren als gecontroleerd").click()
    expect(page.get_by_role("status")).to_contain_text("is nu gecontroleerd")
    expect(page.get_by_role("button", name="Goedkeuren")).to_have_count(0)  # four eyes
    expect(page.locator("main")).to_contain_text("een collega keurt haar goed")

    # 3. A colleague approves it.
    log_in(page, colleague.username)
    page.goto("/facturen/?status=checked")
    check_a11y(page)
    page.get_by_role("link", name="MAAS-2026-0042").click()
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.get_by_role("status")).to_contain_text("is nu goedgekeurd")
    expect(page.locator("ol.history")).to_contain_text("goedgekeurd door")
    invoice = Invoice.objects.get(invoice_number="MAAS-2026-0042")
    assert invoice.status == InvoiceStatus.APPROVED

    # 4. The municipality contact of Weert sees it, read-only.
    log_in(page, contact.username)
    page.get_by_role("link", name="Facturen", exact=True).click()
    page.get_by_role("link", name="MAAS-2026-0042").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Factuur MAAS-2026-0042")
    expect(page.get_by_role("button", name="Goedkeuren")).to_have_count(0)
    expect(page.get_by_role("link", name="Wijzigen", exact=True)).to_have_count(0)
    check_a11y(page)
    response = page.goto(f"/facturen/{invoice.pk}/wijzigen/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    assert re.search("Nieuwe factuur", page.content()) is None


def test_invoice_import_with_progress_and_summary(page, users, youth, region, tmp_path, check_a11y):
    """The import page sends the file with a progress bar (JavaScript) and shows the summary."""
    bad = tmp_path / "fout.csv"
    bad.write_text(
        "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag\n"
        "65656055;X-1;06-05-2026;JGD-2024-001;Maastricht;01-04-2026;30-04-2026;10,00\n",
        encoding="utf-8",
    )
    good = tmp_path / "goed.csv"
    good.write_text(
        "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag\n"
        "65656055;X-1;06-05-2026;JGD-2024-001;Weert;01-04-2026;30-04-2026;1.234,56\n"
        "65656055;X-2;06-05-2026;JGD-2024-001;Venlo;01-04-2026;30-04-2026;-34,56\n",
        encoding="utf-8",
    )
    log_in(page, users["staff"].username)
    page.get_by_role("link", name="Facturen importeren").click()
    check_a11y(page)
    page.get_by_label("Bestand").set_input_files(str(bad))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.get_by_role("heading", name=re.compile("1 probleem"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Regel 2, gemeente: onbekende gemeente 'Maastricht'")
    check_a11y(page)
    assert not Invoice.objects.exists()
    page.get_by_label("Bestand").set_input_files(str(good))
    page.get_by_role("button", name="Controleren en importeren").click()
    expect(page.get_by_role("heading", name="2 facturen geïmporteerd")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("€\u00a01.200,00")
    check_a11y(page)
    assert Invoice.objects.count() == 2
