"""The freeze on every write path: once the AB has adopted a budget (or an amendment, or the annual
accounts), nothing of it changes — not the document, its lines, key, plan or plus packages, the
councils' views on it, the realised amounts and results of the accounts, nor the record of the
decision, the votes and the steps. Only its status moves on (to GS, replaced by an amendment).

Each path is tried — the portal's pages, /beheer/, the import of realised amounts, the model and
the QuerySet — and each is refused with nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEntry
from budgeting.models import (
    AccountsStatus,
    ActivityResult,
    AllocationKeyShare,
    AnnualAccounts,
    BoardDecision,
    Budget,
    BudgetFrozenError,
    BudgetLine,
    BudgetStatus,
    CouncilView,
    CycleStep,
    MemberVote,
    PlanActivity,
    PlusPackage,
    RealisedLine,
)
from entity.models import Function, Module
from tests.budgeting.helpers import other, personnel
from tests.factories import BoardSeatFactory, UserFactory

D = datetime.date
FROZEN_MODELS = [
    Budget,
    BudgetLine,
    AllocationKeyShare,
    PlanActivity,
    PlanActivity.functions.through,
    PlanActivity.budget_lines.through,
    PlusPackage,
    CouncilView,
    BoardDecision,
    MemberVote,
    CycleStep,
    AnnualAccounts,
    RealisedLine,
    ActivityResult,
]


def state() -> tuple:
    """Every row the freeze protects, and the trail's size (a refused write leaves no entry)."""
    rows = tuple(list(model._base_manager.order_by("pk").values()) for model in FROZEN_MODELS)
    return (*rows, AuditEntry.objects.count())


@pytest.fixture
def frozen(region, staff_user):
    """Budget 2025 of module 1 adopted and sent to GS, with every kind of row; its annual accounts
    adopted too; and a draft budget 2026 to move rows to and from."""
    module = Module.objects.get(number=1)
    budget = Budget.objects.create(
        module=module, year=2025, created_by=staff_user, allocation_method="key", proposed_on=D(2024, 6, 20)
    )
    line = personnel(budget)
    ict = other(budget, "45000.00")
    share = AllocationKeyShare.objects.create(budget=budget, municipality=region["venlo"], percent=100)
    activity = PlanActivity.objects.create(budget=budget, number=1, title="Monitoring", quarter=2)
    activity.functions.set([Function.objects.get(number=3)])
    activity.budget_lines.set([line])
    package = PlusPackage.objects.create(budget=budget, municipality=region["venlo"], content="Extra")
    view = CouncilView.objects.create(
        budget=budget, municipality=region["venlo"], opinion="none", decided_on=D(2024, 6, 1), entered_by=staff_user
    )
    seat = BoardSeatFactory(person=UserFactory(username="ab-venlo"), municipality=region["venlo"], body="AB")
    decision = BoardDecision.objects.create(
        budget=budget, meeting_on=D(2024, 7, 2), outcome="adopted", minutes_reference="AB 2024", recorded_by=staff_user
    )
    vote = MemberVote.objects.create(decision=decision, seat=seat, vote="for")
    step = CycleStep.objects.create(budget=budget, status="adopted", on=D(2024, 7, 2), by=staff_user)
    accounts = AnnualAccounts.objects.create(
        budget=budget, created_by=staff_user, services_delivered="Inkoop", proposed_on=D(2026, 6, 1)
    )
    realised = RealisedLine.objects.create(accounts=accounts, line=ict, amount=Decimal("44000.00"))
    result = ActivityResult.objects.create(accounts=accounts, activity=activity, state="done")
    accounts_decision = BoardDecision.objects.create(
        accounts=accounts,
        meeting_on=D(2026, 7, 1),
        outcome="adopted",
        minutes_reference="AB 2026",
        recorded_by=staff_user,
    )
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.SENT_TO_PROVINCE, adopted_on=D(2024, 7, 2))
    AnnualAccounts.objects.filter(pk=accounts.pk).update(status=AccountsStatus.ADOPTED, adopted_on=D(2026, 7, 1))
    budget.refresh_from_db()
    accounts.refresh_from_db()
    draft = Budget.objects.create(module=module, year=2026, created_by=staff_user)
    return {
        "budget": budget,
        "line": line,
        "ict": ict,
        "share": share,
        "activity": activity,
        "package": package,
        "view": view,
        "decision": decision,
        "vote": vote,
        "step": step,
        "accounts": accounts,
        "realised": realised,
        "result": result,
        "accounts_decision": accounts_decision,
        "draft": draft,
        "draft_line": other(draft, "1.00", description="Concept"),
    }


# --- the portal's pages -----------------------------------------------------------------------


def page_posts(f) -> list[tuple[str, dict, dict]]:
    budget, accounts = f["budget"].pk, f["accounts"].pk
    line = {"kind": "other", "description": "ICT", "amount": "1,00", "nature": "structural", "package": "basic"}
    activity = {"number": "2", "title": "Nieuw", "priority": "necessary", "quarter": "3"}
    return [
        ("budgeting:line_add", {"pk": budget}, line),
        ("budgeting:line_edit", {"pk": budget, "line_pk": f["ict"].pk}, line),
        ("budgeting:line_delete", {"pk": budget, "line_pk": f["ict"].pk}, {}),
        ("budgeting:activity_add", {"pk": budget}, activity),
        ("budgeting:activity_edit", {"pk": budget, "activity_pk": f["activity"].pk}, activity),
        ("budgeting:plus_add", {"pk": budget}, {"municipality": f["view"].municipality_id, "content": "x"}),
        ("budgeting:plus_edit", {"pk": budget, "package_pk": f["package"].pk}, {"content": "Anders"}),
        ("budgeting:plan_item_delete", {"pk": budget, "kind": "activiteit", "item_pk": f["activity"].pk}, {}),
        ("budgeting:plan_item_delete", {"pk": budget, "kind": "pluspakket", "item_pk": f["package"].pk}, {}),
        ("budgeting:allocation_basis", {"pk": budget}, {"method": "inhabitants"}),
        ("budgeting:view_add", {"pk": budget}, {"municipality": f["view"].municipality_id, "opinion": "objection"}),
        ("budgeting:view_reply", {"pk": budget, "view_pk": f["view"].pk}, {"reply": "Anders"}),
        ("budgeting:accounts_edit", {"pk": accounts}, {"services_delivered": "Anders"}),
    ]


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_no_page_changes_an_adopted_document(client, users, frozen, role):
    before = state()
    client.force_login(users[role])
    for name, kwargs, data in page_posts(frozen):
        response = client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code in (302, 403, 404, 405), f"{name}: {response.status_code}"
    assert state() == before


def test_the_db_cannot_reply_to_a_view_of_an_adopted_budget(client, frozen, db_user, region):
    BoardSeatFactory(person=db_user, municipality=region["venlo"], body="DB", start_date=D(2021, 6, 1))
    before = state()
    client.force_login(db_user)
    client.post(reverse("budgeting:view_reply", args=[frozen["budget"].pk, frozen["view"].pk]), {"reply": "Anders"})
    assert state() == before


# --- the import of realised amounts --------------------------------------------------------------


def realised_csv(frozen) -> bytes:
    line = frozen["ict"]
    return f"regel;omschrijving;begroot;gerealiseerd;toelichting\n{line.pk};ICT;45000,00;1,00;Fout\n".encode()


def test_the_import_does_not_change_adopted_accounts(client, users, frozen):
    from budgeting.services import import_realised_csv

    before = state()
    with pytest.raises((ValidationError, BudgetFrozenError)):
        import_realised_csv(frozen["accounts"], realised_csv(frozen))
    client.force_login(users["staff"])
    upload = SimpleUploadedFile("realisatie.csv", realised_csv(frozen), content_type="text/csv")
    client.post(reverse("budgeting:accounts_import", args=[frozen["accounts"].pk]), {"file": upload})
    assert state() == before


# --- /beheer/ -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("budgeting_budget", "budget"),
        ("budgeting_annualaccounts", "accounts"),
        ("budgeting_councilview", "view"),
        ("budgeting_boarddecision", "decision"),
        ("budgeting_cyclestep", "step"),
    ],
)
def test_the_admin_changes_and_deletes_nothing_of_an_adopted_document(client, frozen, label, key):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    before = state()
    client.force_login(superuser)
    pk = frozen[key].pk
    assert client.post(reverse(f"admin:{label}_change", args=[pk]), {"status": "draft"}).status_code == 403
    assert client.post(reverse(f"admin:{label}_delete", args=[pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse(f"admin:{label}_add"), {}).status_code == 403
    assert state() == before


# --- the model ---------------------------------------------------------------------------------

ROWS = ["line", "share", "activity", "package", "view", "realised", "result"]
RECORDS = ["decision", "vote", "step", "accounts_decision"]


@pytest.mark.parametrize("key", ROWS + RECORDS)
def test_a_row_of_an_adopted_document_is_not_saved_or_deleted(frozen, key):
    before = state()
    row = frozen[key]
    with pytest.raises(BudgetFrozenError):
        row.save()
    with pytest.raises(BudgetFrozenError):
        row.delete()
    assert state() == before


@pytest.mark.parametrize("key", ["line", "share", "activity", "package", "view"])
def test_a_row_is_not_moved_out_of_an_adopted_budget(frozen, key):
    before = state()
    row = frozen[key]
    row.budget = frozen["draft"]
    with pytest.raises(BudgetFrozenError):
        row.save()
    assert state() == before


def test_no_row_is_added_to_an_adopted_document(frozen, region, staff_user):
    before = state()
    budget, accounts = frozen["budget"], frozen["accounts"]
    attempts = [
        lambda: other(budget, "1.00"),
        lambda: AllocationKeyShare.objects.create(budget=budget, municipality=region["weert"], percent=0),
        lambda: PlanActivity.objects.create(budget=budget, number=9, title="Nieuw", quarter=1),
        lambda: PlusPackage.objects.create(budget=budget, municipality=region["weert"], content="Extra"),
        lambda: CouncilView.objects.create(
            budget=budget, municipality=region["weert"], opinion="none", decided_on=D(2024, 6, 1), entered_by=staff_user
        ),
        lambda: RealisedLine.objects.create(accounts=accounts, line=frozen["line"], amount=Decimal("1.00")),
        lambda: frozen["activity"].functions.add(Function.objects.get(number=5)),
        lambda: frozen["activity"].budget_lines.clear(),
    ]
    for attempt in attempts:
        # A savepoint each: a refused link leaves the transaction to roll back (as a request's would).
        with pytest.raises(BudgetFrozenError), transaction.atomic():
            attempt()
    assert state() == before


@pytest.mark.parametrize(
    "change",
    [
        {"contingency_percent": Decimal("50.00")},
        {"indexation_percent": Decimal("3.00")},
        {"allocation_method": "inhabitants"},
        {"adopted_on": D(2024, 8, 1)},
        {"status": BudgetStatus.DRAFT},  # thawed, then edited
        {"status": BudgetStatus.ADOPTED},  # back a step
    ],
)
def test_an_adopted_budget_itself_does_not_change(frozen, change):
    before = state()
    budget = frozen["budget"]
    for name, value in change.items():
        setattr(budget, name, value)
    with pytest.raises(BudgetFrozenError):
        budget.save()
    with pytest.raises(BudgetFrozenError):
        budget.save(update_fields=list(change))
    with pytest.raises(BudgetFrozenError):
        Budget.objects.filter(pk=budget.pk).update(**change)
    with pytest.raises(BudgetFrozenError):
        Budget.objects.bulk_update([budget], list(change))
    assert state() == before


@pytest.mark.parametrize(
    "change",
    [{"services_delivered": "Anders"}, {"status": AccountsStatus.DRAFT}, {"adopted_on": D(2026, 8, 1)}],
)
def test_adopted_accounts_themselves_do_not_change(frozen, change):
    before = state()
    accounts = frozen["accounts"]
    for name, value in change.items():
        setattr(accounts, name, value)
    with pytest.raises(BudgetFrozenError):
        accounts.save()
    with pytest.raises(BudgetFrozenError):
        AnnualAccounts.objects.filter(pk=accounts.pk).update(**change)
    with pytest.raises(BudgetFrozenError):
        AnnualAccounts.objects.bulk_update([accounts], list(change))
    assert state() == before


def test_an_adopted_document_is_not_deleted(frozen):
    """Deleting the budget would take its frozen lines with it (cascade)."""
    before = state()
    for attempt in (
        frozen["accounts"].delete,
        frozen["budget"].delete,
        lambda: AnnualAccounts.objects.filter(pk=frozen["accounts"].pk).delete(),
        lambda: Budget.objects.filter(pk=frozen["budget"].pk).delete(),
        lambda: Budget.objects.all().delete(),
    ):
        with pytest.raises(BudgetFrozenError):
            attempt()
    assert state() == before


# --- the QuerySet ------------------------------------------------------------------------------

QUERYSET_ROWS = {
    "line": (BudgetLine, "budget", {"amount": Decimal("2.00")}),
    "share": (AllocationKeyShare, "budget", {"percent": Decimal("1.00")}),
    "activity": (PlanActivity, "budget", {"title": "Anders"}),
    "package": (PlusPackage, "budget", {"content": "Anders"}),
    "view": (CouncilView, "budget", {"text": "Alsnog bezwaar", "opinion": "objection"}),
    "realised": (RealisedLine, "accounts", {"amount": Decimal("1.00")}),
    "result": (ActivityResult, "accounts", {"state": "dropped"}),
    "decision": (BoardDecision, "budget", {"outcome": "rejected"}),
    "accounts_decision": (BoardDecision, "accounts", {"minutes_reference": "Anders"}),
    "vote": (MemberVote, "decision", {"vote": "against"}),
    "step": (CycleStep, "budget", {"on": D(2024, 1, 1)}),
}


@pytest.mark.parametrize("key", sorted(QUERYSET_ROWS))
def test_no_bulk_path_changes_a_row_of_an_adopted_document(frozen, key):
    model, parent, change = QUERYSET_ROWS[key]
    row = frozen[key]
    rows = model.objects.filter(pk=row.pk)
    before = state()
    for name, value in change.items():
        setattr(row, name, value)
    attempts = [
        lambda: rows.update(**change),
        lambda: model.objects.all().update(**change),
        lambda: rows.delete(),
        lambda: model.objects.bulk_update([row], list(change)),
    ]
    for attempt in attempts:
        with pytest.raises(BudgetFrozenError):
            attempt()
    assert state() == before


@pytest.mark.parametrize("key", ["line", "share", "activity", "package", "view"])
def test_no_bulk_path_moves_rows_in_or_out_of_an_adopted_budget(frozen, key):
    model = QUERYSET_ROWS[key][0]
    before = state()
    with pytest.raises(BudgetFrozenError):
        model.objects.filter(pk=frozen[key].pk).update(budget=frozen["draft"])
    if key == "line":
        with pytest.raises(BudgetFrozenError):
            BudgetLine.objects.filter(pk=frozen["draft_line"].pk).update(budget=frozen["budget"])
        with pytest.raises(BudgetFrozenError):
            BudgetLine.objects.filter(pk=frozen["draft_line"].pk).update(budget_id=frozen["budget"].pk)
    assert state() == before


def test_bulk_create_adds_no_row_to_an_adopted_document(frozen, region):
    before = state()
    budget, accounts = frozen["budget"], frozen["accounts"]
    attempts = [
        lambda: BudgetLine.objects.bulk_create([BudgetLine(budget=budget, kind="other", description="x", amount=1)]),
        lambda: AllocationKeyShare.objects.bulk_create(
            [AllocationKeyShare(budget=budget, municipality=region["weert"], percent=0)]
        ),
        lambda: RealisedLine.objects.bulk_create([RealisedLine(accounts=accounts, line=frozen["line"], amount=1)]),
    ]
    for attempt in attempts:
        with pytest.raises(BudgetFrozenError):
            attempt()
    assert state() == before


# --- what still moves: the status along the cycle, and new records of it -----------------------


def test_the_status_moves_on_and_the_decision_path_still_records(frozen, staff_user):
    """An adopted document goes to GS and is replaced by an amendment; the step that takes it
    there and the decision that adopts it are recorded after the status changed."""
    budget = frozen["budget"]
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.SUPERSEDED)
    CycleStep.objects.create(budget=budget, status="superseded", on=D(2025, 3, 1), by=staff_user)
    AnnualAccounts.objects.filter(pk=frozen["accounts"].pk).update(
        status=AccountsStatus.SENT_TO_PROVINCE, sent_to_province_on=D(2026, 7, 9)
    )
    assert Budget.objects.get(pk=budget.pk).status == BudgetStatus.SUPERSEDED
    assert AnnualAccounts.objects.get(pk=frozen["accounts"].pk).sent_to_province_on == D(2026, 7, 9)
