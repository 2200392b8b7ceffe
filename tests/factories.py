"""factory-boy factories: test data made in one line, with only what a test cares about named."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group, User

from entity.models import BoardSeat, Membership, Module
from municipalities.models import Municipality, PopulationCount, Region

PASSWORD = "test-wachtwoord-2026"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("cbs_code",)

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    slug = factory.Sequence(lambda n: f"gemeente-{n}")
    cbs_code = factory.Sequence(lambda n: f"GM{9000 + n:04d}")
    region = Region.NOORD_LIMBURG


class PopulationCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationCount

    municipality = factory.SubFactory(MunicipalityFactory)
    reference_date = datetime.date(2025, 1, 1)
    inhabitants = 10_000
    source = "test"


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 10)
    name = factory.Sequence(lambda n: f"Module {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    municipality = factory.SubFactory(MunicipalityFactory)
    module = factory.SubFactory(ModuleFactory)
    start_date = datetime.date(2020, 1, 1)
    end_date = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class BoardSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardSeat

    person = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    body = "AB"
    position = "member"
    start_date = datetime.date(2022, 6, 1)
