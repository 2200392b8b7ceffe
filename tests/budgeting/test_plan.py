"""The implementation plan: activities and plus packages, their pages, and the freeze."""

import pytest
from django.db import transaction
from django.urls import reverse

from budgeting.models import Budget, BudgetFrozenError, BudgetStatus, PlanActivity, PlusPackage
from budgeting.services import budget_totals
from entity.models import Function
from tests.budgeting.helpers import other, personnel


@pytest.fixture
def activity(budget):
    return PlanActivity.objects.create(budget=budget, number=1, title="Monitoring", quarter=2)


def adopt(budget):
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.ADOPTED)
    budget.refresh_from_db()


def test_staff_adds_an_activity_with_functions_and_lines(login, staff_user, budget):
    line = personnel(budget)
    response = login(staff_user).post(
        reverse("budgeting:activity_add", args=[budget.pk]),
        {
            "number": "1",
            "title": "Contractmanagement",
            "description": "Aanbieders bezoeken.",
            "priority": "necessary",
            "quarter": "2",
            "functions": [Function.objects.get(number=3).pk, Function.objects.get(number=6).pk],
            "deliverables": "Gesprekken met alle aanbieders.",
            "budget_lines": [line.pk],
        },
    )
    assert response.status_code == 302
    activity = budget.activities.get()
    assert [f.number for f in activity.functions.all()] == [3, 6]
    assert list(activity.budget_lines.all()) == [line]
    page = login(staff_user).get(reverse("budgeting:plan", args=[budget.pk])).content.decode()
    assert "Contractmanagement" in page and "2e kwartaal" in page and "noodzakelijk" in page


def test_an_activity_number_is_unique_and_nothing_is_saved(login, staff_user, budget, activity):
    response = login(staff_user).post(
        reverse("budgeting:activity_add", args=[budget.pk]),
        {"number": "1", "title": "Dashboard", "priority": "optional", "quarter": "3"},
    )
    assert response.status_code == 200
    assert "Een andere activiteit heeft al nummer 1." in response.content.decode()
    assert 'value="Dashboard"' in response.content.decode()  # the input is kept
    assert budget.activities.count() == 1


def test_a_line_of_another_budget_cannot_be_linked(login, staff_user, budget, region):
    foreign = other(Budget.objects.create(module=budget.module, year=2030, created_by=staff_user), "10")
    response = login(staff_user).post(
        reverse("budgeting:activity_add", args=[budget.pk]),
        {"number": "2", "title": "X", "priority": "necessary", "quarter": "1", "budget_lines": [foreign.pk]},
    )
    assert response.status_code == 200 and not budget.activities.exists()


def test_plus_package_cost_is_its_plus_lines(login, staff_user, budget, region):
    other(budget, "24000.00", package="plus", plus_municipality=region["weert"], description="Extra Wmo")
    other(budget, "1000.00", package="plus", plus_municipality=region["weert"], description="Rapportage")
    other(budget, "5000.00", package="plus", plus_municipality=region["venlo"], description="Venlo extra")
    client = login(staff_user)
    response = client.post(
        reverse("budgeting:plus_add", args=[budget.pk]),
        {"municipality": region["weert"].pk, "content": "Maandelijkse gesprekken met aanbieders."},
    )
    assert response.status_code == 302
    assert budget_totals(budget).plus[region["weert"]] == 25000
    page = client.get(reverse("budgeting:plan", args=[budget.pk])).content.decode()
    assert "€\xa025.000,00" in page and "Maandelijkse gesprekken" in page
    assert "inhoud nog niet beschreven" in page  # Venlo has plus lines but no description yet


def test_one_plus_package_per_municipality(login, staff_user, budget, region):
    PlusPackage.objects.create(budget=budget, municipality=region["weert"], content="A")
    response = login(staff_user).post(
        reverse("budgeting:plus_add", args=[budget.pk]), {"municipality": region["weert"].pk, "content": "B"}
    )
    assert "Weert heeft al een pluspakket in deze begroting." in response.content.decode()
    assert budget.plus_packages.count() == 1


def test_only_participants_can_have_a_plus_package(login, staff_user, region):
    budget_2025 = Budget.objects.create(
        module=region["weert"].memberships.first().module, year=2025, created_by=staff_user
    )
    response = login(staff_user).post(
        reverse("budgeting:plus_add", args=[budget_2025.pk]), {"municipality": region["weert"].pk, "content": "B"}
    )
    assert response.status_code == 200 and not budget_2025.plus_packages.exists()  # Weert joined in 2026


def test_contact_reads_the_plan_but_cannot_change_it(login, contact_weert, budget, activity):
    client = login(contact_weert)
    assert client.get(reverse("budgeting:plan", args=[budget.pk])).status_code == 404  # still in preparation
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.DRAFT_SENT)
    assert client.get(reverse("budgeting:plan", args=[budget.pk])).status_code == 200
    assert client.get(reverse("budgeting:activity_edit", args=[budget.pk, activity.pk])).status_code == 403
    assert (
        client.post(reverse("budgeting:plan_item_delete", args=[budget.pk, "activiteit", activity.pk])).status_code
        == 403
    )
    assert PlanActivity.objects.filter(pk=activity.pk).exists()


def test_unknown_kind_of_plan_item_is_404(login, staff_user, budget, activity):
    url = reverse("budgeting:plan_item_delete", args=[budget.pk, "iets", activity.pk])
    assert login(staff_user).post(url).status_code == 404


def test_the_plan_of_an_adopted_budget_is_frozen_on_every_path(budget, activity, region):
    line = other(budget, "100")
    package = PlusPackage.objects.create(budget=budget, municipality=region["weert"], content="A")
    adopt(budget)
    activity.title = "Anders"
    attempts = [
        activity.save,
        activity.delete,
        lambda: PlanActivity.objects.filter(pk=activity.pk).update(title="X"),
        lambda: PlanActivity.objects.filter(pk=activity.pk).delete(),
        lambda: PlanActivity.objects.bulk_create([PlanActivity(budget=budget, number=9, title="Y", quarter=1)]),
        lambda: PlanActivity.objects.bulk_update([activity], ["title"]),
        lambda: activity.functions.add(Function.objects.get(number=1)),
        lambda: activity.budget_lines.add(line),
        lambda: line.activities.add(activity),
        lambda: activity.functions.clear(),
        package.delete,
        lambda: PlusPackage.objects.filter(pk=package.pk).update(content="B"),
    ]
    for attempt in attempts:
        # A savepoint each: m2m changes run inside Django's own atomic block.
        with pytest.raises(BudgetFrozenError), transaction.atomic():
            attempt()
    assert PlanActivity.objects.get(pk=activity.pk).title == "Monitoring"


def test_the_plan_views_refuse_an_adopted_budget(login, staff_user, budget, activity):
    adopt(budget)
    client = login(staff_user)
    response = client.post(
        reverse("budgeting:activity_edit", args=[budget.pk, activity.pk]),
        {"number": "1", "title": "Anders", "priority": "necessary", "quarter": "1"},
    )
    assert response.status_code == 302
    assert PlanActivity.objects.get(pk=activity.pk).title == "Monitoring"
    response = client.post(
        reverse("budgeting:plan_item_delete", args=[budget.pk, "activiteit", activity.pk]), follow=True
    )
    assert "vastgesteld" in response.content.decode()
    assert PlanActivity.objects.filter(pk=activity.pk).exists()


def test_plan_pages_refuse_wrong_methods(login, staff_user, budget, activity):
    client = login(staff_user)
    assert client.post(reverse("budgeting:plan", args=[budget.pk])).status_code == 405
    assert (
        client.get(reverse("budgeting:plan_item_delete", args=[budget.pk, "activiteit", activity.pk])).status_code
        == 405
    )
