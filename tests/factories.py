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


# --- contracts -----------------------------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from contracts.models import (  # noqa: E402
    Contract,
    ContractParticipation,
    Invoice,
    Provider,
    Segment,
)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SEG{n}")
    name = factory.Sequence(lambda n: f"Segment {n}")
    law = "jeugdwet"
    module = factory.SubFactory(ModuleFactory)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Aanbieder {n}")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    agb_code = factory.Sequence(lambda n: f"{20000000 + n:08d}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"TEST-{n:04d}")
    provider = factory.SubFactory(ProviderFactory)
    segment = factory.SubFactory(SegmentFactory)
    title = "Testcontract"
    procedure = "tender"
    funding_variant = "effort"
    start_date = datetime.date(2024, 1, 1)
    end_date = datetime.date(2027, 12, 31)
    notice_months = 3

    @factory.post_generation
    def municipalities(self, create: bool, extracted, **kwargs) -> None:
        for item in extracted or []:
            municipality, share = item if isinstance(item, tuple) else (item, None)
            ContractParticipation.objects.create(contract=self, municipality=municipality, key_share=share)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    contract = factory.SubFactory(ContractFactory)
    provider = factory.SelfAttribute("contract.provider")
    municipality = factory.SubFactory(MunicipalityFactory)
    invoice_number = factory.Sequence(lambda n: f"F{n:06d}")
    invoice_date = datetime.date(2026, 5, 6)
    period_start = datetime.date(2026, 4, 1)
    period_end = datetime.date(2026, 4, 30)
    amount = Decimal("790.00")
    registered_by = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, status: str = "received", **kwargs):
        """An invoice is registered as received and walks the workflow to ``status``, as in the
        portal: checked and paid by its registrant, approved (or rejected) by a second person."""
        invoice = super()._create(model_class, *args, **kwargs)
        second = UserFactory(username="tweede-paar-ogen")
        path = {
            "received": [],
            "checked": ["checked"],
            "approved": ["checked", "approved"],
            "paid": ["checked", "approved", "paid"],
            "rejected": ["rejected"],
        }[status]
        for step in path:
            by = second if step in ("approved", "rejected") else invoice.registered_by
            invoice.move_to(step, by=by, reason="Afgekeurd in de test" if step == "rejected" else "")
        return invoice
