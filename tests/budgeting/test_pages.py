import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from budgeting.models import Budget


@pytest.fixture
def demo_budgets(region):
    """The demo with its board seats (for the votes), without invoices."""
    call_command("load_demo", "--allow-demo-users", "--invoices", "0", stdout=io.StringIO())
    return {b.year: b for b in Budget.objects.all()}


def test_budget_page_shows_lines_estimate_deadlines_views_and_votes(login, users, demo_budgets):
    html = login(users["staff"]).get(reverse("budgeting:detail", args=[demo_budgets[2027].pk])).content.decode()
    assert "Contractmanager" in html and "1,66 fte × €\u00a090.000,00" in html
    assert "€\u00a0149.400,00" in html  # 1.66 × 90,000
    for year in (2027, 2028, 2029, 2030):
        assert f">{year}</th>" in html
    assert "Kaderbrief aan de raden" in html and "op tijd gedaan" in html
    assert "Weert: bezwaar" in html and "De overhead stijgt alleen met de indexering" in html
    assert "vastgesteld" in html and "tegen" in html
    assert "Pluspakket Weert: €\u00a024.000,00" in html


def test_draft_budget_copied_from_last_year(login, users, demo_budgets):
    draft = demo_budgets[2028]
    assert draft.status == "draft" and draft.lines.count() == demo_budgets[2027].lines.count()
    html = login(users["db"]).get(reverse("budgeting:list")).content.decode()
    assert "Begroting 2028 module 1" in html and "concept" in html


def test_contact_sees_budgets_of_its_modules_only(login, users, demo_budgets, region):
    from entity.models import Module

    other_module = Budget.objects.create(
        module=Module.objects.get(number=2), year=2027, created_by=users["staff"], status="councils"
    )
    client = login(users["contact_weert"])
    assert client.get(reverse("budgeting:detail", args=[demo_budgets[2027].pk])).status_code == 200
    assert client.get(reverse("budgeting:detail", args=[other_module.pk])).status_code == 200  # Weert is in module 2
    from entity.models import Membership

    Membership.objects.filter(municipality=region["weert"], module__number=2).delete()
    assert client.get(reverse("budgeting:detail", args=[other_module.pk])).status_code == 404
