"""Nobody can change the trail; managers and the AB read an object's history on its page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.policy import Role
from audit.context import acting_as
from audit.models import AuditEntry, AuditTrailImmutable
from tests.factories import InvoiceFactory, UserFactory

D = datetime.date


def history_url(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("audit:history", args=[f"{content_type.app_label}.{content_type.model}", obj.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def invoice(youth, region, staff_user):
    return InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=staff_user)


# --- immutability ----------------------------------------------------------------------------


def test_no_path_changes_or_removes_an_entry(youth):
    entry = AuditEntry.objects.filter(content_type__model="contract").first()
    entry.note = "achteraf aangepast"
    with pytest.raises(AuditTrailImmutable):
        entry.save()
    with pytest.raises(AuditTrailImmutable):
        entry.delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.bulk_update([entry], ["note"])
    with pytest.raises(AuditTrailImmutable):
        AuditEntry._base_manager.filter(pk=entry.pk).update(note="x")  # what cascades use
    with pytest.raises(AuditTrailImmutable):
        AuditEntry.objects.bulk_create([entry], update_conflicts=True, unique_fields=["id"], update_fields=["note"])
    copy = AuditEntry.objects.get(pk=entry.pk)
    copy._state.adding = True  # pretending to be new does not overwrite the existing row either
    with pytest.raises(AuditTrailImmutable):
        copy.save()
    entry.refresh_from_db()
    assert entry.note == ""


def test_the_admin_reads_and_filters_but_offers_no_add_change_or_delete(client, manager_user, youth):
    model_admin = admin.site._registry[AuditEntry]
    request = type("Request", (), {"user": manager_user})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert manager_user.has_perm("audit.view_auditentry")
    assert not manager_user.has_perm("audit.change_auditentry")
    client.force_login(manager_user)
    listing = client.get(reverse("admin:audit_auditentry_changelist"), {"content_type__id__exact": 1})
    assert listing.status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    entry = AuditEntry.objects.first()
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_entry_in_the_admin_reads_in_dutch_not_as_stored_json(client, manager_user, youth, region):
    from django.utils import timezone

    from tests.factories import InvoiceFactory

    invoice = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount="1234.50")
    entry = AuditEntry.objects.filter(content_type__model="invoice", object_id=str(invoice.pk), action="create").get()
    client.force_login(manager_user)
    page = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    assert "Bedrag: €\u00a01.234,50" in page
    assert '{"amount"' not in page and "&quot;amount&quot;" not in page
    assert f"{timezone.localtime(entry.at):%d-%m-%Y %H:%M}" in str(entry)


# --- the history page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("ab", 200), ("db", 200), ("staff", 403), ("kwartiermaker", 403), ("contact_weert", 403)],
)
def test_who_may_read_the_history(client, users, invoice, role, status):
    """The DB member of the shared fixtures also sits in the AB; a DB-only member is tested below."""
    client.force_login(users[role])
    assert client.get(history_url(invoice)).status_code == status


def test_a_daily_board_member_outside_the_ab_may_not(client, invoice):
    client.force_login(UserFactory(username="alleen-db", roles=[Role.DAILY_BOARD.value]))
    assert client.get(history_url(invoice)).status_code == 403


def test_anonymous_goes_to_login_and_post_is_refused(client, users, invoice):
    response = client.get(history_url(invoice))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(users["manager"])
    assert client.post(history_url(invoice)).status_code == 405


def test_the_page_shows_who_when_and_old_to_new_newest_first(client, users, invoice, colleague):
    with acting_as(users["staff"]):
        invoice.amount = Decimal("1234.5")
        invoice.save()
    invoice.reject(by=colleague, reason="Dubbel")
    client.force_login(users["manager"])
    page = text(client.get(history_url(invoice)))
    assert "Historie: F" in page
    assert "Bedrag: € 790,00 → € 1.234,50" in page
    assert "ontvangen → afgekeurd: Dubbel" in page
    assert "Status: ontvangen → afgekeurd" not in page  # the step says it once, not twice
    assert "Terug naar F" in page
    assert colleague.get_full_name() in page and users["staff"].get_full_name() in page
    assert "systeem" in page  # the factory registered it outside a request
    assert page.index("afgekeurd: Dubbel") < page.index("1.234,50") < page.index("aangemaakt")
    entry = AuditEntry.objects.filter(object_id=str(invoice.pk), action="transition").get()
    assert f"{entry.at.astimezone(ZoneInfo('Europe/Amsterdam')):%d-%m-%Y %H:%M}" in page


def test_the_page_is_paginated(client, users, youth):
    contract = youth["contract"]
    with acting_as(users["staff"]):
        for n in range(55):
            contract.title = f"Titel {n}"
            contract.save()
    client.force_login(users["ab"])
    first = text(client.get(history_url(contract)))
    assert "Titel 53 → Titel 54" in first and "Pagina 1 van 2" in first
    second = text(client.get(history_url(contract), {"page": "2"}))
    assert "Titel 0 → Titel 1" in second and "Titel 53 → Titel 54" not in second
    assert client.get(history_url(contract), {"page": "geen-getal"}).status_code == 200


def test_unknown_objects_and_kinds_are_404_a_deleted_object_keeps_its_history(client, users, youth, region):
    client.force_login(users["manager"])
    assert client.get(reverse("audit:history", args=["contracts.contract", 999999])).status_code == 404
    assert client.get(reverse("audit:history", args=["auth.user", users["staff"].pk])).status_code == 404
    assert client.get(reverse("audit:history", args=["geen.model", 1])).status_code == 404
    assert client.get(reverse("audit:history", args=["zonder-punt", 1])).status_code == 404
    tariff = youth["contract"].tariff_lines.create(product_category="45", product_code="45A01", unit="uur", tariff=1)
    url = history_url(tariff)
    tariff.delete()
    page = text(client.get(url))
    assert "dit object is verwijderd" in page and "45/45A01" in page


def test_the_municipality_page_shows_its_memberships_seats_and_contacts(client, users, region):
    weert = region["weert"]
    with acting_as(users["manager"]):
        membership = weert.memberships.order_by("start_date").last()
        membership.decision = "Raadsbesluit 12-03-2025"
        membership.save()
    client.force_login(users["manager"])
    detail = client.get(reverse("municipalities:detail", args=["weert"])).content.decode()
    assert history_url(weert) in detail
    page = text(client.get(history_url(weert)))
    assert "deelname: " in page.lower() and "Raadsbesluit 12-03-2025" in page
    assert "gemeentelijk contactpersoon: " in page.lower()  # the contact of the users fixture


@pytest.mark.parametrize("role", ["manager", "ab"])
def test_detail_pages_link_to_the_history_for_those_who_may_see_it(client, users, invoice, role):
    from budgeting.models import AnnualAccounts, Budget, BudgetLine
    from entity.models import Module

    budget = Budget.objects.create(module=Module.objects.get(number=1), year=2026, created_by=users["staff"])
    BudgetLine.objects.create(budget=budget, kind="other", description="ICT", amount=1)
    Budget.objects.filter(pk=budget.pk).update(status="adopted")
    accounts = AnnualAccounts.objects.create(budget=budget, created_by=users["staff"])
    pages = {
        reverse("contracts:detail", args=[invoice.contract_id]): invoice.contract,
        reverse("contracts:invoice", args=[invoice.pk]): invoice,
        reverse("budgeting:detail", args=[budget.pk]): budget,
        reverse("budgeting:accounts", args=[accounts.pk]): accounts,
    }
    for who, shown in ((role, True), ("staff", False)):
        client.force_login(users[who])
        for url, obj in pages.items():
            content = client.get(url).content.decode()
            assert (history_url(obj) in content) is shown, (who, url)


def test_the_invoice_list_reads_nothing_from_the_trail(client, users, invoice):
    client.force_login(users["manager"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("contracts:invoices")).status_code == 200
    assert not [q for q in queries.captured_queries if "audit_auditentry" in q["sql"]]
