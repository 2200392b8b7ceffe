"""The main forms, posted with arbitrary and almost-right values: a page with errors (200) and the
tables untouched, or a redirect (302) with the whole record saved; never an exception (a 500)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from budgeting.models import Budget, BudgetLine, BudgetStatus, CouncilView
from contracts.models import Contract, Invoice, TariffLine
from entity.models import Function, Module
from tests.faults.test_import_fuzz import FUZZ, NASTY, invoice_state, rolled_back
from tests.transition.conftest import programme  # noqa: F401  (a fixture)
from transition.models import Milestone, Risk

field_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.integers().map(str))


@st.composite
def mutated(draw, base: dict[str, str]) -> dict[str, str]:
    """The valid post with one to three fields changed or left out, and maybe an unknown one."""
    data = dict(base)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(base)))
        if draw(st.integers(0, 5)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(field_value)
    if draw(st.booleans()):
        data[draw(st.text(min_size=1, max_size=8))] = draw(field_value)
    return data


def post_and_check(
    client, url: str | Callable[[], str], data: dict, state: Callable[[], object], saved: Callable[[], bool]
) -> None:
    """url may be a function that makes the record to edit, inside the example's savepoint."""
    with rolled_back():
        url = url() if callable(url) else url
        before = state()
        response = client.post(url, data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert state() == before
        else:
            assert saved()


def contract_state() -> tuple:
    return (
        sorted(Contract.objects.values_list("reference", "title", "ceiling", "start_date", "end_date")),
        sorted(Contract.municipalities.through.objects.values_list("contract_id", "municipality_id", "key_share")),
        TariffLine.objects.count(),
    )


def contract_post(youth, region) -> dict[str, str]:
    venlo, weert = region["venlo"].pk, region["weert"].pk
    return {
        "reference": "JGD-2026-900",
        "title": "Nieuw contract",
        "provider": str(youth["provider"].pk),
        "segment": str(youth["segment"].pk),
        "procedure": "tender",
        "funding_variant": "task",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "latest_end_date": "",
        "notice_months": "3",
        "ceiling": "100.000,00",
        "tarief-TOTAL_FORMS": "1",
        "tarief-INITIAL_FORMS": "0",
        "tarief-0-product_code": "45A03",
        "tarief-0-description": "Begeleiding",
        "tarief-0-unit": "uur",
        "tarief-0-rate": "62,50",
        f"takes_part_{venlo}": "on",
        f"key_share_{venlo}": "60",
        f"takes_part_{weert}": "on",
        f"key_share_{weert}": "40",
    }


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_contract_create_form(youth, region, manager_user, client, data):
    client.force_login(manager_user)
    post = data.draw(mutated(contract_post(youth, region)))

    def saved() -> bool:
        contract = Contract.objects.get(reference=post["reference"].strip())
        return contract.municipalities.count() >= 1

    post_and_check(client, reverse("contracts:create"), post, contract_state, saved)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_contract_edit_form(youth, region, manager_user, client, data):
    client.force_login(manager_user)
    post = data.draw(mutated(contract_post(youth, region) | {"reference": "JGD-2024-001"}))
    url = reverse("contracts:edit", args=[youth["contract"].pk])
    post_and_check(client, url, post, contract_state, lambda: Contract.objects.filter(pk=youth["contract"].pk).exists())


def invoice_post(youth, region) -> dict[str, str]:
    return {
        "contract": str(youth["contract"].pk),
        "municipality": str(region["weert"].pk),
        "invoice_number": "NIEUW",
        "invoice_date": "06-05-2026",
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "amount": "1.234,56",
        "declaration_reference": "",
    }


def full_invoice_state() -> tuple:
    return invoice_state(), sorted(Invoice.objects.values_list("invoice_number", "amount", "period_start", "status"))


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_invoice_create_form(youth, region, staff_user, client, data):
    client.force_login(staff_user)
    post = data.draw(mutated(invoice_post(youth, region)))

    def saved() -> bool:
        invoice = Invoice.objects.get(invoice_number=post["invoice_number"].strip())
        total = Invoice.objects.aggregate(s=Sum("amount"))["s"]
        return invoice.amount == total  # the one invoice, whole

    post_and_check(client, reverse("contracts:invoice_create"), post, full_invoice_state, saved)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("invoice_date", "31-12-9999"), ("invoice_date", "01-01-0001"), ("period_end", "9999-12-31")],
)
def test_a_date_outside_the_plausible_years_is_explained_not_a_500(youth, region, staff_user, client, field, value):
    """Found by the fuzzer: 31-12-9999 plus the payment term runs past the calendar."""
    client.force_login(staff_user)
    before = full_invoice_state()
    response = client.post(reverse("contracts:invoice_create"), invoice_post(youth, region) | {field: value})
    assert response.status_code == 200
    assert "Vul een datum in tussen 1900 en 2199." in response.content.decode()
    assert full_invoice_state() == before


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_invoice_edit_form(youth, region, staff_user, client, data):
    from tests.factories import InvoiceFactory

    def url() -> str:
        invoice = InvoiceFactory(
            contract=youth["contract"],
            provider=youth["provider"],
            municipality=region["weert"],
            registered_by=staff_user,
        )
        return reverse("contracts:invoice_edit", args=[invoice.pk])

    client.force_login(staff_user)
    post = data.draw(mutated(invoice_post(youth, region)))
    post_and_check(client, url, post, full_invoice_state, lambda: Invoice.objects.count() == 1)


def line_state(budget: Budget) -> tuple:
    return tuple(
        budget.lines.aggregate(n=Count("pk"), amount=Sum("amount"), fte=Sum("fte"), cost=Sum("cost_per_fte")).values()
    )


@pytest.fixture
def draft(region, staff_user) -> Budget:
    return Budget.objects.create(module=Module.objects.get(number=1), year=2028, created_by=staff_user)


def line_post() -> dict[str, str]:
    return {
        "kind": "personnel",
        "description": "Contractmanager",
        "function": str(Function.objects.get(number=3).pk),
        "salary_scale": "11",
        "fte": "1,66",
        "cost_per_fte": "90.000,00",
        "amount": "",
        "nature": "structural",
        "package": "basic",
    }


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_budget_line_add_form(draft, staff_user, client, data):
    client.force_login(staff_user)
    post = data.draw(mutated(line_post()))
    url = reverse("budgeting:line_add", args=[draft.pk])
    post_and_check(client, url, post, lambda: line_state(draft), lambda: draft.lines.count() == 1)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_budget_line_edit_form(draft, staff_user, client, data):
    def url() -> str:
        line = BudgetLine.objects.create(budget=draft, kind="other", description="ICT", amount=Decimal("5.00"))
        return reverse("budgeting:line_edit", args=[draft.pk, line.pk])

    client.force_login(staff_user)
    post = data.draw(mutated(line_post()))
    post_and_check(client, url, post, lambda: line_state(draft), lambda: draft.lines.count() == 1)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_council_view_form(draft, region, contact_weert, client, data):
    Budget.objects.filter(pk=draft.pk).update(status=BudgetStatus.DRAFT_SENT)
    client.force_login(contact_weert)
    post = data.draw(
        mutated(
            {
                "municipality": str(region["weert"].pk),
                "opinion": "objection",
                "text": "Te duur",
                "decided_on": "01-05-2028",
            }
        )
    )

    def state() -> list:
        return sorted(CouncilView.objects.values_list("municipality_id", "opinion", "text", "decided_on"))

    url = reverse("budgeting:view_add", args=[draft.pk])
    post_and_check(client, url, post, state, lambda: CouncilView.objects.count() == 1)


def milestone_state() -> tuple:
    return (
        sorted(Milestone.objects.values_list("name", "planned_end", "status", "done_on")),
        Milestone.objects.aggregate(n=Count("steps"))["n"],
    )


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_milestone_form(programme, kwartiermaker_user, client, data):  # noqa: F811
    client.force_login(kwartiermaker_user)
    base = {
        "name": "Plaatsingsbesluiten",
        "responsible": "kwartiermaker",
        "planned_start": "",
        "planned_end": "01-06-2026",
        "status": "in_progress",
        "done_on": "",
        "evidence": "",
        "per_municipality": "on",
    }
    post = data.draw(mutated(base))

    def saved() -> bool:
        milestone = Milestone.objects.get()
        return not milestone.per_municipality or milestone.steps.count() == 14

    url = reverse("transition:milestone_add", args=[programme.pk])
    post_and_check(client, url, post, milestone_state, saved)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_risk_form(programme, kwartiermaker_user, client, data):  # noqa: F811
    client.force_login(kwartiermaker_user)
    base = {
        "kind": "risk",
        "description": "Uitstroom",
        "probability": "2",
        "impact": "3",
        "owner": "K",
        "measure": "",
        "status": "open",
    }
    post = data.draw(mutated(base))

    def state() -> list:
        return sorted(Risk.objects.values_list("description", "probability", "impact", "status"))

    url = reverse("transition:risk_add", args=[programme.pk])
    post_and_check(client, url, post, state, lambda: Risk.objects.count() == 1)
