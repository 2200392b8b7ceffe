"""Control matrix for the allocations stored at adoption (issue 13, finding 5): what the AB adopted
never moves.

Every write path on a stored allocation is refused: the model (save, delete, create), the
QuerySet (update, delete, bulk_update, bulk_create with upserts, update_or_create, related
managers), cascades, and /beheer/ for the manager and a superuser. Every write path on its inputs
after adoption is allowed (they are reference data, and drafts must follow them) but leaves the
adopted figures where they were: the population import page, /beheer/ as the manager (a count, a
DVO, a membership), the model and the QuerySet (counts, memberships, invoices, the basis of the
adopted budget itself). A key share of an adopted budget and its basis page refuse as before.

The chain of documents (budget 2025, its amendment and the accounts 2025, all adopted through the
cycle) is `tests.budgeting.helpers.adopted_chain`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from budgeting.models import (
    AllocationKeyShare,
    Budget,
    BudgetFrozenError,
    StoredAllocation,
    StoredAllocationError,
    StoredAllocationItem,
    StoredAllocationRow,
)
from budgeting.services import (
    allocation_for,
    care_costs,
    default_scenario_dates,
    joining_scenario,
    live_allocation,
    settlement,
)
from contracts.models import ServiceAgreement
from entity.models import Membership
from municipalities.models import PopulationCount
from tests.budgeting.conftest import boards  # noqa: F401 (a fixture)
from tests.budgeting.helpers import adopted_chain
from tests.factories import ContractFactory, InvoiceFactory, SegmentFactory, UserFactory

D = datetime.date


@pytest.fixture
def chain(region, staff_user, boards):  # noqa: F811
    return adopted_chain(region, staff_user, boards)


def documents(chain) -> tuple:
    return chain["budget"], chain["amendment"], chain["accounts"]


def rows_of(allocation) -> list:
    return [
        (r.municipality.pk, r.basis, r.basic, r.plus_items, r.dvo_items, r.care_items, r.total)
        + (allocation.settlement.get(r.municipality.pk),)
        for r in allocation.rows
    ]


def adopted_figures(chain) -> tuple:
    """All that was adopted, as the tables hold it and as every page reads it."""
    stored = [
        (s.pk, s.total, s.basic_cost, s.method, s.reference_date, s.row_count)
        + tuple(
            (r.pk, r.basic, r.plus, r.dvo, r.care, r.total, r.settlement, r.days, r.inhabitants) for r in s.rows.all()
        )
        for s in StoredAllocation.objects.order_by("pk")
    ]
    items = list(StoredAllocationItem.objects.order_by("pk").values_list("pk", "row_id", "label", "amount"))
    read = [rows_of(allocation_for(document)) for document in documents(chain)]
    amendment = chain["amendment"]
    scenario = joining_scenario(amendment, *default_scenario_dates(amendment))
    settled = [(s.municipality.pk, s.contribution.total, s.charge.total) for s in settlement(chain["accounts"])]
    return (
        stored,
        items,
        read,
        rows_of(scenario.before),
        rows_of(scenario.after),
        settled,
        care_costs(chain["accounts"]),
    )


def live_figures(chain) -> list:
    """What the documents would say if they were computed again now."""
    return [rows_of(live_allocation(document)) for document in documents(chain)]


# --- Direct writes to what was stored: refused -----------------------------------------------------


def header(chain) -> StoredAllocation:
    return StoredAllocation.objects.get(budget=chain["amendment"], participants_on=None)


def row(chain) -> StoredAllocationRow:
    return header(chain).rows.get(municipality__slug="venlo")


def bare_row(chain) -> StoredAllocationRow:
    found = header(chain).rows.get(municipality__slug="beesel")
    assert found.item_count == 0
    return found


def item(chain) -> StoredAllocationItem:
    return StoredAllocationItem.objects.filter(row__allocation__accounts=chain["accounts"]).first()


def _change(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()


def _again(obj):
    obj._state.adding = True  # the same row written again under its own id
    obj.save()


def _copy(obj, **fields):
    obj.pk = None
    obj._state.adding = True
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()


def _store_for_a_draft(chain):
    draft = Budget.objects.create(module=chain["module"], year=2026, created_by=chain["budget"].created_by)
    _copy(header(chain), budget=draft)


MODEL: list[tuple[str, Callable]] = [
    ("change a stored allocation", lambda c: _change(header(c), total=Decimal(1))),
    ("write a stored allocation again under its id", lambda c: _again(header(c))),
    ("store a second allocation for the adopted amendment", lambda c: _copy(header(c))),
    ("store an allocation for a draft", _store_for_a_draft),
    ("delete a stored allocation", lambda c: header(c).delete()),
    ("change a stored row", lambda c: _change(row(c), basic=row(c).basic + 1, total=row(c).total + 1)),
    ("write a stored row again under its id", lambda c: _again(row(c))),
    ("add a row to a stored allocation", lambda c: _copy(row(c), position=99, municipality=c["weert"])),
    ("delete a stored row", lambda c: row(c).delete()),
    ("change a stored item", lambda c: _change(item(c), amount=item(c).amount + 1)),
    ("add an item to a stored row", lambda c: _copy(item(c), position=99)),
    ("add an item to a row without items", lambda c: _copy(item(c), row=bare_row(c), position=0, amount=Decimal(0))),
    ("delete a stored item", lambda c: item(c).delete()),
]

QUERYSET: list[tuple[str, Callable]] = [
    ("update stored allocations", lambda c: StoredAllocation.objects.update(total=0)),
    ("delete stored allocations", lambda c: StoredAllocation.objects.all().delete()),
    ("bulk_update a stored allocation", lambda c: StoredAllocation.objects.bulk_update([header(c)], ["total"])),
    ("update_or_create a stored allocation", lambda c: StoredAllocation.objects.update_or_create(pk=header(c).pk)),
    ("update stored rows", lambda c: StoredAllocationRow.objects.filter(municipality__slug="venlo").update(basic=0)),
    ("delete stored rows", lambda c: StoredAllocationRow.objects.all().delete()),
    ("bulk_update stored rows", lambda c: StoredAllocationRow.objects.bulk_update([row(c)], ["basic"])),
    (
        "bulk_create a row as an upsert",
        lambda c: StoredAllocationRow.objects.bulk_create(
            [row(c)], update_conflicts=True, unique_fields=["id"], update_fields=["basic"]
        ),
    ),
    (
        "bulk_create a row, ignoring conflicts",
        lambda c: StoredAllocationRow.objects.bulk_create([row(c)], ignore_conflicts=True),
    ),
    ("update stored items", lambda c: StoredAllocationItem.objects.update(amount=0)),
    ("delete stored items", lambda c: StoredAllocationItem.objects.all().delete()),
    ("the rows of an allocation: update", lambda c: header(c).rows.update(basic=0)),
    ("the rows of an allocation: delete", lambda c: header(c).rows.all().delete()),
    ("the items of a row: update", lambda c: item(c).row.items.update(amount=0)),
]

CASCADE: list[tuple[str, Callable]] = [
    ("delete the adopted amendment", lambda c: c["amendment"].delete()),
    ("delete the adopted accounts", lambda c: c["accounts"].delete()),
    ("delete a municipality that pays", lambda c: c["venlo"].delete()),
]

KEY: list[tuple[str, Callable]] = [
    (
        "add a key share to the adopted amendment",
        lambda c: AllocationKeyShare.objects.create(budget=c["amendment"], municipality=c["venlo"], percent=100),
    ),
    (
        "bulk_create key shares for the adopted budget",
        lambda c: AllocationKeyShare.objects.bulk_create(
            [AllocationKeyShare(budget=c["budget"], municipality=c["venlo"], percent=100)]
        ),
    ),
]


class RollBack(Exception):
    """Undo whatever an attempt did, refused or not, before the next one."""


@pytest.mark.parametrize(
    ("paths", "refusal"),
    [
        (MODEL, StoredAllocationError),
        (QUERYSET, StoredAllocationError),
        # Deleting an adopted document is refused by its freeze; what it protects, by the database.
        (CASCADE, (BudgetFrozenError, ProtectedError)),
        (KEY, BudgetFrozenError),
    ],
    ids=["model", "queryset", "cascade", "key share"],
)
def test_direct_writes_to_what_was_stored_are_refused(chain, region, paths, refusal):
    context = {**chain, "venlo": region["venlo"], "weert": region["weert"]}
    before = adopted_figures(chain)
    wrong = []
    for name, attempt in paths:
        try:
            with transaction.atomic():
                try:
                    attempt(context)
                except refusal:
                    if adopted_figures(chain) != before:
                        wrong.append(f"{name}: refused, but the figures moved")
                    raise RollBack from None
                wrong.append(f"{name}: not refused")
                raise RollBack
        except RollBack:
            pass
        except Exception as error:  # refused, but not by the control (e.g. by the database)
            wrong.append(f"{name}: {type(error).__name__}: {error}")
    assert wrong == []
    assert adopted_figures(chain) == before


def test_the_admin_shows_what_was_stored_and_changes_nothing(client, chain, manager_user):
    stored = header(chain)
    superuser = UserFactory(username="beheerder", is_superuser=True, is_staff=True)
    before = adopted_figures(chain)
    change = reverse("admin:budgeting_storedallocation_change", args=[stored.pk])
    delete = reverse("admin:budgeting_storedallocation_delete", args=[stored.pk])
    listing = reverse("admin:budgeting_storedallocation_changelist")
    for user in (manager_user, superuser):
        client.force_login(user)
        page = client.get(change)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert "Venlo" in page.content.decode()  # the rows, read-only
        assert client.post(change, {"total": "0"}).status_code == 403
        assert client.get(reverse("admin:budgeting_storedallocation_add")).status_code == 403
        assert client.post(reverse("admin:budgeting_storedallocation_add"), {}).status_code == 403
        assert client.get(delete).status_code == 403 and client.post(delete, {"post": "yes"}).status_code == 403
        client.post(listing, {"action": "delete_selected", "_selected_action": [stored.pk], "post": "yes"})
        assert adopted_figures(chain) == before, user
    # The key shares and lines of an adopted budget: its change page refuses (superuser only).
    client.force_login(superuser)
    assert client.post(reverse("admin:budgeting_budget_change", args=[chain["amendment"].pk]), {}).status_code == 403
    assert adopted_figures(chain) == before


# --- Writes to the inputs after adoption: allowed, and the adopted figures do not move ---------------


def _upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("bevolking.csv", content.encode(), content_type="text/csv")


def import_page(client, chain, users, region):
    client.force_login(users["staff"])
    csv = "Regio's;Perioden;Bevolking op 1 januari\nVenlo;2024;120000\nGennep;2024;30000\n"
    response = client.post(reverse("municipalities:import"), {"table": "03759ned", "file": _upload(csv)})
    assert response.status_code == 302
    assert region["venlo"].inhabitants_on(D(2024, 1, 1)) == 120000


def admin_count(client, chain, users, region):
    client.force_login(users["manager"])
    count = PopulationCount.objects.get(municipality=region["beesel"], reference_date=D(2024, 1, 1))
    data = {
        "municipality": count.municipality_id,
        "reference_date": "01-01-2024",
        "inhabitants": "20000",
        "source": "x",
    }
    response = client.post(reverse("admin:municipalities_populationcount_change", args=[count.pk]), data)
    assert response.status_code == 302
    count.refresh_from_db()
    assert count.inhabitants == 20000


def admin_dvo(client, chain, users, region):
    client.force_login(users["manager"])
    segment = SegmentFactory(module=chain["module"], code="MATRIX-DVO")
    data = {
        "municipality": region["weert"].pk,
        "start_date": "01-01-2025",
        "end_date": "31-12-2025",
        "annual_fee": "20000.00",
        "segments": [segment.pk],
    }
    response = client.post(reverse("admin:contracts_serviceagreement_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ServiceAgreement.objects.filter(municipality=region["weert"]).exists()


def admin_membership(client, chain, users, region):
    client.force_login(users["manager"])
    membership = Membership.objects.get(module=chain["module"], municipality=region["bergen-l"])
    data = {
        "municipality": membership.municipality_id,
        "module": membership.module_id,
        "start_date": f"{membership.start_date:%d-%m-%Y}",
        "end_date": "30-06-2025",
        "decision": membership.decision or "Uittreding",
    }
    response = client.post(reverse("admin:entity_membership_change", args=[membership.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.end_date == D(2025, 6, 30)


def model_inputs(client, chain, users, region):
    count = PopulationCount.objects.get(municipality=region["venray"], reference_date=D(2024, 1, 1))
    count.inhabitants = 60000
    count.save()
    membership = Membership.objects.get(module=chain["module"], municipality=region["horst-aan-de-maas"])
    membership.end_date = D(2025, 3, 31)
    membership.save()
    contract = ContractFactory(segment=SegmentFactory(module=chain["module"], code="MATRIX-ZORG"))
    InvoiceFactory(contract=contract, municipality=region["venlo"], invoice_date=D(2025, 5, 1), status="paid")


def queryset_inputs(client, chain, users, region):
    PopulationCount.objects.filter(reference_date=D(2024, 1, 1)).update(inhabitants=10000)
    Membership.objects.filter(module=chain["module"], municipality=region["peel-en-maas"]).update(
        end_date=D(2025, 9, 30)
    )
    contract = ContractFactory(segment=SegmentFactory(module=chain["module"], code="MATRIX-QS"))
    # An invoice's status moves only through the workflow (four eyes refuses a bulk update), so
    # the approved invoice that adds care costs comes that way.
    InvoiceFactory(contract=contract, municipality=region["gennep"], invoice_date=D(2025, 6, 1), status="approved")
    # The basis of the adopted amendment itself, by a bulk path: refused by its freeze.
    with pytest.raises(BudgetFrozenError), transaction.atomic():
        Budget.objects.filter(pk=chain["amendment"].pk).update(allocation_reference_date=D(2025, 1, 1))


INPUTS = [import_page, admin_count, admin_dvo, admin_membership, model_inputs, queryset_inputs]


@pytest.mark.parametrize("change", INPUTS, ids=[f.__name__ for f in INPUTS])
def test_inputs_change_after_adoption_and_the_adopted_figures_do_not(client, chain, users, region, change):
    before, live = adopted_figures(chain), live_figures(chain)
    change(client, chain, users, region)
    assert live_figures(chain) != live  # the write mattered: computed again, the figures would move
    assert adopted_figures(chain) == before


def test_the_basis_page_of_an_adopted_budget_refuses(client, chain, users):
    client.force_login(users["staff"])
    before = adopted_figures(chain)
    url = reverse("budgeting:allocation_basis", args=[chain["amendment"].pk])
    response = client.post(url, {"method": "key", "reference_date": ""}, follow=True)
    assert "de grondslag verandert niet meer" in response.content.decode()
    assert Budget.objects.get(pk=chain["amendment"].pk).allocation_method == "inhabitants"
    assert adopted_figures(chain) == before
