import datetime
from decimal import Decimal

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from contracts.models import Invoice
from portal.money import MoneySum
from tests.factories import ContractFactory, InvoiceFactory, MunicipalityFactory, UserFactory

BIG = Decimal("999999999999.99")  # the largest amount a DecimalField(14, 2) holds


def test_sum_of_large_amounts_is_exact(youth, region):
    for _i in range(5):
        InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=BIG)
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=Decimal("-0.04"))
    assert Invoice.objects.aggregate(total=MoneySum("amount"))["total"] == BIG * 5 - Decimal("0.04")


def test_grouped_and_filtered_sums(youth, region):
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=Decimal("0.10"))
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=Decimal("0.20"))
    InvoiceFactory(
        contract=youth["contract"],
        municipality=region["venlo"],
        amount=Decimal("0.30"),
        invoice_date=datetime.date(2025, 3, 1),
        period_start=datetime.date(2025, 2, 1),
        period_end=datetime.date(2025, 2, 28),
    )
    rows = dict(Invoice.objects.values_list("municipality__slug").annotate(t=MoneySum("amount")).order_by())
    assert rows == {"weert": Decimal("0.30"), "venlo": Decimal("0.30")}
    in_2026 = Invoice.objects.aggregate(t=MoneySum("amount", filter=Q(invoice_date__year=2026)))["t"]
    assert in_2026 == Decimal("0.30")
    assert Invoice.objects.none().aggregate(t=MoneySum("amount"))["t"] is None


class MoneySumProperty(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(st.decimals(min_value=Decimal("-999999999999.99"), max_value=BIG, places=2), min_size=1, max_size=12)
    )
    def test_matches_python_decimal_sum(self, amounts):
        town = MunicipalityFactory()
        contract = ContractFactory(municipalities=[town])
        user = UserFactory()
        for amount in amounts:
            InvoiceFactory(contract=contract, municipality=town, amount=amount, registered_by=user)
        assert Invoice.objects.aggregate(t=MoneySum("amount"))["t"] == sum(amounts)


pytestmark = pytest.mark.django_db
