"""Adopted money never moves: the allocation of an adopted budget, amendment and annual accounts
is stored at adoption, and every page, PDF, CSV, XLSX, ZIP, comparison, scenario and settlement
of that document reads what was stored. New counts, memberships, DVOs, invoices and keys change
drafts only."""

import datetime
import importlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from budgeting.models import (
    ACCOUNTS_FROZEN,
    FROZEN_STATUSES,
    AnnualAccounts,
    Budget,
    BudgetStatus,
    StoredAllocation,
    StoredAllocationItem,
    StoredAllocationRow,
)
from budgeting.services import (
    accounts_summary,
    allocation_for,
    allocation_inputs,
    budget_allocation,
    budget_totals,
    changes,
    copy_from_adopted,
    default_scenario_dates,
    joining_scenario,
    live_allocation,
    split,
)
from contracts.models import ServiceAgreement
from entity.models import Membership
from municipalities.services import import_population_csv
from tests.budgeting.helpers import adopt_budget, adopted_chain, other
from tests.factories import ContractFactory, InvoiceFactory, SegmentFactory

D = datetime.date
MONEY = re.compile(r"-?€\xa0-?[\d.]+,\d\d")


@pytest.fixture
def chain(region, staff_user, boards):
    return adopted_chain(region, staff_user, boards)


def streamed(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def seen(client, chain, slug="venlo") -> dict:
    """What a reader sees of each adopted document: the whole table as CSV, the statement page's
    amounts, the document page's amounts (contributions, settlement, care costs)."""
    result = {}
    for kind, document in (
        ("budget", chain["budget"]),
        ("budget", chain["amendment"]),
        ("accounts", chain["accounts"]),
    ):
        args = [document.pk]
        result[(kind, document.pk, "csv")] = streamed(
            client.get(reverse(f"budgeting:{kind}_allocation_csv", args=args))
        )
        page = client.get(reverse(f"budgeting:{kind}_statement", args=[*args, slug])).content.decode()
        result[(kind, document.pk, "statement")] = MONEY.findall(page)
        detail = "budgeting:detail" if kind == "budget" else "budgeting:accounts"
        result[(kind, document.pk, "page")] = MONEY.findall(client.get(reverse(detail, args=args)).content.decode())
    return result


# --- What may change after adoption, and must not move the adopted figures ----------------------


def import_a_new_count(region, module):
    """A corrected count for the reference date, through the import."""
    result = import_population_csv(b"Regio's;Perioden;Bevolking op 1 januari\nVenlo;2024;120000\n", "CBS")
    assert result.ok and result.updated == 1


def add_a_dvo(region, module):
    agreement = ServiceAgreement.objects.create(
        municipality=region["weert"], start_date=D(2025, 1, 1), end_date=D(2025, 12, 31), annual_fee=Decimal("20000.00")
    )
    agreement.segments.add(SegmentFactory(module=module, code="ADOPT-DVO"))


def end_a_membership(region, module):
    membership = Membership.objects.get(module=module, municipality=region["beesel"])
    membership.end_date = D(2025, 6, 30)
    membership.save()


def approve_an_invoice(region, module):
    contract = ContractFactory(
        segment=SegmentFactory(module=module, code="ADOPT-ZORG"), municipalities=[region["venlo"]]
    )
    InvoiceFactory(
        contract=contract,
        municipality=region["venlo"],
        amount=Decimal("12345.67"),
        invoice_date=D(2025, 5, 1),
        status="approved",
    )


@pytest.mark.parametrize("change", [import_a_new_count, add_a_dvo, end_a_membership, approve_an_invoice])
def test_adopted_figures_do_not_move_when_their_inputs_change(login, users, chain, region, change):
    client = login(users["staff"])
    before = seen(client, chain)
    assert all(before.values())
    assert "€\xa0" in "".join(before[("budget", chain["budget"].pk, "statement")])
    change(region, chain["module"])
    assert seen(client, chain) == before


def test_documents_and_exports_of_adopted_documents_do_not_move(login, users, chain, region):
    """The PDF statements, the XLSX table and the ZIP of all statements, after every change at once."""
    client = login(users["staff"])

    def exported():
        result = {}
        for kind, document in (
            ("budget", chain["budget"]),
            ("budget", chain["amendment"]),
            ("accounts", chain["accounts"]),
        ):
            pdf = client.get(reverse(f"budgeting:{kind}_statement_pdf", args=[document.pk, "venlo"])).content
            xlsx = load_workbook(
                io.BytesIO(client.get(reverse(f"budgeting:{kind}_allocation_xlsx", args=[document.pk])).content)
            )
            archive = zipfile.ZipFile(
                io.BytesIO(client.get(reverse(f"budgeting:{kind}_allocation_zip", args=[document.pk])).content)
            )
            result[(kind, document.pk)] = (
                pdf_text(pdf),
                [[c.value for c in row] for row in xlsx.active.iter_rows()],
                {name: pdf_text(archive.read(name)) for name in archive.namelist()},
            )
        pdf = client.get(reverse("budgeting:accounts_pdf", args=[chain["accounts"].pk])).content
        result["accounts document"] = pdf_text(pdf)
        return result

    before = exported()
    assert "Vastgesteld door het AB op 20-03-2025" in before[("budget", chain["amendment"].pk)][0]
    for change in (import_a_new_count, add_a_dvo, end_a_membership, approve_an_invoice):
        change(region, chain["module"])
    assert exported() == before


# --- What is stored ------------------------------------------------------------------------------


def rows_of(allocation) -> list:
    """Everything a row says, comparable to the cent."""
    return [
        (
            r.municipality.pk,
            r.basis,
            r.basic,
            r.plus_items,
            r.dvo_items,
            r.care_items,
            r.total,
            allocation.settlement.get(r.municipality.pk),
        )
        for r in allocation.rows
    ]


def test_the_stored_figures_are_the_live_ones_at_adoption_and_add_up(chain):
    for document in (chain["budget"], chain["amendment"], chain["accounts"]):
        stored, live = allocation_for(document), live_allocation(document)
        assert stored.stored is not None and live.stored is None
        assert rows_of(stored) == rows_of(live) and rows_of(stored)
        assert (stored.basic_cost, stored.method, stored.reference_date, stored.days_in_year) == (
            live.basic_cost,
            live.method,
            live.reference_date,
            live.days_in_year,
        )
        for row in stored.stored.rows.all():
            assert row.basic + row.plus + row.dvo + row.care == row.total
            assert sum(i.amount for i in row.items.all()) == row.plus + row.dvo + row.care
        assert sum(r.total for r in stored.stored.rows.all()) == stored.stored.total
    for budget in (chain["budget"], chain["amendment"]):
        assert allocation_for(budget).totals["total"] == budget_totals(budget).first.total  # the budget, exactly
        assert [s.participants_on for s in StoredAllocation.objects.filter(budget=budget)] == [
            None,
            D(2024, 12, 31),
            D(2025, 1, 1),
        ]
    accounts = allocation_for(chain["accounts"])
    # 219,370.00 budgeted (contingency included) against 205,212.00 realised.
    assert accounts.settlement_total == Decimal("14158.00") == accounts_summary(chain["accounts"]).result
    assert [r.municipality.slug for r in accounts.participants] == sorted(
        ["beesel", "bergen-l", "gennep", "horst-aan-de-maas", "peel-en-maas", "venlo", "venray"]
    )


def test_the_split_is_a_pure_function_of_inputs_read_in_one_place_and_stored(chain, django_assert_num_queries):
    for document in (chain["budget"], chain["amendment"], chain["accounts"]):
        inputs = allocation_inputs(document)
        with django_assert_num_queries(0):
            computed = split(inputs)
        assert rows_of(computed) == rows_of(allocation_for(document)) == rows_of(live_allocation(document))
    for document in (chain["budget"], chain["amendment"]):
        stored, live = allocation_for(document).inputs, allocation_inputs(document)
        with django_assert_num_queries(0):
            again = split(stored)
        assert rows_of(again) == rows_of(allocation_for(document))
        header = ("year", "days_in_year", "method", "reference_date", "basic_cost", "plus", "dvo", "participants_on")
        assert [getattr(stored, name) for name in header] == [getattr(live, name) for name in header]
        assert [
            (b.municipality.pk, b.days, b.inhabitants, b.key_percent, b.inhabitants_date) for b in stored.bases
        ] == [(b.municipality.pk, b.days, b.inhabitants, b.key_percent, b.inhabitants_date) for b in live.bases]


def test_the_joining_scenario_of_an_adopted_budget_is_the_one_stored(login, users, chain, region):
    budget = chain["amendment"]
    before, after = default_scenario_dates(budget)
    stored = joining_scenario(budget, before, after)
    live = [budget_allocation(budget, participants_on=on) for on in (before, after)]
    assert (rows_of(stored.before), rows_of(stored.after)) == (rows_of(live[0]), rows_of(live[1]))
    client = login(users["staff"])
    page = MONEY.findall(client.get(reverse("budgeting:scenario", args=[budget.pk])).content.decode())
    import_a_new_count(region, chain["module"])
    add_a_dvo(region, chain["module"])
    again = joining_scenario(budget, before, after)
    assert (rows_of(again.before), rows_of(again.after)) == (rows_of(stored.before), rows_of(stored.after))
    assert MONEY.findall(client.get(reverse("budgeting:scenario", args=[budget.pk])).content.decode()) == page
    # Other dates would be computed with today's inputs: an adopted budget says what was stored.
    with pytest.raises(ValidationError, match="31-12-2024"):
        joining_scenario(budget, D(2025, 6, 30), after)
    response = client.get(reverse("budgeting:scenario", args=[budget.pk]) + "?voor=2025-06-30&na=2025-01-01")
    assert response.status_code == 200 and "31-12-2024" in response.content.decode()


def test_a_draft_is_compared_with_what_was_adopted(chain, region, staff_user):
    draft = copy_from_adopted(chain["module"], 2026, by=staff_user)
    venlo = region["venlo"]
    adopted_total = allocation_for(chain["amendment"]).row_for(venlo).total
    assert changes(allocation_for(draft))[venlo.pk].previous == adopted_total
    import_a_new_count(region, chain["module"])  # Venlo on 01-01-2024: the amendment's basis
    add_a_dvo(region, chain["module"])
    assert changes(allocation_for(draft))[venlo.pk].previous == adopted_total


def test_an_allocation_that_cannot_be_computed_cannot_be_adopted(budget, boards, region):
    other(budget, "1000.00")
    agreement = ServiceAgreement.objects.create(
        municipality=region["weert"], start_date=D(2027, 1, 1), end_date=None, annual_fee=Decimal("5000.00")
    )
    agreement.segments.add(SegmentFactory(module=budget.module, code="ADOPT-DVO"))
    with pytest.raises(ValidationError, match="DVO"):
        adopt_budget(
            budget,
            boards,
            framework=D(2026, 4, 1),
            draft=D(2026, 4, 15),
            proposed=D(2026, 6, 25),
            meeting=D(2026, 7, 8),
        )
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.PROPOSED and not budget.decisions.exists()
    assert not StoredAllocation.objects.exists()


# --- The demo data and the data migration --------------------------------------------------------


def stored_figures() -> list:
    return [
        (
            s.budget_id,
            s.accounts_id,
            s.participants_on,
            s.year,
            s.days_in_year,
            s.method,
            s.reference_date,
            s.basic_cost,
            s.total,
            s.row_count,
            s.stored_by_id,
            [
                (r.position, r.municipality_id, r.days, r.inhabitants, r.inhabitants_date, r.key_percent, r.share)
                + (r.basic, r.plus, r.dvo, r.care, r.total, r.settlement, r.item_count)
                + tuple((i.position, i.part, i.label, i.amount) for i in r.items.all())
                for r in s.rows.prefetch_related("items")
            ],
        )
        for s in StoredAllocation.objects.order_by("budget", "accounts", "participants_on")
    ]


def test_the_demo_stores_what_it_adopts_once_and_the_migration_reproduces_it(db):
    call_command("load_demo", "--allow-demo-users", "--invoices", "400", stdout=io.StringIO())
    adopted = [
        *Budget.objects.filter(status__in=FROZEN_STATUSES),
        *AnnualAccounts.objects.filter(status__in=ACCOUNTS_FROZEN),
    ]
    assert len(adopted) == 4  # the budgets 2025, 2026 and 2027 and the accounts 2025
    for document in adopted:
        assert rows_of(allocation_for(document)) == rows_of(live_allocation(document))
    weert = (
        Budget.objects.get(year=2026).stored_allocations.get(participants_on=None).rows.get(municipality__slug="weert")
    )
    assert weert.total == Decimal("141980.53")  # as the issue saw it adopted
    first = stored_figures()
    assert len(first) == 3 * 3 + 1 and any(row[-1] for s in first for row in s[-1])  # care costs and DVOs have items
    call_command("load_demo", "--allow-demo-users", "--invoices", "400", stdout=io.StringIO())
    assert stored_figures() == first
    # A database from before this change: the adopted documents without stored allocations.
    with connection.cursor() as cursor:
        for model in (StoredAllocationItem, StoredAllocationRow, StoredAllocation):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    migration = importlib.import_module("budgeting.migrations.0006_store_adopted_allocations")
    state = MigrationLoader(connection).project_state(("budgeting", "0006_store_adopted_allocations"))
    migration.store_adopted(state.apps, None)
    assert stored_figures() == first
    migration.store_adopted(state.apps, None)  # a second run finds everything stored
    assert stored_figures() == first
