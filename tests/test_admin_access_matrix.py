"""Every URL of /beheer/ against every role: the index, each app's index, and per registered model
its list, add, change, delete and history page, on real objects.

Who reaches /beheer/ at all is `is_staff`: only managers have it (tests/conftest.py, the demo
users in pages/demo_data.py), and a superuser. Everyone else, anonymous or logged in with any
other role, is sent to the admin's login page. What a manager or superuser then gets on a page
follows from the rights in tests/test_admin_registry.py (which lists them per ModelAdmin and
role); the object-level exceptions are listed here. tests/test_access_matrix.py covers the
portal's own URLs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory
from tests.subjects import subject_names
from tests.test_admin_registry import EXPECTED as RIGHTS
from tests.test_admin_registry import REPLACED_ELSEWHERE, registered

D = datetime.date
# One subject per member of ``Role`` and the others (tests/subjects.py), and a superuser.
ROLES = ["anonymous", *subject_names(), "superuser"]
IN_ADMIN = ("manager", "superuser")
# page -> the right it needs (the admin's own rule: a change page without the change right shows
# the object read-only, the history needs the view right)
PAGE_RIGHT = {"changelist": "v", "add": "a", "change": "v", "delete": "d", "history": "v"}
# Object-level rules on top of the model-level rights: an issued report cannot be deleted;
# DeadlineRules has one row: once it exists, there is nothing to add.
OBJECT_RULES = {
    ("transition.ProgressReport", "delete"): {"manager": 403, "superuser": 403},
    ("budgeting.DeadlineRules", "add"): {"manager": 403, "superuser": 403},
}


@pytest.fixture
def everyone(users):
    return {**users, "superuser": UserFactory(username="beheerder", is_superuser=True, is_staff=True)}


@pytest.fixture
def objects(everyone, youth, region) -> dict[str, object]:
    """One real row of every registered model, by label."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import TwoFactorPolicy
    from audit.models import AuditEntry
    from budgeting.models import (
        AnnualAccounts,
        BoardDecision,
        Budget,
        CouncilView,
        CycleStep,
        DeadlineRules,
        FinancialFrame,
        StatementDownload,
        StoredAllocation,
    )
    from contracts.models import ContractLogEntry, ServiceAgreement
    from entity.models import BoardSeat, Function, Membership, Module, MunicipalityContact
    from municipalities.models import PopulationCount
    from tests.budgeting.helpers import mark_adopted, other
    from tests.factories import InvoiceFactory
    from traffic.models import Allocation, DeclarationReturn
    from transition.models import ChecklistItem, Milestone, Programme, ProgressReport, Risk, StaffingLine
    from transition.services import issue_report

    staff, manager = everyone["staff"], everyone["manager"]
    # Not a role user's devices: whoever has one is asked for a code before any page.
    device_owner = UserFactory(username="met-telefoon")
    weert = region["weert"]
    module = Module.objects.get(number=1)
    budget = Budget.objects.create(module=module, year=2027, created_by=staff, proposed_on=D(2026, 7, 1))
    adopted = Budget.objects.create(module=module, year=2025, created_by=staff)
    other(adopted, "100000.00")
    mark_adopted(adopted, adopted_on=D(2024, 7, 3))
    accounts_budget = Budget.objects.create(module=module, year=2026, created_by=staff)
    programme = Programme.objects.create(name="Aansluiting", module=module, goal_date=D(2026, 1, 1))
    report = ProgressReport.objects.create(programme=programme, year=2026, quarter=2)
    issue_report(report, by=manager, on=D(2026, 7, 6))
    web = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "medewerker", "http_accept": "*/*"}
    rows = {
        "auth.User": staff,
        "auth.Group": Group.objects.get(name="Medewerker"),
        "axes.AccessAttempt": AccessAttempt.objects.create(
            **web, path_info="/", get_data="", post_data="", failures_since_start=1
        ),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(**web, path_info="/"),
        "axes.AccessLog": AccessLog.objects.create(**web, path_info="/"),
        "otp_static.StaticDevice": StaticDevice.objects.create(user=device_owner, name="codes", confirmed=True),
        "otp_totp.TOTPDevice": TOTPDevice.objects.create(user=device_owner, name="app", confirmed=True),
        "budgeting.Budget": budget,
        "budgeting.AnnualAccounts": AnnualAccounts.objects.create(budget=accounts_budget, created_by=staff),
        "budgeting.BoardDecision": BoardDecision.objects.create(
            budget=budget, meeting_on=D(2026, 7, 8), outcome="postponed", minutes_reference="AB", recorded_by=staff
        ),
        "budgeting.CouncilView": CouncilView.objects.create(
            budget=budget, municipality=weert, opinion="none", decided_on=D(2026, 6, 1), entered_by=staff
        ),
        "budgeting.CycleStep": CycleStep.objects.create(budget=budget, status="framework", on=D(2026, 4, 1), by=staff),
        "budgeting.StatementDownload": StatementDownload.objects.create(user=staff, kind="pdf", budget=budget),
        "budgeting.StoredAllocation": StoredAllocation.objects.get(budget=adopted, participants_on=None),
        "budgeting.DeadlineRules": DeadlineRules.objects.create(),
        "budgeting.FinancialFrame": FinancialFrame.objects.create(
            module=module, year=2026, municipality=weert, amount=Decimal("1000.00"), recorded_by=manager
        ),
        "contracts.Contract": youth["contract"],
        "contracts.Invoice": (
            invoice := InvoiceFactory(contract=youth["contract"], municipality=weert, registered_by=staff)
        ),
        "traffic.Allocation": Allocation.objects.create(
            municipality=weert,
            provider=youth["provider"],
            law="jeugdwet",
            number="10072",
            client_key="a" * 32,
            product_category="45",
            allocated_on=D(2026, 1, 1),
            start_date=D(2026, 1, 1),
            message_identification="1",
            message_date=D(2026, 1, 1),
        ),
        "traffic.DeclarationReturn": DeclarationReturn.objects.create(
            invoice=invoice,
            message_identification="2",
            message_date=D(2026, 6, 1),
            declared=invoice.amount,
            granted=invoice.amount,
            imported_by=staff,
        ),
        "contracts.ContractLogEntry": ContractLogEntry.objects.create(
            contract=youth["contract"], kind="visit", date=D(2026, 1, 5), author=staff, text="Bezoek"
        ),
        "contracts.Provider": youth["provider"],
        "contracts.Segment": youth["segment"],
        "contracts.ServiceAgreement": ServiceAgreement.objects.filter(municipality=weert).first(),
        "entity.BoardSeat": BoardSeat.objects.create(
            person=everyone["ab"], municipality=weert, body="AB", start_date=D(2022, 6, 1)
        ),
        "entity.Function": Function.objects.get(number=1),
        "entity.Membership": Membership.objects.filter(municipality=weert).first(),
        "entity.Module": module,
        "entity.MunicipalityContact": MunicipalityContact.objects.get(user=everyone["contact_weert"]),
        "accounts.TwoFactorPolicy": TwoFactorPolicy.objects.create(group=Group.objects.get(name="Medewerker")),
        "municipalities.Municipality": weert,
        "municipalities.PopulationCount": PopulationCount.objects.filter(municipality=weert).first(),
        "transition.Programme": programme,
        "transition.ProgressReport": report,
        "transition.ChecklistItem": ChecklistItem.objects.create(programme=programme, title="OR-advies"),
        "transition.Milestone": Milestone.objects.create(
            programme=programme, name="Besluit", responsible="AB", planned_end=D(2025, 11, 30)
        ),
        "transition.Risk": Risk.objects.create(
            programme=programme, description="Uitstroom", probability=2, impact=3, owner="K"
        ),
        "transition.StaffingLine": StaffingLine.objects.create(
            programme=programme, function=Function.objects.get(number=2), region="NL", fte=1, people=1
        ),
    }
    rows["audit.AuditEntry"] = AuditEntry.objects.order_by("pk").first()
    assert all(row is not None for row in rows.values()), [label for label, row in rows.items() if row is None]
    return rows


def admin_urls(label: str, obj) -> dict[str, str]:
    app_label, model = label.lower().split(".")
    prefix = f"admin:{app_label}_{model}"
    return {
        "changelist": reverse(f"{prefix}_changelist"),
        "add": reverse(f"{prefix}_add"),
        "change": reverse(f"{prefix}_change", args=[obj.pk]),
        "delete": reverse(f"{prefix}_delete", args=[obj.pk]),
        "history": reverse(f"{prefix}_history", args=[obj.pk]),
    }


def expected_status(label: str, page: str, role: str) -> int:
    """302 to a login page outside /beheer/; else 200 with the right the page needs, 403 without."""
    if role not in IN_ADMIN:
        return 302
    if (label, page) in OBJECT_RULES:
        return OBJECT_RULES[(label, page)][role]
    manager, superuser = RIGHTS[label]
    granted = manager if role == "manager" else superuser
    return 200 if PAGE_RIGHT[page] in granted else 403


def login_for(role: str) -> tuple[str, ...]:
    """Anonymous: a login page (the portal's, which every page requires, or the admin's for its
    index pages); logged in without is_staff: the admin's login page, which says the account has
    no access there."""
    return (reverse("login"), reverse("admin:login")) if role == "anonymous" else (reverse("admin:login"),)


def get(client, everyone, role: str, url: str):
    client.logout()
    if role != "anonymous":
        client.force_login(everyone[role])
    return client.get(url)


def test_every_registered_model_has_its_pages_here():
    assert set(registered()) == set(RIGHTS)


@pytest.mark.parametrize("label", sorted(RIGHTS))
def test_the_pages_of_each_model(client, everyone, objects, label):
    model_admin = registered()[label]
    if REPLACED_ELSEWHERE.get(label) == type(model_admin).__module__:
        pytest.xfail(f"{label}: {type(model_admin).__module__} is replaced in accounts/admin.py")
    wrong = []
    for page, url in admin_urls(label, objects[label]).items():
        for role in ROLES:
            response = get(client, everyone, role, url)
            want = expected_status(label, page, role)
            if response.status_code != want:
                wrong.append(f"{role} on {url}: {response.status_code}, expected {want}")
            elif want == 302 and not response["Location"].startswith(login_for(role)):
                wrong.append(f"{role} on {url}: sent to {response['Location']}, not {login_for(role)}")
    assert not wrong, "\n".join(wrong)


def app_labels() -> list[str]:
    return sorted({model._meta.app_label for model in admin.site._registry})


@pytest.mark.parametrize("app_label", [None, *app_labels()])
def test_the_index_and_each_app_index(client, everyone, app_label):
    url = reverse("admin:index") if app_label is None else reverse("admin:app_list", args=[app_label])
    for role in ROLES:
        response = get(client, everyone, role, url)
        if role not in IN_ADMIN:
            assert response.status_code == 302, f"{role} on {url}"
            assert response["Location"].startswith(login_for(role)), f"{role} on {url}"
            continue
        models_here = [label for label in RIGHTS if app_label is None or label.split(".")[0] == app_label]
        sees_one = any(RIGHTS[label][role == "superuser"] for label in models_here)
        assert response.status_code == (200 if sees_one else 404), f"{role} on {url}"


def test_every_app_of_the_admin_is_in_the_index_test():
    """Each app with a registered model has an index page, listed above through the registry."""
    assert set(app_labels()) == {label.split(".")[0] for label in RIGHTS}


READ_ONLY_LABELS = sorted(label for label, (_manager, superuser) in RIGHTS.items() if superuser in ("v", ""))


@pytest.mark.parametrize("label", READ_ONLY_LABELS)
def test_no_post_changes_a_read_only_record(client, everyone, objects, label):
    """A superuser's add, change, delete and bulk delete on a record of a workflow: 403 (the bulk
    action is not offered), and every row of the model is as it was."""
    obj = objects[label]
    model = type(obj)
    before = list(model._base_manager.order_by("pk").values())
    client.force_login(everyone["superuser"])
    urls = admin_urls(label, obj)
    assert client.post(urls["add"], {}).status_code == 403
    assert client.post(urls["change"], {}).status_code == 403
    assert client.post(urls["delete"], {"post": "yes"}).status_code == 403
    client.post(urls["changelist"], {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert list(model._base_manager.order_by("pk").values()) == before
