"""Every URL of the portal against every role: a new view without an entry here fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access.policy import Role, roles_of
from tests.subjects import ROLE_SUBJECTS, subject_names

# One subject per member of ``Role`` (tests/subjects.py), then Venlo's contact and a user without a
# role: a new role is a new column, and every expectation below must say what it gets.
ROLES = ["anonymous", *subject_names()]
INTERNAL = {"staff": 200, "manager": 200, "db": 200, "ab": 200, "kwartiermaker": 200}

# url name -> (kwargs, {role: expected status}); anonymous is always sent to the login page.
EXPECTED = {
    "home": ({}, {**INTERNAL, "contact_weert": 200, "norole": 200}),
    "municipalities:list": ({}, {**INTERNAL, "contact_weert": 200, "norole": 403}),
    "municipalities:detail": ({"slug": "weert"}, {**INTERNAL, "contact_weert": 200, "norole": 403}),
    "municipalities:import": (
        {},
        {"staff": 200, "manager": 200, "db": 403, "ab": 403, "kwartiermaker": 403, "contact_weert": 403, "norole": 403},
    ),
    "entity:modules": ({}, {**INTERNAL, "contact_weert": 200, "norole": 403}),
    "entity:module": ({"number": 1}, {**INTERNAL, "contact_weert": 200, "norole": 403}),
    "entity:organisation": ({}, {**INTERNAL, "contact_weert": 403, "norole": 403}),
    "password_change": ({}, {**INTERNAL, "contact_weert": 200, "norole": 200}),
    "password_change_done": ({}, {**INTERNAL, "contact_weert": 200, "norole": 200}),
}
OFFICE = {"staff": 200, "manager": 200, "db": 403, "ab": 403, "kwartiermaker": 403, "contact_weert": 403, "norole": 403}
READ = {**INTERNAL, "contact_weert": 200, "norole": 403}
POST_ONLY = dict.fromkeys(INTERNAL | {"contact_weert": 0, "norole": 0}, 405)
# A draft in preparation is the office's: a contact gets 404 until the draft goes to the councils.
READ_DRAFT = {**INTERNAL, "contact_weert": 404, "norole": 403}
KWARTIERMAKER = {**dict.fromkeys(INTERNAL, 403), "kwartiermaker": 200, "contact_weert": 403, "norole": 403}
TABLE = {**INTERNAL, "contact_weert": 403, "norole": 403}
EVERYONE = {**INTERNAL, "contact_weert": 200, "norole": 200}
MANAGER = {**dict.fromkeys(INTERNAL, 403), "manager": 200, "contact_weert": 403, "norole": 403}
BOARDS = {**dict.fromkeys(INTERNAL, 403), "db": 200, "ab": 200, "contact_weert": 403, "norole": 403}
HISTORY = {**dict.fromkeys(INTERNAL, 403), "manager": 200, "ab": 200, "db": 200, "contact_weert": 403, "norole": 403}
EXPECTED.update(
    {
        "contracts:list": ({}, READ),
        "contracts:detail": ({"pk": "weert_contract"}, READ),
        "contracts:create": ({}, OFFICE),
        "contracts:edit": ({"pk": "weert_contract"}, OFFICE),
        "contracts:log_add": ({"pk": "weert_contract"}, POST_ONLY),
        "contracts:log_delete": ({"pk": "weert_contract", "entry_pk": "entry"}, POST_ONLY),
        "contracts:invoices": ({}, READ),
        "contracts:invoice": ({"pk": "weert_invoice"}, READ),
        "contracts:invoice_create": ({}, OFFICE),
        "contracts:invoice_edit": ({"pk": "weert_invoice"}, OFFICE),
        "contracts:invoice_import": ({}, OFFICE),
        "traffic:import": ({}, OFFICE),
        "traffic:answer": ({"pk": "weert_invoice"}, READ),
        # The monitor: a contact its own municipality's figures; the signals and lines the office's.
        "monitor:overview": ({}, READ),
        "monitor:provider": ({"pk": "provider"}, READ),
        "monitor:municipality": ({"slug": "weert"}, READ),
        "monitor:signals": ({}, OFFICE),
        "monitor:lines": ({}, OFFICE),
        "contracts:invoice_step": ({"pk": "weert_invoice"}, POST_ONLY),
        "contracts:invoice_bulk": ({}, POST_ONLY),
        "budgeting:list": ({}, READ),
        "budgeting:detail": ({"pk": "budget"}, READ_DRAFT),
        "budgeting:line_add": ({"pk": "budget"}, OFFICE),
        "budgeting:line_edit": ({"pk": "budget", "line_pk": "line"}, OFFICE),
        "budgeting:line_delete": ({"pk": "budget", "line_pk": "line"}, POST_ONLY),
        "budgeting:db_step": ({"pk": "budget"}, POST_ONLY),
        # A draft budget is not with the councils yet: those who may record a view are sent back.
        "budgeting:view_add": (
            {"pk": "budget"},
            {**dict.fromkeys(INTERNAL, 403), "staff": 302, "manager": 302, "contact_weert": 404, "norole": 403},
        ),
        "budgeting:view_reply": ({"pk": "budget", "view_pk": "view"}, POST_ONLY),
        "budgeting:decide": ({"pk": "budget"}, BOARDS),
        "budgeting:pdf": ({"pk": "budget"}, READ_DRAFT),
        "budgeting:view_file": ({"pk": "budget", "view_pk": "view"}, READ_DRAFT),
        "budgeting:amend": ({"pk": "adopted"}, OFFICE),
        "budgeting:plan": ({"pk": "budget"}, READ_DRAFT),
        "budgeting:activity_add": ({"pk": "budget"}, OFFICE),
        "budgeting:activity_edit": ({"pk": "budget", "activity_pk": "activity"}, OFFICE),
        "budgeting:plus_add": ({"pk": "budget"}, OFFICE),
        "budgeting:plus_edit": ({"pk": "budget", "package_pk": "package"}, OFFICE),
        "budgeting:plan_item_delete": ({"pk": "budget", "kind": "activiteit", "item_pk": "activity"}, POST_ONLY),
        "budgeting:accounts_start": ({"pk": "adopted"}, POST_ONLY),
        "budgeting:accounts": ({"pk": "accounts"}, READ_DRAFT),
        "budgeting:accounts_pdf": ({"pk": "accounts"}, READ_DRAFT),
        "budgeting:accounts_edit": ({"pk": "accounts"}, OFFICE),
        "budgeting:accounts_import": ({"pk": "accounts"}, POST_ONLY),
        "budgeting:accounts_template": ({"pk": "accounts"}, OFFICE),
        "budgeting:accounts_step": ({"pk": "accounts"}, POST_ONLY),
        "budgeting:accounts_decide": ({"pk": "accounts"}, BOARDS),
        # Cost allocation: the whole table for the entity and the boards, a contact its own statement
        # (another municipality's is 404, tested in tests/budgeting/test_statements.py).
        "budgeting:budget_allocation": ({"pk": "budget"}, READ_DRAFT),
        "budgeting:budget_allocation_csv": ({"pk": "adopted"}, TABLE),
        "budgeting:budget_allocation_xlsx": ({"pk": "adopted"}, TABLE),
        "budgeting:budget_allocation_zip": ({"pk": "adopted"}, TABLE),
        "budgeting:budget_statement": ({"pk": "adopted", "slug": "weert"}, READ),
        "budgeting:budget_statement_pdf": ({"pk": "adopted", "slug": "weert"}, READ),
        "budgeting:accounts_allocation": ({"pk": "accounts"}, READ_DRAFT),
        "budgeting:accounts_allocation_csv": ({"pk": "accounts"}, TABLE),
        "budgeting:accounts_allocation_xlsx": ({"pk": "accounts"}, TABLE),
        "budgeting:accounts_allocation_zip": ({"pk": "accounts"}, TABLE),
        "budgeting:accounts_statement": ({"pk": "accounts", "slug": "weert"}, READ_DRAFT),
        "budgeting:accounts_statement_pdf": ({"pk": "accounts", "slug": "weert"}, READ_DRAFT),
        "budgeting:allocation_basis": ({"pk": "budget"}, OFFICE),
        "budgeting:scenario": ({"pk": "adopted"}, TABLE),
        "budgeting:scenario_pdf": ({"pk": "adopted"}, TABLE),
        "budgeting:frames": (
            {"pk": "adopted"},
            {**dict.fromkeys(INTERNAL, 403), "manager": 200, "contact_weert": 403, "norole": 403},
        ),
        # The transition programme: the kwartiermaker edits, the others read, a contact its own steps.
        "transition:index": ({}, {**dict.fromkeys(INTERNAL, 302), "contact_weert": 302, "norole": 403}),
        "transition:programme": ({"pk": "programme"}, READ),
        "transition:milestone_add": ({"pk": "programme"}, KWARTIERMAKER),
        "transition:milestone_edit": ({"pk": "programme", "milestone_pk": "milestone"}, KWARTIERMAKER),
        "transition:steps": ({"pk": "programme", "milestone_pk": "milestone"}, KWARTIERMAKER),
        "transition:evidence": (
            {"pk": "programme", "milestone_pk": "milestone"},
            {**dict.fromkeys(INTERNAL, 404), "contact_weert": 404, "norole": 403},
        ),
        "transition:staffing": ({"pk": "programme"}, TABLE),
        "transition:risks": ({"pk": "programme"}, TABLE),
        "transition:risk_add": ({"pk": "programme"}, KWARTIERMAKER),
        "transition:risk_edit": ({"pk": "programme", "item_pk": "risk"}, KWARTIERMAKER),
        "transition:checklist_add": ({"pk": "programme"}, KWARTIERMAKER),
        "transition:checklist_edit": ({"pk": "programme", "item_pk": "checklist"}, KWARTIERMAKER),
        "transition:decision": ({"pk": "programme"}, KWARTIERMAKER),
        "transition:framework_add": ({"pk": "programme"}, POST_ONLY),
        "transition:report_new": ({"pk": "programme"}, POST_ONLY),
        "transition:report": ({"pk": "issued_report"}, READ),
        "transition:report_pdf": ({"pk": "issued_report"}, READ),
        "transition:report_issue": ({"pk": "draft_report"}, POST_ONLY),
        # Who changed what: managers and the AB (the "db" user also sits in the AB; a DB member
        # outside it gets 403, tested in tests/audit/test_history_page.py).
        "audit:history": ({"model": "contracts.invoice", "pk": "weert_invoice"}, HISTORY),
        # Login security: everyone their own second factor, the manager the lockouts and policy.
        "account:two_factor": ({}, EVERYONE),
        "account:two_factor_enrol": ({}, EVERYONE),
        # Nobody here has a device, so there is no code to give: sent on to the page asked for.
        "account:two_factor_verify": ({}, dict.fromkeys(EVERYONE, 302)),
        "account:two_factor_disable": ({}, POST_ONLY),
        "account:two_factor_backup_codes": ({}, POST_ONLY),
        "account:two_factor_policy": ({}, MANAGER),
        "account:two_factor_users": ({}, MANAGER),
        "account:two_factor_reset": ({"pk": 1}, POST_ONLY),
        "account:lockouts": ({}, MANAGER),
        "account:unlock": ({"pk": 1}, POST_ONLY),
    }
)
# What Venlo's contact gets where it differs from Weert's contact on the same (Weert) URL.
# The contract is shared by Weert and Venlo, so only Weert's invoice, statement and page are 404.
OTHER_MUNICIPALITY: dict[str, int] = {
    "contracts:invoice": 404,
    "traffic:answer": 404,
    "monitor:municipality": 404,
    "municipalities:detail": 404,
    "budgeting:budget_statement": 404,
    "budgeting:budget_statement_pdf": 404,
}
# Pages with their own rules, tested below. The password pages are public like the login page
# (a user who forgot the password is not logged in): tests/entity/test_account_mail.py.
SPECIAL = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_subject_that_holds_it(users, role):
    subject = ROLE_SUBJECTS[role][0]
    assert role in roles_of(users[subject])
    assert all(subject in expected for _kwargs, expected in EXPECTED.values()), subject


def test_every_url_has_an_entry():
    assert set(named_patterns()) == set(EXPECTED) | SPECIAL


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, users, objects, name, role):
    kwargs, expected = EXPECTED[name]
    url = reverse(name, kwargs={k: objects[v] if isinstance(v, str) and v in objects else v for k, v in kwargs.items()})
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role == "contact_venlo":
        # A contact of another municipality: as Weert's contact, except on Weert's own objects.
        assert response.status_code == OTHER_MUNICIPALITY.get(name, expected["contact_weert"]), f"{role} on {url}"
    else:
        assert response.status_code == expected[role], f"{role} on {url}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_url_refuses_a_method_it_does_not_serve(client, users, objects, name):
    """No view answers DELETE (none exists in the portal): 405 for a user who may open it."""
    kwargs, expected = EXPECTED[name]
    role = next((r for r in ROLES[1:] if expected.get(r) in (200, 302)), None)
    url = reverse(name, kwargs={k: objects[v] if isinstance(v, str) and v in objects else v for k, v in kwargs.items()})
    client.force_login(users[role or "manager"])
    assert client.generic("DELETE", url).status_code == 405, f"{role} on {url}"


def _answered(invoice) -> int:
    """An invoice with the municipality's answer (325) to it; its pk."""
    from traffic.models import DeclarationReturn

    DeclarationReturn.objects.create(
        invoice=invoice,
        message_identification="1",
        message_date="2026-06-01",
        declared=invoice.amount,
        granted=invoice.amount,
        imported_by=invoice.registered_by,
    )
    return invoice.pk


@pytest.fixture
def objects(youth, region, staff_user):
    """A contract and invoice of Weert, and a contract and invoice that concern Venlo only."""
    from django.core.files.base import ContentFile

    from budgeting.models import (
        AnnualAccounts,
        Budget,
        BudgetLine,
        CouncilView,
        PlanActivity,
        PlusPackage,
        RealisedLine,
    )
    from contracts.models import ContractLogEntry
    from entity.models import Module
    from tests.budgeting.helpers import mark_adopted
    from tests.factories import ContractFactory, InvoiceFactory

    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2027, created_by=staff_user)
    adopted = Budget.objects.create(module=Module.objects.get(number=1), year=2026, created_by=staff_user)
    adopted_line = BudgetLine.objects.create(budget=adopted, kind="other", description="ICT", amount=100000)
    mark_adopted(adopted)  # as the AB's decision does: status set, allocation stored
    accounts = AnnualAccounts.objects.create(budget=adopted, created_by=staff_user)
    RealisedLine.objects.create(accounts=accounts, line=adopted_line, amount=98000)
    view = CouncilView(
        budget=budget, municipality=region["weert"], opinion="none", decided_on="2026-06-01", entered_by=staff_user
    )
    view.decision_file.save("besluit.pdf", ContentFile(b"%PDF-1.4 raadsbesluit"), save=False)
    view.save()
    venlo_contract = ContractFactory(segment=youth["segment"], municipalities=[region["venlo"]])
    entry = ContractLogEntry.objects.create(
        contract=youth["contract"], kind="visit", date="2026-01-05", author=staff_user, text="Bezoek"
    )
    return {
        "weert_contract": youth["contract"].pk,
        "provider": youth["provider"].pk,
        "weert_invoice": _answered(InvoiceFactory(contract=youth["contract"], municipality=region["weert"])),
        "venlo_contract": venlo_contract.pk,
        "venlo_invoice": _answered(InvoiceFactory(contract=venlo_contract, municipality=region["venlo"])),
        "entry": entry.pk,
        "budget": budget.pk,
        "line": BudgetLine.objects.create(budget=budget, kind="other", description="ICT", amount=1).pk,
        "view": view.pk,
        "adopted": adopted.pk,
        "accounts": accounts.pk,
        "activity": PlanActivity.objects.create(budget=budget, number=1, title="Monitoring", quarter=2).pk,
        "package": PlusPackage.objects.create(budget=budget, municipality=region["weert"], content="Extra").pk,
        **_programme(staff_user),
    }


def _programme(user) -> dict:
    import datetime

    from entity.models import Module
    from transition.models import ChecklistItem, Milestone, Programme, ProgressReport, Risk
    from transition.services import issue_report

    module = Module.objects.get(number=1)  # by number: primary keys differ per database
    programme = Programme.objects.create(name="Aansluiting", module=module, goal_date=datetime.date(2026, 1, 1))
    milestone = Milestone.objects.create(
        programme=programme,
        name="Toestemming raden",
        responsible="councils",
        planned_end=datetime.date(2025, 11, 30),
        per_municipality=True,
    )
    issued = ProgressReport.objects.create(programme=programme, year=2026, quarter=2)
    issue_report(issued, by=user, on=datetime.date(2026, 7, 6))
    return {
        "programme": programme.pk,
        "milestone": milestone.pk,
        "risk": Risk.objects.create(
            programme=programme, description="Uitstroom", probability=2, impact=3, owner="K"
        ).pk,
        "checklist": ChecklistItem.objects.create(programme=programme, title="OR-advies").pk,
        "issued_report": issued.pk,
        "draft_report": ProgressReport.objects.create(programme=programme, year=2026, quarter=3).pk,
    }


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("contracts:detail", {"pk": "venlo_contract"}),
        ("contracts:invoice", {"pk": "venlo_invoice"}),
        ("traffic:answer", {"pk": "venlo_invoice"}),
        ("monitor:municipality", {"slug": "venlo"}),
        ("municipalities:detail", {"slug": "venlo"}),
        ("budgeting:budget_statement", {"pk": "adopted", "slug": "venlo"}),
        ("budgeting:budget_statement_pdf", {"pk": "adopted", "slug": "venlo"}),
    ],
)
def test_objects_of_another_municipality_are_404_for_a_contact(client, users, objects, name, kwargs):
    """Venlo's own objects: Weert's contact may not learn that they exist; the office sees them."""
    url = reverse(name, kwargs={k: objects.get(v, v) for k, v in kwargs.items()})
    client.force_login(users["contact_weert"])
    assert client.get(url).status_code == 404
    client.force_login(users["contact_venlo"])
    assert client.get(url).status_code == 200
    client.force_login(users["staff"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [
        ("contracts:invoice_step", {"pk": "venlo_invoice"}, {"step": "approve"}),
        ("contracts:log_add", {"pk": "venlo_contract"}, {"kind": "visit", "date": "2026-01-05", "text": "x"}),
    ],
)
def test_writes_on_another_municipality_change_nothing(client, users, objects, name, kwargs, data):
    from contracts.models import ContractLogEntry, Invoice

    before = (list(Invoice.objects.values_list("pk", "status")), ContractLogEntry.objects.count())
    client.force_login(users["contact_weert"])
    url = reverse(name, kwargs={k: objects.get(v, v) for k, v in kwargs.items()})
    assert client.post(url, data).status_code in (403, 404)
    assert (list(Invoice.objects.values_list("pk", "status")), ContractLogEntry.objects.count()) == before


def test_contact_gets_404_for_another_municipality(login, users, region):
    client = login(users["contact_weert"])
    assert client.get(reverse("municipalities:detail", args=["venlo"])).status_code == 404
    assert client.get(reverse("municipalities:detail", args=["weert"])).status_code == 200
    listing = client.get(reverse("municipalities:list")).content.decode()
    assert "Weert" in listing and "Venlo" not in listing


def test_contact_sees_module_participants_but_links_only_its_own(login, users):
    html = login(users["contact_weert"]).get(reverse("entity:module", args=[1]) + "?datum=2026-01-01").content.decode()
    assert "Venlo" in html  # membership of the arrangement is public
    assert reverse("municipalities:detail", args=["venlo"]) not in html
    assert reverse("municipalities:detail", args=["weert"]) in html


def test_unknown_objects_are_404(login, users, region):
    client = login(users["staff"])
    assert client.get(reverse("municipalities:detail", args=["maastricht"])).status_code == 404
    assert client.get(reverse("entity:module", args=[99])).status_code == 404


@pytest.mark.parametrize(
    "name",
    ["home", "municipalities:list", "municipalities:detail", "entity:modules", "entity:module", "entity:organisation"],
)
def test_read_pages_refuse_post(login, users, name):
    kwargs = EXPECTED[name][0]
    assert login(users["manager"]).post(reverse(name, kwargs=kwargs)).status_code == 405


def test_login_and_logout(client, users):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "medewerker", "password": "test-wachtwoord-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_gives_a_dutch_message(client, users):
    response = client.post(reverse("login"), {"username": "medewerker", "password": "fout"})
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.content.decode()


def test_admin_is_for_managers(login, users):
    assert login(users["manager"]).get(reverse("admin:index")).status_code == 200
    assert login(users["manager"]).get(reverse("admin:entity_membership_changelist")).status_code == 200
    assert login(users["staff"]).get(reverse("admin:index")).status_code == 302
