"""Annual accounts: realised amounts, variance explanations, the CSV import, the result and its
settlement, care costs from approved invoices, the decision path, deadlines and the freeze."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from budgeting.models import (
    AccountsStatus,
    ActivityResult,
    AnnualAccounts,
    Budget,
    BudgetFrozenError,
    BudgetStatus,
    PlanActivity,
    RealisedLine,
    needs_explanation,
)
from budgeting.services import (
    accounts_deadlines,
    accounts_summary,
    care_costs,
    decide,
    import_realised_csv,
    open_accounts,
    propose_accounts,
    save_realised,
    send_accounts_to_councils,
    send_to_province,
    settlement,
    start_amendment,
)
from entity.models import BoardSeat, Module
from tests.budgeting.helpers import mark_adopted, other, personnel
from tests.factories import InvoiceFactory

D = datetime.date


@pytest.fixture
def adopted_2025(region, staff_user):
    """Budget 2025 of module 1 (the seven Noord-Limburg municipalities), adopted: personnel
    149,400.00, ICT 45,000.00 (basic), a plus line of 10,000.00 for Venlo; contingency 9,720.00."""
    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2025, created_by=staff_user)
    personnel(budget)
    other(budget, "45000.00")
    other(budget, "10000.00", description="Extra Venlo", package="plus", plus_municipality=region["venlo"])
    PlanActivity.objects.create(budget=budget, number=1, title="Monitoring", quarter=2)
    return mark_adopted(budget, BudgetStatus.SENT_TO_PROVINCE, adopted_on=D(2024, 7, 3))


@pytest.fixture
def accounts(adopted_2025, staff_user):
    return open_accounts(adopted_2025, by=staff_user)


def realise(accounts, **amounts):
    lines = {line.description: line.pk for line in accounts.budget.lines.all()}
    values = {lines[name]: (Decimal(value), explanation) for name, (value, explanation) in amounts.items()}
    return save_realised(accounts, values)


def complete(accounts):
    realise(
        accounts,
        Contractmanager=("150000.00", ""),
        ICT=("40000.00", "Lagere licentiekosten na de aanbesteding."),  # -11.1 %
        **{"Extra Venlo": ("10000.00", "")},
    )


def votes(on):
    return {s.pk: "for" for s in BoardSeat.objects.filter(body="AB").active_on(on)}


@pytest.mark.parametrize(
    ("budgeted", "realised", "needed"),
    [
        ("100000.00", "110000.00", False),  # exactly 10 %: not above
        ("100000.00", "110000.01", True),
        ("100000.00", "89999.99", True),
        ("500000.00", "525000.00", False),  # exactly EUR 25,000 (5 %)
        ("500000.00", "525000.01", True),
        ("0.00", "0.00", False),
        ("0.00", "1.00", True),  # anything realised on a line without budget
    ],
)
def test_when_a_variance_needs_an_explanation(budgeted, realised, needed):
    assert needs_explanation(Decimal(budgeted), Decimal(realised)) is needed


def test_accounts_are_opened_only_for_the_budget_in_force(adopted_2025, staff_user, users):
    draft = Budget.objects.create(module=adopted_2025.module, year=2026, created_by=staff_user)
    with pytest.raises(ValidationError, match="geldende vastgestelde begroting"):
        open_accounts(draft, by=staff_user)
    with pytest.raises(PermissionDenied):
        open_accounts(adopted_2025, by=users["db"])
    amendment = start_amendment(adopted_2025, by=staff_user, reason="x", needs_council_views=False)
    with pytest.raises(ValidationError, match="begrotingswijziging"):
        open_accounts(adopted_2025, by=staff_user)
    amendment.delete()
    open_accounts(adopted_2025, by=staff_user)
    with pytest.raises(ValidationError, match="bestaat al"):
        open_accounts(adopted_2025, by=staff_user)
    with pytest.raises(ValidationError, match="jaarrekening"):
        start_amendment(adopted_2025, by=staff_user, reason="te laat", needs_council_views=False)


def test_accounts_wait_for_the_budget_year(staff_user, region):
    future = Budget.objects.create(module=Module.objects.get(number=1), year=2099, created_by=staff_user)
    Budget.objects.filter(pk=future.pk).update(status=BudgetStatus.ADOPTED)
    with pytest.raises(ValidationError, match="begrotingsjaar is begonnen"):
        open_accounts(future, by=staff_user)


def test_variance_without_explanation_saves_nothing(accounts):
    with pytest.raises(ValidationError, match="ICT"):
        realise(accounts, Contractmanager=("150000.00", ""), ICT=("40000.00", ""))
    assert not RealisedLine.objects.exists()


def test_summary_and_result(accounts):
    realise(accounts, Contractmanager=("150000.00", ""))
    summary = accounts_summary(accounts)
    assert [r.line.description for r in summary.missing] == ["ICT", "Extra Venlo"]
    assert not summary.complete
    complete(accounts)
    summary = accounts_summary(accounts)
    row = next(r for r in summary.rows if r.line.description == "ICT")
    assert (row.variance, row.variance_percent) == (Decimal("-5000.00"), Decimal("-11.1"))
    assert summary.budgeted_total == Decimal("214120.00")  # 149,400 + 45,000 + 10,000 + 9,720
    assert summary.realised_total == Decimal("200000.00")
    assert summary.result == Decimal("14120.00") and summary.complete


def test_settlement_adds_up_to_the_result_by_the_contribution_key(accounts, region):
    complete(accounts)
    rows = settlement(accounts)
    assert len(rows) == 7  # the Noord-Limburg participants of 2025
    assert sum(r.amount for r in rows) == accounts_summary(accounts).result
    assert sum(r.contribution.total for r in rows) == Decimal("214120.00")
    assert sum(r.charge.total for r in rows) == Decimal("200000.00")
    venlo = next(r for r in rows if r.municipality == region["venlo"])
    assert venlo.contribution.plus == venlo.charge.plus == Decimal("10000.00")
    # The basic package is split by inhabitants: the largest municipality gets the most back.
    largest = max(rows, key=lambda r: r.contribution.basic)
    assert largest.amount == max(r.amount for r in rows)


def test_settlement_needs_every_amount(accounts):
    with pytest.raises(ValidationError):
        settlement(accounts)


def test_care_costs_come_from_approved_invoices_of_the_year(accounts, youth, region):
    contract = youth["contract"]
    InvoiceFactory(contract=contract, municipality=region["venlo"], status="approved", amount=Decimal("100.10"),
                   invoice_date=D(2025, 3, 1), period_start=D(2025, 2, 1), period_end=D(2025, 2, 28))  # fmt: skip
    InvoiceFactory(contract=contract, municipality=region["venlo"], status="paid", amount=Decimal("0.20"),
                   invoice_date=D(2025, 12, 31), period_start=D(2025, 12, 1), period_end=D(2025, 12, 31))  # fmt: skip
    InvoiceFactory(contract=contract, municipality=region["venlo"], status="received", amount=Decimal("999"),
                   invoice_date=D(2025, 3, 1), period_start=D(2025, 2, 1), period_end=D(2025, 2, 28))  # fmt: skip
    InvoiceFactory(contract=contract, municipality=region["venlo"], status="approved", amount=Decimal("999"),
                   invoice_date=D(2026, 1, 1), period_start=D(2025, 12, 1), period_end=D(2025, 12, 31))  # fmt: skip
    assert care_costs(accounts) == [(region["venlo"], Decimal("100.30"))]


CSV_OK = "regel;omschrijving;begroot;gerealiseerd;toelichting\n{cm};Contractmanager;149.400,00;150.000,00;\n"


def test_csv_template_round_trip(accounts):
    lines = {line.description: line.pk for line in accounts.budget.lines.all()}
    complete(accounts)
    from budgeting.services import realised_template_csv

    template = realised_template_csv(accounts)
    RealisedLine.objects.all().delete()
    assert import_realised_csv(accounts, template.encode("utf-8")) == 3
    assert accounts_summary(accounts).complete
    assert f"{lines['ICT']};ICT;45000,00;40000,00;Lagere licentiekosten" in template


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nr;bedrag\n1;2\n", "kolommen"),
        (b"regel;gerealiseerd\nabc;1,00\n", "geen regelnummer"),
        (b"regel;gerealiseerd\n{cm};veel\n", "geen bedrag"),
        (b"regel;gerealiseerd\n{cm};1,00\n{cm};2,00\n", "twee keer"),
        (b"regel;gerealiseerd\n999999;1,00\n", "geen regel van deze begroting"),
        (b"regel;gerealiseerd\n{ict};1,00\n", "licht haar toe"),
        (b"regel;gerealiseerd\n", "geen regels"),
        (b"\x00\x01", "geen tekstbestand"),
    ],
)
def test_csv_import_errors_save_nothing(accounts, content, message):
    lines = {line.description: line.pk for line in accounts.budget.lines.all()}
    data = content.replace(b"{cm}", str(lines["Contractmanager"]).encode()).replace(
        b"{ict}", str(lines["ICT"]).encode()
    )
    with pytest.raises(ValidationError) as error:
        import_realised_csv(accounts, data)
    assert message in " ".join(error.value.messages)
    assert not RealisedLine.objects.exists()


def test_the_decision_path_and_the_freeze(accounts, boards, staff_user):
    with pytest.raises(ValidationError, match="gerealiseerde bedrag"):
        send_accounts_to_councils(accounts, by=boards["chair"], on=D(2026, 4, 1))
    complete(accounts)
    with pytest.raises(ValidationError, match="afgelopen"):
        send_accounts_to_councils(accounts, by=boards["chair"], on=D(2025, 12, 1))
    with pytest.raises(PermissionDenied):
        send_accounts_to_councils(accounts, by=staff_user, on=D(2026, 4, 1))
    send_accounts_to_councils(accounts, by=boards["chair"], on=D(2026, 4, 1))
    propose_accounts(accounts, by=boards["chair"], on=D(2026, 6, 1))
    with pytest.raises(PermissionDenied):  # staff has no seat in the AB
        decide(accounts, by=staff_user, meeting_on=D(2026, 7, 1), outcome="adopted", minutes_reference="AB",
               votes=votes(D(2026, 7, 1)))  # fmt: skip
    with pytest.raises(ValidationError, match="na afloop|afgelopen"):
        decide(accounts, by=boards["ab_a"], meeting_on=D(2025, 12, 1), outcome="adopted", minutes_reference="AB",
               votes=votes(D(2025, 12, 1)))  # fmt: skip
    decision = decide(
        accounts,
        by=boards["ab_a"],
        meeting_on=D(2026, 7, 1),
        outcome="adopted",
        minutes_reference="AB 2026-07",
        votes=votes(D(2026, 7, 1)),
    )
    assert decision.accounts == accounts and decision.budget is None
    accounts.refresh_from_db()
    assert accounts.status == AccountsStatus.ADOPTED and accounts.is_frozen
    line = accounts.realised.first()
    attempts = [
        lambda: save_realised(accounts, {line.line_id: (Decimal(1), "x")}),
        lambda: RealisedLine.objects.filter(pk=line.pk).update(amount=1),
        line.delete,
        lambda: RealisedLine.objects.all().delete(),
        lambda: ActivityResult.objects.create(
            accounts=accounts, activity=accounts.budget.activities.first(), state="done"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(BudgetFrozenError), transaction.atomic():
            attempt()
    send_to_province(accounts, by=boards["chair"], on=D(2026, 7, 10))
    deadlines = accounts_deadlines(accounts, D(2026, 8, 1))
    assert [(d.due, d.status) for d in deadlines] == [(D(2026, 4, 29), "done"), (D(2026, 7, 14), "done")]


def test_accounts_deadlines_before_30_april_and_15_july(accounts):
    deadlines = accounts_deadlines(accounts, D(2026, 4, 10))
    assert [(d.due, d.status) for d in deadlines] == [(D(2026, 4, 29), "due soon"), (D(2026, 7, 14), "on time")]
    accounts.adopted_on = D(2026, 6, 20)  # two weeks after adoption comes first
    assert accounts_deadlines(accounts, D(2026, 6, 21))[1].due == D(2026, 7, 4)
    assert accounts_deadlines(accounts, D(2026, 5, 1))[0].status == "late"


# --- the pages ------------------------------------------------------------------------------


def test_staff_enters_the_realisation_in_the_browser_form(login, staff_user, accounts):
    lines = {line.description: line.pk for line in accounts.budget.lines.all()}
    activity = accounts.budget.activities.get()
    url = reverse("budgeting:accounts_edit", args=[accounts.pk])
    client = login(staff_user)
    data = {
        f"amount_{lines['Contractmanager']}": "150.000,00",
        f"amount_{lines['ICT']}": "40.000,00",
        f"explanation_{lines['ICT']}": "",
        f"state_{activity.pk}": "partly",
        f"note_{activity.pk}": "Kwartaal 4 schoof door.",
        "services_delivered": "Inkoop en contractmanagement.",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "De afwijking is meer dan 10 % of € 25.000" in response.content.decode()
    assert 'value="150.000,00"' in response.content.decode()  # the input is kept
    assert not RealisedLine.objects.exists() and not ActivityResult.objects.exists()
    data[f"explanation_{lines['ICT']}"] = "Lagere licentiekosten."
    assert client.post(url, data).status_code == 302
    accounts.refresh_from_db()
    assert accounts.services_delivered == "Inkoop en contractmanagement."
    assert ActivityResult.objects.get().state == "partly"
    page = client.get(accounts.get_absolute_url()).content.decode()
    assert "€\xa0150.000,00" in page and "-11,1\xa0%" in page and "deels gerealiseerd" in page


def test_bad_amount_in_the_form_is_explained(login, staff_user, accounts):
    line = accounts.budget.lines.first()
    response = login(staff_user).post(
        reverse("budgeting:accounts_edit", args=[accounts.pk]), {f"amount_{line.pk}": "veel"}
    )
    assert response.status_code == 200 and "Voer een getal in." in response.content.decode()
    assert not RealisedLine.objects.exists()


def test_import_page(login, staff_user, accounts):
    line = accounts.budget.lines.get(description="Contractmanager")
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(staff_user)
    url = reverse("budgeting:accounts_import", args=[accounts.pk])
    upload = SimpleUploadedFile("r.csv", CSV_OK.format(cm=line.pk).encode("cp1252"))
    response = client.post(url, {"file": upload}, follow=True)
    assert "Geïmporteerd: 1 regels gewijzigd." in response.content.decode()
    assert RealisedLine.objects.get().amount == Decimal("150000.00")
    template = client.get(reverse("budgeting:accounts_template", args=[accounts.pk]))
    assert template["Content-Type"].startswith("text/csv") and "Contractmanager" in template.content.decode("utf-8-sig")


def test_start_page_and_steps_through_the_views(login, staff_user, adopted_2025, boards, users):
    response = login(staff_user).post(reverse("budgeting:accounts_start", args=[adopted_2025.pk]))
    accounts = AnnualAccounts.objects.get()
    assert response["Location"] == accounts.get_absolute_url()
    complete(accounts)
    client = login(boards["chair"])
    url = reverse("budgeting:accounts_step", args=[accounts.pk])
    response = client.post(url, {"step": "propose", "on": "2026-04-01"}, follow=True)
    assert "Deze stap is niet de volgende" in response.content.decode()
    client.post(url, {"step": "draft", "on": "2026-04-01"})
    accounts.refresh_from_db()
    assert accounts.status == AccountsStatus.DRAFT_SENT and accounts.draft_sent_on == D(2026, 4, 1)
    assert login(users["staff"]).post(url, {"step": "propose", "on": "2026-05-01"}).status_code == 403


def test_the_home_page_lists_accounts_for_the_db(login, boards, accounts):
    page = login(boards["chair"]).get("/").content.decode()
    assert "Jaarrekening 2025 module 1" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("realisatie.pdf", b"%PDF-1.4", "Kies een bestand van het type .csv, .txt."),
        ("realisatie.csv", b"regel;bedrag\n" * 500_000, "Het bestand is 6,2\xa0MB; hoogstens 5,0\xa0MB"),
    ],
)
def test_import_refuses_other_files_and_large_ones(login, staff_user, accounts, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("budgeting:accounts_import", args=[accounts.pk])
    response = login(staff_user).post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert message in response.content.decode()
    assert not RealisedLine.objects.exists()
