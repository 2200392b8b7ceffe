import datetime

import pytest
from django.core.exceptions import ValidationError

from entity.models import Membership, Module
from entity.services import participation_changes
from tests.factories import MembershipFactory, ModuleFactory, MunicipalityFactory

D = datetime.date


@pytest.fixture
def module(db):
    return ModuleFactory(number=7, name="Testmodule")


@pytest.fixture
def town(db):
    return MunicipalityFactory(name="Teststad", slug="teststad", cbs_code="GM9999")


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((D(2020, 1, 1), None), (D(2024, 1, 1), None)),  # both open-ended
        ((D(2020, 1, 1), D(2023, 12, 31)), (D(2023, 12, 31), None)),  # share the last day
        ((D(2020, 1, 1), D(2023, 12, 31)), (D(2019, 1, 1), D(2020, 1, 1))),  # share the first day
        ((D(2020, 1, 1), D(2023, 12, 31)), (D(2021, 1, 1), D(2021, 6, 30))),  # inside
        ((D(2021, 1, 1), D(2021, 6, 30)), (D(2020, 1, 1), None)),  # around
    ],
)
def test_overlapping_membership_is_refused(module, town, existing, new):
    MembershipFactory(module=module, municipality=town, start_date=existing[0], end_date=existing[1])
    with pytest.raises(ValidationError, match="overlapping|overlappende"):
        Membership.objects.create(module=module, municipality=town, start_date=new[0], end_date=new[1])
    assert Membership.objects.count() == 1


def test_adjacent_memberships_and_other_modules_are_allowed(module, town):
    MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1), end_date=D(2023, 12, 31))
    Membership.objects.create(module=module, municipality=town, start_date=D(2024, 1, 1))
    Membership.objects.create(module=ModuleFactory(number=8), municipality=town, start_date=D(2020, 1, 1))
    assert Membership.objects.count() == 3


def test_changing_a_membership_does_not_clash_with_itself(module, town):
    membership = MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1))
    membership.end_date = D(2030, 12, 31)
    membership.save()
    assert Membership.objects.get().end_date == D(2030, 12, 31)


def test_end_before_start_is_refused(module, town):
    with pytest.raises(ValidationError):
        Membership.objects.create(module=module, municipality=town, start_date=D(2024, 1, 1), end_date=D(2023, 1, 1))


def test_participants_on_a_date(module, town):
    other = MunicipalityFactory()
    MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1), end_date=D(2024, 6, 30))
    MembershipFactory(module=module, municipality=other, start_date=D(2024, 7, 1))
    assert list(module.participants_on(D(2024, 6, 30))) == [town]
    assert list(module.participants_on(D(2024, 7, 1))) == [other]
    assert list(module.participants_on(D(2019, 12, 31))) == []
    assert set(module.participants_during(2024)) == {town, other}
    assert list(module.participants_during(2025)) == [other]


def test_participants_during_a_year_counts_a_returning_member_once(module, town):
    MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1), end_date=D(2024, 3, 31))
    MembershipFactory(module=module, municipality=town, start_date=D(2024, 10, 1))
    assert list(module.participants_during(2024)) == [town]


def test_seven_become_fourteen_on_1_january_2026(region):
    module_1 = Module.objects.get(number=1)
    before = module_1.participants_on(D(2025, 12, 31))
    after = module_1.participants_on(D(2026, 1, 1))
    assert before.count() == 7
    assert after.count() == 14
    assert {m.region for m in before} == {"NL"}
    assert "weert" not in {m.slug for m in before}
    assert Module.objects.get(number=2).participants_on(D(2025, 12, 31)).count() == 14
    assert module_1.participants_during(2025).count() == 7
    assert module_1.participants_during(2026).count() == 14


def test_participation_changes_shows_the_joining(region):
    changes = participation_changes(D(2025, 1, 1), D(2026, 12, 31))
    assert len(changes) == 1
    change = changes[0]
    assert (change.date, change.module.number, change.before, change.after) == (D(2026, 1, 1), 1, 7, 14)
    assert [m.name for m in change.joined] == [
        "Echt-Susteren",
        "Leudal",
        "Maasgouw",
        "Nederweert",
        "Roerdalen",
        "Roermond",
        "Weert",
    ]
    assert change.left == []


def test_participation_changes_reports_leaving_on_the_day_after(module, town):
    MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1), end_date=D(2024, 12, 31))
    [change] = participation_changes(D(2025, 1, 1), D(2025, 1, 31))
    assert change.date == D(2025, 1, 1)
    assert change.left == [town]
    assert (change.before, change.after) == (1, 0)


def test_renewal_without_gap_is_no_change(module, town):
    MembershipFactory(module=module, municipality=town, start_date=D(2020, 1, 1), end_date=D(2024, 12, 31))
    MembershipFactory(module=module, municipality=town, start_date=D(2025, 1, 1))
    assert participation_changes(D(2024, 6, 1), D(2025, 6, 1)) == []
