import datetime

import pytest
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_perms

from access.policy import Role
from entity.models import BoardSeat, MunicipalityContact
from municipalities.visibility import visible_municipalities
from tests.factories import BoardSeatFactory, MunicipalityFactory, UserFactory

D = datetime.date


def test_one_general_board_member_per_municipality_at_a_time(db):
    town = MunicipalityFactory()
    BoardSeatFactory(municipality=town, start_date=D(2022, 1, 1), end_date=D(2026, 3, 31))
    with pytest.raises(ValidationError):
        BoardSeatFactory(municipality=town, start_date=D(2026, 3, 31))
    BoardSeatFactory(municipality=town, start_date=D(2026, 4, 1))  # the successor
    assert BoardSeat.objects.filter(municipality=town).count() == 2


def test_one_chair_per_body_and_one_seat_per_person(db):
    person = UserFactory()
    BoardSeatFactory(person=person, body="DB", position="chair")
    with pytest.raises(ValidationError, match="chair|voorzitter"):
        BoardSeatFactory(body="DB", position="chair")
    with pytest.raises(ValidationError):
        BoardSeatFactory(person=person, body="DB")
    BoardSeatFactory(person=person, body="AB")  # the same person in the other body is fine


def test_board_seat_active_on():
    seat = BoardSeat(start_date=D(2022, 6, 1), end_date=D(2026, 5, 31))
    assert seat.is_active_on(D(2026, 5, 31))
    assert not seat.is_active_on(D(2026, 6, 1))


def test_contact_gets_and_loses_the_object_permission(region):
    user = UserFactory(roles=[Role.CONTACT.value])
    contact = MunicipalityContact.objects.create(user=user, municipality=region["weert"])
    assert "view_municipality" in get_perms(user, region["weert"])
    assert list(visible_municipalities(user)) == [region["weert"]]

    contact.municipality = region["roermond"]
    contact.save()
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert "view_municipality" not in get_perms(user, region["weert"])
    assert list(visible_municipalities(user)) == [region["roermond"]]

    contact.delete()
    user = type(user).objects.get(pk=user.pk)
    assert list(visible_municipalities(user)) == []


def test_contact_permission_alone_does_not_open_the_region(region):
    """Without the contact role a granted object permission shows nothing: roles decide."""
    user = UserFactory()
    MunicipalityContact.objects.create(user=user, municipality=region["weert"])
    assert list(visible_municipalities(user)) == []
