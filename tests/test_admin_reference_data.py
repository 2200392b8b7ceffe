"""Reference data edited in /beheer/ goes through the model's full validation and the audit trail:
who changed what, old → new; an invalid edit saves nothing and says why in Dutch."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from municipalities.models import PopulationCount

D = datetime.date


def entries_of(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)).order_by(
            "-at", "-id"
        )
    )


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def manager(client, manager_user):
    client.force_login(manager_user)
    return client


def test_a_population_count_changed_in_the_admin_is_in_the_trail(manager, manager_user, region):
    count = PopulationCount.objects.filter(municipality=region["weert"]).order_by("reference_date").first()
    response = manager.post(
        reverse("admin:municipalities_populationcount_change", args=[count.pk]),
        {
            "municipality": count.municipality_id,
            "reference_date": f"{count.reference_date:%d-%m-%Y}",
            "inhabitants": count.inhabitants + 1,
            "source": count.source,
        },
    )
    assert response.status_code == 302
    entry = entries_of(count)[0]
    assert (entry.action, entry.actor) == (AuditAction.UPDATE, manager_user)
    assert entry.changes["inhabitants"] == [count.inhabitants, count.inhabitants + 1]
    assert entry.parent_object_id == str(region["weert"].pk)  # on the municipality's history page


def test_the_segments_of_a_dvo_changed_in_the_admin_are_one_entry_old_to_new(manager, manager_user, youth, region):
    from contracts.models import ServiceAgreement
    from tests.factories import SegmentFactory

    dvo = ServiceAgreement.objects.get(municipality=region["weert"])
    wmo = SegmentFactory(code="WMO-HH", name="Huishoudelijke hulp", law="wmo", module=youth["segment"].module)
    response = manager.post(
        reverse("admin:contracts_serviceagreement_change", args=[dvo.pk]),
        {
            "municipality": dvo.municipality_id,
            "start_date": "01-01-2024",
            "end_date": "31-12-2025",
            "annual_fee": "42500.00",
            "segments": [youth["segment"].pk, wmo.pk],
        },
    )
    assert response.status_code == 302
    assert set(dvo.segments.all()) == {youth["segment"], wmo}
    (entry,) = [e for e in entries_of(dvo) if "segments" in e.changes]
    assert entry.actor == manager_user
    assert entry.changes["segments"] == [str(youth["segment"]), f"{youth['segment']}; {wmo}"]


def test_an_overlapping_membership_is_refused_in_dutch_and_nothing_is_saved(manager, region):
    from entity.models import Membership, Module

    before = Membership.objects.count()
    response = manager.post(
        reverse("admin:entity_membership_add"),
        {"municipality": region["weert"].pk, "module": Module.objects.get(number=2).pk, "start_date": "01-01-2024"},
    )
    assert response.status_code == 200
    assert "is al lid van deze module" in text(response) or "overlappende periode" in text(response)
    assert Membership.objects.count() == before


def test_a_financial_frame_is_recorded_by_whoever_enters_it(manager, manager_user, staff_user, region):
    from budgeting.models import FinancialFrame
    from entity.models import Module

    response = manager.post(
        reverse("admin:budgeting_financialframe_add"),
        {
            "module": Module.objects.get(number=1).pk,
            "year": 2027,
            "municipality": region["weert"].pk,
            "amount": "150000.00",
            "recorded_by": staff_user.pk,  # not on the form: ignored
        },
    )
    assert response.status_code == 302
    frame = FinancialFrame.objects.get()
    assert frame.recorded_by == manager_user
    assert entries_of(frame)[0].actor == manager_user


def test_a_log_entry_is_written_in_the_name_of_whoever_writes_it(manager, manager_user, staff_user, youth):
    from contracts.models import ContractLogEntry

    response = manager.post(
        reverse("admin:contracts_contractlogentry_add"),
        {
            "contract": youth["contract"].pk,
            "kind": "visit",
            "date": "05-01-2026",
            "author": staff_user.pk,
            "text": "Bezoek",
        },
    )
    assert response.status_code == 302
    entry = ContractLogEntry.objects.get()
    assert entry.author == manager_user
    assert entries_of(entry)[0].actor == manager_user


def test_the_two_factor_policy_list_records_who_switched_it(manager, manager_user, region):
    from django.contrib.auth.models import Group

    from accounts.models import TwoFactorPolicy

    policy = TwoFactorPolicy.objects.create(group=Group.objects.get(name="Medewerker"))
    response = manager.post(
        reverse("admin:accounts_twofactorpolicy_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": policy.pk,
            "form-0-required": "on",
            "_save": "Opslaan",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.required, policy.changed_by) == (True, manager_user)
    entry = entries_of(policy)[0]
    assert (entry.actor, entry.changes["required"]) == (manager_user, [False, True])


def test_the_complete_check_covers_a_field_the_form_does_not_show(region, manager_user):
    """The form leaves the municipality out (the admin sets it, as it sets "recorded by"): only
    full_clean() of the whole row sees that Weert already has a count on that date. Shown at the
    top of the form, with the field's name; the plain model form would pass it to the database."""
    from django import forms

    from portal.admin import FullyValidatedForm

    existing = PopulationCount.objects.filter(municipality=region["weert"]).first()
    data = {"reference_date": existing.reference_date, "inhabitants": 1, "source": "handmatig"}

    class Plain(forms.ModelForm):
        class Meta:
            model = PopulationCount
            fields = ["reference_date", "inhabitants", "source"]

    class Complete(FullyValidatedForm):
        fill = staticmethod(lambda count: setattr(count, "municipality", region["weert"]))

        class Meta(Plain.Meta):
            pass

    assert Plain(data, instance=PopulationCount(municipality=region["weert"])).is_valid()
    form = Complete(data)
    assert not form.is_valid()
    assert "bestaat al" in " ".join(form.non_field_errors())
    assert PopulationCount.objects.filter(municipality=region["weert"], inhabitants=1).count() == 0


LAW = {
    "framework_month": 4,
    "framework_day": 30,
    "view_weeks": 12,
    "province_days": 14,
    "budget_province_month": 9,
    "budget_province_day": 15,
    "accounts_councils_month": 4,
    "accounts_councils_day": 30,
    "accounts_province_month": 7,
    "accounts_province_day": 15,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"framework_month": 13}, "bestaat niet"),  # would crash every deadline on the budget pages
        ({"accounts_province_month": 2, "accounts_province_day": 29}, "bestaat niet"),  # not every year
        ({"budget_province_month": 10, "budget_province_day": 1}, "15-09"),  # later than the law
        ({"view_weeks": 8}, "12 weken"),  # councils get less time than the law gives them
        ({"province_days": 30}, "14 dagen"),
    ],
)
def test_deadline_rules_are_real_dates_and_only_stricter_than_the_law(manager, change, message):
    from budgeting.models import DeadlineRules

    response = manager.post(reverse("admin:budgeting_deadlinerules_add"), {**LAW, **change})
    assert response.status_code == 200
    assert message in text(response)
    assert not DeadlineRules.objects.exists()


def test_stricter_deadline_rules_are_kept(manager):
    from budgeting.models import DeadlineRules

    stricter = {**LAW, "view_weeks": 14, "framework_month": 3, "framework_day": 31}
    assert manager.post(reverse("admin:budgeting_deadlinerules_add"), stricter).status_code == 302
    assert (DeadlineRules.current().view_weeks, DeadlineRules.current().framework_month) == (14, 3)
