"""The budget and annual accounts as PDF documents, and the council's decision file."""

import datetime
import io
import logging
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from budgeting.models import BoardDecision, Budget, BudgetStatus, CouncilView, PlanActivity
from budgeting.services import open_accounts, save_realised
from tests.budgeting.helpers import mark_adopted, other, personnel

D = datetime.date


def pdf_text(response) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\xa0", " "), len(reader.pages)


@pytest.fixture
def weasyprint_errors(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield caplog
    assert not [r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.ERROR]


def test_draft_budget_pdf_says_it_is_not_adopted(login, staff_user, contact_weert, budget, weasyprint_errors):
    personnel(budget)
    other(budget, "45000.00")
    PlanActivity.objects.create(budget=budget, number=1, title="Dashboard", quarter=3, priority="optional")
    url = reverse("budgeting:pdf", args=[budget.pk])
    assert login(contact_weert).get(url).status_code == 404  # a draft in preparation is the office's
    response = login(staff_user).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="begroting-2027-module-1-versie-1.pdf"' in response["Content-Disposition"]
    text, pages = pdf_text(response)
    assert "Niet vastgesteld" in text and "concept" in text
    assert "€ 149.400,00" in text and "€ 204.120,00" in text  # the contract manager and the total with 5 %
    assert "1. Dashboard" in text and "optioneel" in text
    assert pages >= 2 and "Pagina 1 van" in text


def test_adopted_budget_pdf_has_the_decision_on_the_cover(login, staff_user, budget, weasyprint_errors):
    other(budget, "1000.00")
    # Proposed after the councils' view period: the AB's decision may carry its meeting date.
    Budget.objects.filter(pk=budget.pk).update(draft_sent_on=D(2026, 4, 15), proposed_on=D(2026, 6, 25))
    BoardDecision.objects.create(
        budget=budget,
        meeting_on=D(2026, 7, 8),
        outcome="adopted",
        minutes_reference="AB 2026-07",
        recorded_by=staff_user,
    )
    mark_adopted(budget, adopted_on=D(2026, 7, 8))
    text, _pages = pdf_text(login(staff_user).get(reverse("budgeting:pdf", args=[budget.pk])))
    cover = text.split("Pagina 1 van")[0]
    assert "Vastgesteld door het algemeen bestuur op 08-07-2026" in cover and "AB 2026-07" in cover


def test_accounts_pdf(login, staff_user, budget, weasyprint_errors):
    line = other(budget, "1000.00")
    budget.year = 2025
    budget.save(update_fields=["year"])
    mark_adopted(budget)
    accounts = open_accounts(budget, by=staff_user)
    save_realised(accounts, {line.pk: (Decimal("950.00"), "")})
    response = login(staff_user).get(reverse("budgeting:accounts_pdf", args=[accounts.pk]))
    text, _pages = pdf_text(response)
    assert 'filename="jaarrekening-2025-module-1.pdf"' in response["Content-Disposition"]
    assert "Jaarrekening 2025 module 1" in text and "Niet vastgesteld" in text
    assert "€ 1.050,00" in text and "€ 950,00" in text and "€ 100,00" in text  # budget with 5 %, realised, result
    assert "Verrekening" in text


def _draft_with_councils(budget):
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.DRAFT_SENT, draft_sent_on=D(2026, 4, 1))


def test_a_view_carries_the_council_decision_as_pdf(login, settings, contact_weert, budget, users, norole_user, region):
    _draft_with_councils(budget)
    upload = SimpleUploadedFile("besluit raad.pdf", b"%PDF-1.4\nraadsbesluit", content_type="application/pdf")
    response = login(contact_weert).post(
        reverse("budgeting:view_add", args=[budget.pk]),
        {"municipality": region["weert"].pk, "opinion": "none", "decided_on": "2026-06-10", "decision_file": upload},
    )
    assert response.status_code == 302
    view = CouncilView.objects.get()
    stored = settings.PRIVATE_MEDIA_ROOT / view.decision_file.name
    assert stored.read_bytes() == b"%PDF-1.4\nraadsbesluit"
    assert not str(stored).startswith(str(settings.STATIC_ROOT)) and settings.MEDIA_ROOT not in stored.parents
    url = reverse("budgeting:view_file", args=[budget.pk, view.pk])
    page = login(users["ab"]).get(budget.get_absolute_url()).content.decode()
    assert url in page
    download = login(users["ab"]).get(url)
    assert b"".join(download.streaming_content) == b"%PDF-1.4\nraadsbesluit"
    assert 'filename="raadsbesluit-weert-2027.pdf"' in download["Content-Disposition"]
    assert login(norole_user).get(url).status_code == 403


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "besluit.pdf", "geen pdf-document"),
        (b"%PDF-1.4", "besluit.docx", "niet toegestaan"),
        (b"%PDF-1.4" + b"x" * 100, "besluit.pdf", "hoogstens"),
    ],
)
def test_a_bad_decision_file_is_refused_and_nothing_is_saved(
    login, settings, contact_weert, budget, region, content, name, message
):
    settings.DECISION_FILE_MAX_BYTES = 50
    _draft_with_councils(budget)
    response = login(contact_weert).post(
        reverse("budgeting:view_add", args=[budget.pk]),
        {
            "municipality": region["weert"].pk,
            "opinion": "none",
            "decided_on": "2026-06-10",
            "decision_file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not CouncilView.objects.exists()
    assert not (settings.PRIVATE_MEDIA_ROOT).exists() or not any(settings.PRIVATE_MEDIA_ROOT.rglob("*.*"))


def test_a_view_without_file_has_no_download(login, staff_user, budget, region):
    view = CouncilView.objects.create(
        budget=budget, municipality=region["weert"], opinion="none", decided_on=D(2026, 6, 1), entered_by=staff_user
    )
    assert login(staff_user).get(reverse("budgeting:view_file", args=[budget.pk, view.pk])).status_code == 404
