"""Fixtures of the budgeting tests: a draft budget and seated board members."""

import datetime

import pytest

from access.policy import Role
from budgeting.models import Budget
from entity.models import Module
from tests.factories import BoardSeatFactory, UserFactory

D = datetime.date


@pytest.fixture
def budget(region, staff_user):
    return Budget.objects.create(module=Module.objects.get(number=1), year=2027, created_by=staff_user)


@pytest.fixture
def boards(region):
    """A DB chair (also in the AB), a DB member, and two more AB members, seated from 2022."""
    chair = UserFactory(username="voorzitter", roles=[Role.DAILY_BOARD.value, Role.GENERAL_BOARD.value])
    member = UserFactory(username="db-lid-2", roles=[Role.DAILY_BOARD.value])
    ab_a = UserFactory(username="ab-a", roles=[Role.GENERAL_BOARD.value])
    ab_b = UserFactory(username="ab-b", roles=[Role.GENERAL_BOARD.value])
    seats = {
        "chair_db": BoardSeatFactory(person=chair, municipality=region["venlo"], body="DB", position="chair"),
        "chair_ab": BoardSeatFactory(person=chair, municipality=region["venlo"], body="AB", position="chair"),
        "member_db": BoardSeatFactory(
            person=member, municipality=region["roermond"], body="DB", end_date=D(2026, 5, 31)
        ),
        "ab_a": BoardSeatFactory(person=ab_a, municipality=region["weert"], body="AB"),
        "ab_b": BoardSeatFactory(person=ab_b, municipality=region["beesel"], body="AB"),
    }
    return {"chair": chair, "member": member, "ab_a": ab_a, "ab_b": ab_b, "seats": seats}
