"""No document ever gives 500 (issue 13, finding 7a).

When the cost split of a budget cannot be computed (here: a DVO fee above the basic package,
so the allocation refuses), every page and document of the budget and of its annual accounts
still answers: the PDFs are made with the reason in them, the downloads and statements lead to
a page that says why, in Dutch."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from budgeting.models import Budget, BudgetStatus, RealisedLine
from budgeting.services import open_accounts
from entity.models import Module
from tests.budgeting.helpers import other

D = datetime.date
NOT_STORED = (
    "De kostenverdeling van dit vastgestelde document is bij de vaststelling niet vastgelegd; "
    "zij wordt niet opnieuw berekend."
)
REASON = "De DVO-vergoedingen (€\u00a042.500,00) zijn hoger dan het basispakket (€\u00a01.050,00)."


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def unsplittable(youth, region, staff_user):
    """Module 1, whose basic package of 1,050.00 (1,000.00 and 5 % contingency) is below Weert's
    DVO fee of 42,500.00 a year, so no split can be made: the draft budget 2025, and the accounts
    2024 of a budget adopted before allocations were stored at adoption (the data migration could
    not store one it cannot compute). Adoption now refuses a split that cannot be made."""
    module = Module.objects.get(number=1)
    draft = Budget.objects.create(module=module, year=2025, created_by=staff_user)
    other(draft, "1000.00")
    adopted = Budget.objects.create(module=module, year=2024, created_by=staff_user)
    line = other(adopted, "1000.00")
    Budget.objects.filter(pk=adopted.pk).update(status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=D(2023, 7, 3))
    adopted.refresh_from_db()
    accounts = open_accounts(adopted, by=staff_user)
    RealisedLine.objects.create(accounts=accounts, line=line, amount=Decimal("990.00"))
    return draft, accounts


def same_text(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def test_the_accounts_pdf_says_why_there_is_no_settlement(login, users, unsplittable):
    _budget, accounts = unsplittable
    response = login(users["staff"]).get(reverse("budgeting:accounts_pdf", args=[accounts.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = same_text(pdf_text(response.content))
    assert "Jaarrekening 2024 module 1" in text
    assert same_text("De kostenverdeling kan nog niet worden gemaakt: " + NOT_STORED) in text


def test_the_budget_pdf_says_why_there_are_no_contributions(login, users, unsplittable):
    budget, _accounts = unsplittable
    response = login(users["staff"]).get(reverse("budgeting:pdf", args=[budget.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert same_text(REASON) in same_text(pdf_text(response.content))


PAGES = [
    ("detail", "budget", ()),
    ("accounts", "accounts", ()),
    ("budget_allocation", "budget", ()),
    ("accounts_allocation", "accounts", ()),
    ("budget_statement", "budget", ("venlo",)),
    ("accounts_statement", "accounts", ("venlo",)),
    ("budget_statement_pdf", "budget", ("venlo",)),
    ("accounts_statement_pdf", "accounts", ("venlo",)),
    ("budget_allocation_csv", "budget", ()),
    ("budget_allocation_xlsx", "budget", ()),
    ("budget_allocation_zip", "budget", ()),
    ("accounts_allocation_csv", "accounts", ()),
    ("accounts_allocation_xlsx", "accounts", ()),
    ("accounts_allocation_zip", "accounts", ()),
    ("scenario", "budget", ()),
    ("scenario_pdf", "budget", ()),
]


@pytest.mark.parametrize(("name", "kind", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_and_download_explains_instead_of_failing(login, users, unsplittable, name, kind, args):
    budget, accounts = unsplittable
    document = budget if kind == "budget" else accounts
    response = login(users["manager"]).get(reverse(f"budgeting:{name}", args=[document.pk, *args]), follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")  # no file without its figures
    assert same_text(REASON if kind == "budget" else NOT_STORED) in same_text(response.content.decode())
