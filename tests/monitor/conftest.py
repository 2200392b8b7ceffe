from decimal import Decimal

import pytest

from contracts.models import TariffLine
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, WEERT, traffic  # noqa: F401  (the contracts the messages go to)
from traffic.imports import import_message

VENLO = "0983"


def bsn(n: int) -> str:
    """The n-th eleven-proof test number from 999900000 on."""
    number = 999_900_000 + n * 20  # at most 11 steps to the next eleven-proof number: never the same
    while True:
        digits = [int(c) for c in f"{number:09d}"]
        if (sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]) % 11 == 0:
            return f"{number:09d}"
        number += 1


@pytest.fixture
def declared(traffic, staff_user):  # noqa: F811  (the fixture imported above)
    """2026: Weert has 3 clients (a small number), Venlo 12; one Weert line above the tariff; an
    answer rejecting one Venlo line; allocations for Venlo's first six clients."""
    TariffLine.objects.create(
        contract=traffic["contract"], product_category="45", product_code="45A03", unit="uur", tariff="12.00"
    )
    weert = [Performance(bsn(i), f"W{i:03d}", f"{100 + i}", Decimal("40.00")) for i in range(3)]
    weert[0].amount = Decimal("60.00")  # 4 units at 12.00 = 48.00: 12.00 above the tariff
    venlo = [Performance(bsn(10 + i), f"V{i:03d}", f"{200 + i}", Decimal("48.00")) for i in range(12)]
    venlo[0].codes = ["8001", "0611"]
    for message in (
        declaration("JW323", AGB, WEERT, "DW001", weert, message_id="323000001"),
        declaration("JW323", AGB, VENLO, "DV001", venlo, message_id="323000002"),
        answer(
            "JW325",
            VENLO,
            AGB,
            "DV001",
            [venlo[0]],
            declared=Decimal("576.00"),
            granted=Decimal("528.00"),
            declaration_id="323000002",
        ),
        *[
            allocation("JW301", VENLO, AGB, bsn(10 + i), [Product(f"{200 + i}")], message_id=f"30100000{i}")
            for i in range(6)
        ],
    ):
        result = import_message(message, by=staff_user)
        assert result.ok, result.problems
    return traffic
