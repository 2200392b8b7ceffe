"""The audit trail: what is recorded for each tracked kind of object, by whom, and that nobody
can change it afterwards."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from audit.context import acting_as, current_user
from audit.models import AuditAction, AuditEntry
from budgeting.models import (
    AllocationKeyShare,
    AnnualAccounts,
    BoardDecision,
    Budget,
    BudgetStatus,
    CouncilView,
    MemberVote,
    RealisedLine,
)
from budgeting.services import (
    decide,
    propose,
    reply_to_view,
    send_draft_to_councils,
    send_framework_letter,
    send_to_province,
    start_amendment,
)
from contracts.imports import import_declaration_message, import_invoices_csv
from contracts.models import Contract, ContractParticipation, Invoice, InvoiceStatus, InvoiceTransitionError, TariffLine
from contracts.services import bulk_move
from entity.models import BoardSeat, Membership, Module, MunicipalityContact
from tests.budgeting.helpers import other
from tests.factories import BoardSeatFactory, ContractFactory, InvoiceFactory, MunicipalityFactory, UserFactory

D = datetime.date


def entries_of(obj) -> list[AuditEntry]:
    """The object's own entries, oldest first."""
    content_type = ContentType.objects.get_for_model(obj)
    return list(AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("at", "id"))


def last(obj) -> AuditEntry:
    return entries_of(obj)[-1]


# --- contracts --------------------------------------------------------------------------------


def test_contract_create_change_delete_with_who_and_old_to_new(youth, staff_user, manager_user):
    contract = youth["contract"]
    created = entries_of(contract)[0]
    assert created.action == AuditAction.CREATE
    assert created.actor is None and created.actor_name == ""  # made outside a request: the system
    assert created.changes["reference"] == [None, "JGD-2024-001"]
    assert created.changes["provider"] == [None, "Zorggroep Maasland"]  # a relation as its text
    assert "created_at" not in created.changes  # a timestamp every save sets is noise

    with acting_as(staff_user):
        contract.ceiling = Decimal("125000.5")
        contract.end_date = D(2028, 6, 30)
        contract.save()
    entry = last(contract)
    assert entry.action == AuditAction.UPDATE
    assert (entry.actor, entry.actor_name) == (staff_user, staff_user.get_full_name())
    assert entry.changes["ceiling"] == [None, "125000.50"]
    assert entry.changes["end_date"] == ["2027-12-31", "2028-06-30"]
    assert entry.changes["notice_date"] == ["2027-09-30", "2028-03-30"]  # computed on save, also shown
    assert set(entry.changes) == {"ceiling", "end_date", "notice_date"}

    count = AuditEntry.objects.count()
    contract.save()  # nothing changed: nothing recorded
    assert AuditEntry.objects.count() == count

    with acting_as(manager_user):
        contract.invoices.all().delete()
        pk = contract.pk
        contract.delete()
    deleted = AuditEntry.objects.filter(content_type__model="contract", object_id=str(pk)).order_by("-id").first()
    assert deleted.action == AuditAction.DELETE and deleted.actor == manager_user
    assert deleted.changes["reference"] == ["JGD-2024-001", None]
    # Its participations went with it (cascade): each recorded, under the contract.
    gone = AuditEntry.objects.filter(
        content_type__model="contractparticipation", action=AuditAction.DELETE, parent_object_id=str(pk)
    )
    assert gone.count() == 2


def test_participations_key_shares_and_tariffs_belong_to_the_contract(youth, staff_user, region):
    contract = youth["contract"]
    with acting_as(staff_user):
        share = ContractParticipation.objects.get(contract=contract, municipality=region["weert"])
        share.key_share = Decimal("40")
        share.save()
        tariff = TariffLine.objects.create(
            contract=contract, product_category="45", product_code="45A01", unit="uur", tariff=Decimal("81.5")
        )
        tariff.tariff = Decimal("83.00")
        tariff.save()
    assert last(share).changes == {"key_share": [None, "40.00"]}
    assert last(tariff).changes == {"tariff": ["81.50", "83.00"]}
    history = AuditEntry.objects.for_object(ContentType.objects.get_for_model(Contract), contract.pk)
    kinds = {e.content_type.model for e in history}
    assert kinds == {"contract", "contractparticipation", "tariffline"}


# --- invoices and their workflow ------------------------------------------------------------


@pytest.fixture
def invoice(youth, region, staff_user):
    return InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)


def test_a_user_in_a_field_is_kept_as_the_person_not_the_login(invoice, staff_user):
    created = AuditEntry.objects.get(content_type__model="invoice", object_id=str(invoice.pk), action="create")
    assert staff_user.get_full_name() and staff_user.get_full_name() != staff_user.username
    assert created.changes["registered_by"] == [None, staff_user.get_full_name()]


def test_invoice_steps_are_transitions_with_who_and_the_reason(invoice, colleague, manager_user):
    invoice.mark_checked(by=colleague)
    invoice.approve(by=colleague)
    entry = last(invoice)
    assert entry.action == AuditAction.TRANSITION
    assert entry.actor == colleague
    assert entry.changes == {"status": ["checked", "approved"]}
    assert entry.note == "gecontroleerd → goedgekeurd"
    invoice.reject(by=manager_user, reason="  Dubbel gedeclareerd ")
    entry = last(invoice)
    assert entry.changes == {"status": ["approved", "rejected"], "rejection_reason": ["", "Dubbel gedeclareerd"]}
    assert entry.note == "goedgekeurd → afgekeurd: Dubbel gedeclareerd"
    assert [e.action for e in entries_of(invoice)] == ["create", "transition", "transition", "transition"]


def test_a_step_that_loses_the_race_records_nothing(invoice, colleague, manager_user):
    stale = Invoice.objects.get(pk=invoice.pk)
    invoice.mark_checked(by=colleague)
    before = AuditEntry.objects.count()
    with pytest.raises(InvoiceTransitionError):
        stale.mark_checked(by=manager_user)  # still thinks "received": the conditional update finds nothing
    assert AuditEntry.objects.count() == before


def test_bulk_steps_record_each_invoice_that_moved(youth, region, staff_user, colleague):
    invoices = [
        InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)
        for _ in range(3)
    ]
    invoices[2].mark_checked(by=colleague)
    result = bulk_move(invoices, InvoiceStatus.CHECKED, by=colleague)
    assert len(result.done) == 2 and len(result.refused) == 1
    transitions = AuditEntry.objects.filter(action=AuditAction.TRANSITION, actor=colleague)
    assert sorted(transitions.values_list("object_id", flat=True)) == sorted(str(i.pk) for i in invoices)


def test_an_invoice_changed_through_the_form_path_is_an_update(invoice, staff_user):
    with acting_as(staff_user):
        invoice.amount = Decimal("800")
        invoice.invoice_date = D(2026, 5, 8)
        invoice.save()
    assert last(invoice).changes == {
        "invoice_date": ["2026-05-06", "2026-05-08"],
        "due_date": ["2026-06-05", "2026-06-07"],
        "amount": ["790.00", "800.00"],
    }


def test_a_rolled_back_transaction_leaves_no_entry(invoice, colleague, youth):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice.mark_checked(by=colleague)
        youth["contract"].title = "Anders"
        youth["contract"].save()
        raise RuntimeError("rolled back")
    assert AuditEntry.objects.count() == before
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.RECEIVED


def test_an_import_records_each_invoice_in_bulk(youth, staff_user):
    from tests.contracts.test_imports import GOOD

    result = import_invoices_csv(GOOD.encode(), by=staff_user)
    assert result.ok, result.problems
    for invoice in result.created:
        (entry,) = entries_of(invoice)
        assert (entry.action, entry.actor, entry.note) == (AuditAction.CREATE, staff_user, "CSV-import")
        assert entry.changes == {}  # the values stay on the invoice (see contracts/imports/base.py)
    invoice = result.created[0]
    with acting_as(staff_user):
        invoice.amount = Decimal("1.00")
        invoice.save()
    assert last(invoice).changes["amount"] == ["1234.56", "1.00"]  # the imported value is kept as the old one


def test_a_declaration_message_names_its_lines(youth, staff_user):
    from tests.contracts.test_imports import EXAMPLE

    # The shared example is addressed to municipality 0384 (not one of ours), as in test_imports.
    diemen = MunicipalityFactory(name="Diemen", slug="diemen", cbs_code="GM0384")
    youth_contract = {"provider": youth["provider"], "segment": youth["segment"]}
    ContractFactory(reference="JGD-D-001", municipalities=[diemen], **youth_contract)
    result = import_declaration_message(EXAMPLE, by=staff_user)
    assert result.ok, result.problems
    (entry,) = entries_of(result.created[0])
    count = result.created[0].lines.count()
    assert entry.note.startswith("declaratiebericht (323), geïmporteerd met") and str(count) in entry.note


def test_a_refused_import_records_nothing(youth, staff_user):
    from tests.contracts.test_imports import GOOD

    before = AuditEntry.objects.count()
    bad = GOOD + "65656055;2026-0003;06-05-2026;ONBEKEND;GM0988;01-04-2026;30-04-2026;1,00;\n"
    assert not import_invoices_csv(bad.encode(), by=staff_user).ok
    assert AuditEntry.objects.count() == before


# --- budgets, amendments, decisions, accounts -------------------------------------------------


def test_budget_and_lines_create_change_delete(budget, staff_user):
    with acting_as(staff_user):
        line = other(budget, "1000.00")
        line.amount = Decimal("1250")
        line.save()
        budget.contingency_percent = Decimal("4")
        budget.save(update_fields=["contingency_percent"])
        pk = line.pk
        line.delete()
    line.pk = pk  # delete() clears it; the trail keeps it
    assert [e.action for e in entries_of(line)] == ["create", "update", "delete"]
    assert entries_of(line)[1].changes == {"amount": ["1000.00", "1250.00"]}
    assert entries_of(line)[2].parent_object_id == str(budget.pk)
    assert last(budget).changes == {"contingency_percent": ["5.00", "4.00"]}
    assert last(budget).actor == staff_user


def test_the_cycle_records_every_step_decision_and_vote(budget, boards, region):
    other(budget, "1000.00")
    send_framework_letter(budget, by=boards["chair"], on=D(2026, 4, 1))
    step = last(budget)
    assert (step.action, step.actor) == (AuditAction.TRANSITION, boards["chair"])
    assert step.changes == {"status": ["draft", "framework"], "framework_sent_on": [None, "2026-04-01"]}
    send_draft_to_councils(budget, by=boards["chair"], on=D(2026, 4, 15), ab_meeting_on=D(2026, 7, 8))
    view = CouncilView.objects.create(
        budget=budget,
        municipality=region["weert"],
        opinion="objection",
        text="Te hoge overhead",
        decided_on=D(2026, 6, 20),
        entered_by=boards["ab_a"],
    )
    reply_to_view(view, by=boards["chair"], text="De overhead daalt.")
    assert last(view).changes["reply"] == ["", "De overhead daalt."]
    assert last(view).parent_object_id == str(budget.pk)
    propose(budget, by=boards["chair"], on=D(2026, 6, 25))
    seats = boards["seats"]
    decision = decide(
        budget,
        by=boards["ab_a"],
        meeting_on=D(2026, 7, 8),
        outcome="adopted",
        minutes_reference="AB 2026-07",
        votes={seats["chair_ab"].pk: "for", seats["ab_a"].pk: "against", seats["ab_b"].pk: "for"},
    )
    assert entries_of(decision)[0].changes["outcome"] == [None, "adopted"]
    votes = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(MemberVote))
    assert votes.count() == 3 and set(votes.values_list("actor", flat=True)) == {boards["ab_a"].pk}
    assert set(votes.values_list("parent_object_id", flat=True)) == {str(budget.pk)}
    send_to_province(budget, by=boards["chair"], on=D(2026, 7, 15))
    statuses = [e.changes["status"] for e in entries_of(budget) if e.action == AuditAction.TRANSITION]
    assert statuses == [
        ["draft", "framework"],
        ["framework", "councils"],
        ["councils", "proposed"],
        ["proposed", "adopted"],
        ["adopted", "province"],
    ]
    assert BoardDecision.objects.filter(budget=budget).exists()


@pytest.fixture
def adopted(budget, staff_user):
    other(budget, "1000.00", description="Inkoop")
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.ADOPTED, adopted_on=D(2026, 7, 8))
    budget.refresh_from_db()
    return budget


def test_an_amendment_records_its_version_and_copied_lines_and_the_supersession(adopted, staff_user, boards):
    amendment = start_amendment(adopted, by=staff_user, reason="Meer inkoop", needs_council_views=False)
    created = entries_of(amendment)[0]
    assert created.actor == staff_user and created.changes["amends"] == [None, str(adopted)]
    (line,) = amendment.lines.all()
    assert entries_of(line)[0].actor == staff_user  # copied with bulk_create, recorded explicitly
    with acting_as(staff_user):
        line.amount = Decimal("1500")
        line.save()
    propose(amendment, by=boards["chair"], on=D(2026, 9, 1))
    seats = boards["seats"]
    decide(
        amendment,
        by=boards["ab_a"],
        meeting_on=D(2026, 9, 15),
        outcome="adopted",
        minutes_reference="AB 2026-09",
        votes={seats["chair_ab"].pk: "for", seats["ab_a"].pk: "for", seats["ab_b"].pk: "for"},
    )
    superseded = last(adopted)
    assert (superseded.action, superseded.actor) == (AuditAction.TRANSITION, boards["ab_a"])
    assert superseded.changes == {"status": ["adopted", "superseded"]}


def test_accounts_and_realised_amounts(adopted, staff_user):
    with acting_as(staff_user):
        accounts = AnnualAccounts.objects.create(budget=adopted, created_by=staff_user)
        realised = RealisedLine.objects.create(accounts=accounts, line=adopted.lines.get(), amount=Decimal("980"))
        realised.explanation = "Lager uitgevallen"
        realised.save()
    assert entries_of(accounts)[0].actor == staff_user
    assert last(realised).changes == {"explanation": ["", "Lager uitgevallen"]}
    assert last(realised).parent_object_id == str(accounts.pk)


def test_allocation_key_shares_are_recorded(budget, staff_user, region):
    from budgeting.services.allocation import save_allocation_basis

    participants = list(Module.objects.get(number=1).participants_during(2027))
    key = {m: Decimal(0) for m in participants}
    key[participants[0]] = Decimal(100)
    with acting_as(staff_user):
        save_allocation_basis(budget, method="key", reference=None, key=key)
    shares = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(AllocationKeyShare))
    assert shares.count() == len(participants)
    assert set(shares.values_list("actor", flat=True)) == {staff_user.pk}


# --- the arrangement: memberships, seats, contacts --------------------------------------------


def test_membership_seat_and_contact_belong_to_the_municipality(region, manager_user):
    weert = region["weert"]
    with acting_as(manager_user):
        membership = weert.memberships.order_by("start_date").last()
        old_end = membership.end_date
        membership.end_date = D(2040, 12, 31)
        membership.save()
        later = Membership.objects.create(municipality=weert, module=membership.module, start_date=D(2041, 1, 1))
        seat = BoardSeatFactory(person=UserFactory(username="raadslid"), municipality=weert, body="DB")
        contact = MunicipalityContact.objects.create(user=UserFactory(username="nieuw-contact"), municipality=weert)
        contact.municipality = region["venlo"]
        contact.save()
        seat_pk = seat.pk
        seat.delete()
        seat.pk = seat_pk
    assert last(membership).changes == {"end_date": [old_end and old_end.isoformat(), "2040-12-31"]}
    assert (last(later).action, last(later).actor) == (AuditAction.CREATE, manager_user)
    assert last(contact).changes == {"municipality": ["Weert", "Venlo"]}
    assert last(contact).parent_object_id == str(region["venlo"].pk)
    assert last(seat).action == AuditAction.DELETE
    history = AuditEntry.objects.for_object(ContentType.objects.get_for_model(weert), weert.pk)
    assert {e.content_type.model for e in history} >= {"membership", "boardseat", "municipalitycontact"}
    assert BoardSeat.objects.filter(pk=seat.pk).count() == 0


def test_a_deleted_user_leaves_the_name_in_the_trail(youth):
    user = UserFactory(username="tijdelijk", first_name="Tijdelijke", last_name="Kracht")
    with acting_as(user):
        youth["contract"].title = "Nieuwe titel"
        youth["contract"].save()
    entry = last(youth["contract"])
    user.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_name == "Tijdelijke Kracht"


# --- who acts --------------------------------------------------------------------------------


def test_the_middleware_records_the_request_user_and_forgets_it(client, staff_user, budget):
    from django.urls import reverse

    line = other(budget, "100.00")
    client.force_login(staff_user)
    response = client.post(
        reverse("budgeting:line_edit", args=[budget.pk, line.pk]),
        {"kind": "other", "description": "ICT", "amount": "999,00", "nature": "structural", "package": "basic"},
    )
    assert response.status_code == 302
    entry = last(line)
    assert (entry.actor, entry.changes) == (staff_user, {"amount": ["100.00", "999.00"]})
    assert current_user() is None  # nothing leaks to the next request or command
    with acting_as(staff_user):
        assert current_user() == staff_user
    assert current_user() is None


# --- every kind in the registry ----------------------------------------------------------------


def test_every_tracked_kind_records_create_and_delete_with_who(youth, region, budget, boards, manager_user):
    """One row of each model in the registry: made, then removed (children first) by a manager."""
    from audit.registry import tracked_models
    from budgeting.models import ActivityResult, PlanActivity

    seats = boards["seats"]
    with acting_as(manager_user):
        line = other(budget, "10.00")
        share = AllocationKeyShare.objects.create(budget=budget, municipality=region["weert"], percent=100)
        view = CouncilView.objects.create(
            budget=budget,
            municipality=region["weert"],
            opinion="none",
            decided_on=D(2026, 6, 1),
            entered_by=manager_user,
        )
        # Proposed after the councils' view period, so the decision may carry its meeting date.
        Budget.objects.filter(pk=budget.pk).update(draft_sent_on=D(2026, 4, 15), proposed_on=D(2026, 6, 25))
        decision = BoardDecision.objects.create(
            budget=budget,
            meeting_on=D(2026, 7, 8),
            outcome="postponed",
            minutes_reference="AB",
            recorded_by=manager_user,
        )
        vote = MemberVote.objects.create(decision=decision, seat=seats["ab_a"], vote="for")
        activity = PlanActivity.objects.create(budget=budget, number=1, title="Inkoop", quarter=1)
        accounts_budget = Budget.objects.create(module=budget.module, year=2026, created_by=manager_user)
        accounts = AnnualAccounts.objects.create(budget=accounts_budget, created_by=manager_user)
        realised = RealisedLine.objects.create(accounts=accounts, line=line, amount=Decimal("9.00"))
        result = ActivityResult.objects.create(accounts=accounts, activity=activity, state="done")
        invoice = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=manager_user)
        tariff = TariffLine.objects.create(
            contract=youth["contract"], product_category="45", product_code="45A01", unit="uur", tariff=1
        )
        contact = MunicipalityContact.objects.create(user=UserFactory(username="c-2"), municipality=region["weert"])
        allocation, answer = _traffic_rows(invoice, youth, region, manager_user)
        membership = Membership.objects.create(
            municipality=MunicipalityFactory(), module=budget.module, start_date=D(2030, 1, 1)
        )
        rows = [
            result,
            realised,
            accounts,
            vote,
            decision,
            view,
            share,
            answer,
            allocation,
            invoice,
            tariff,
            contact,
            membership,
            seats["ab_b"],
            line,
            accounts_budget,
        ]
        participation = youth["contract"].participations.first()
        rows += [participation]
        rows += _reference_rows(youth, budget, manager_user)
    made = {type(row) for row in rows} | {Contract, Budget}
    assert made >= set(tracked_models()), "a tracked kind is missing from this test"
    for row in rows:
        assert entries_of(row)[0].action == AuditAction.CREATE, type(row)
    with acting_as(manager_user):
        for row in rows:
            if isinstance(row, Budget):
                PlanActivity.objects.filter(budget=row).delete()
            pk = row.pk
            row.delete()
            row.pk = pk
            entry = last(row)
            assert (entry.action, entry.actor) == (AuditAction.DELETE, manager_user), type(row)
            assert entry.changes, type(row)  # what it held, for the record


def _traffic_rows(invoice, youth, region, manager_user) -> tuple:
    """An allocation (301) and an answer to a declaration (325)."""
    from traffic.models import Allocation, DeclarationReturn

    allocation = Allocation.objects.create(
        municipality=region["weert"],
        provider=youth["provider"],
        law="jeugdwet",
        number="1",
        client_key="a" * 32,
        product_category="45",
        allocated_on=D(2026, 1, 1),
        start_date=D(2026, 1, 1),
        message_identification="1",
        message_date=D(2026, 1, 1),
    )
    answer = DeclarationReturn.objects.create(
        invoice=invoice,
        message_identification="2",
        message_date=D(2026, 2, 1),
        declared=invoice.amount,
        granted=invoice.amount,
        imported_by=manager_user,
    )
    return allocation, answer


def _reference_rows(youth, budget, manager_user) -> list:
    """One row of each kind of reference data kept in /beheer/, children before their parents."""
    from django.contrib.auth.models import Group

    from accounts.models import TwoFactorPolicy
    from budgeting.models import DeadlineRules, FinancialFrame
    from contracts.models import ContractLogEntry, ServiceAgreement
    from entity.models import Function
    from municipalities.models import PopulationCount
    from tests.factories import ModuleFactory, ProviderFactory, SegmentFactory
    from transition.models import (
        ChecklistItem,
        Criterion,
        Framework,
        GoNoGoDecision,
        Milestone,
        Programme,
        ProgressReport,
        Risk,
        StaffingLine,
    )

    municipality = MunicipalityFactory()
    module = ModuleFactory(number=77)
    segment = SegmentFactory(module=module)
    function = Function.objects.create(number=77, name="Archief")
    programme = Programme.objects.create(name="Toetreding", module=budget.module, goal_date=D(2027, 1, 1))
    dvo = ServiceAgreement.objects.create(
        municipality=municipality, start_date=D(2027, 1, 1), end_date=D(2027, 12, 31), annual_fee=Decimal("100")
    )
    return [
        PopulationCount.objects.create(municipality=municipality, reference_date=D(2026, 1, 1), inhabitants=1000),
        FinancialFrame.objects.create(
            module=budget.module, year=2027, municipality=municipality, amount=Decimal("1.00"), recorded_by=manager_user
        ),
        dvo,
        municipality,
        segment,
        module,
        StaffingLine.objects.create(programme=programme, function=function, region="MLW", fte=1, people=1),
        function,
        TwoFactorPolicy.objects.create(group=Group.objects.get(name="Medewerker"), required=True),
        ProviderFactory(),
        ContractLogEntry.objects.create(
            contract=youth["contract"], kind="visit", date=D(2026, 1, 5), author=manager_user, text="Bezoek"
        ),
        DeadlineRules.objects.create(view_weeks=14),
        Framework.objects.create(programme=programme, kind="keep", text="Lokale toegang"),
        Criterion.objects.create(programme=programme, text="Raden stemmen in"),
        GoNoGoDecision.objects.create(programme=programme, decided_on=D(2025, 6, 1), body="AB", outcome="go"),
        Milestone.objects.create(programme=programme, name="Besluit", responsible="AB", planned_end=D(2025, 7, 1)),
        Risk.objects.create(programme=programme, description="Uitstroom", probability=2, impact=3, owner="K"),
        ChecklistItem.objects.create(programme=programme, title="OR-advies"),
        ProgressReport.objects.create(programme=programme, year=2026, quarter=1),
        programme,
    ]
