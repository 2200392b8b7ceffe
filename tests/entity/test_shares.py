import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entity.models import Module
from entity.services import participant_shares
from portal.money import split_largest_remainder
from tests.factories import MembershipFactory, ModuleFactory, MunicipalityFactory, PopulationCountFactory


def test_seed_003_settlement_by_fixed_key():
    key = {"Leudal": 36, "Nederweert": 16, "Weert": 48}
    assert split_largest_remainder(Decimal("779740.00"), key) == {
        "Leudal": Decimal("280706.40"),
        "Nederweert": Decimal("124758.40"),
        "Weert": Decimal("374275.20"),
    }
    assert split_largest_remainder(Decimal("704740.00"), key) == {
        "Leudal": Decimal("253706.40"),
        "Nederweert": Decimal("112758.40"),
        "Weert": Decimal("338275.20"),
    }


def test_one_cent_over_three_equal_shares_goes_to_the_first():
    assert split_largest_remainder(Decimal("0.01"), {"a": 1, "b": 1, "c": 1}) == {
        "a": Decimal("0.01"),
        "b": Decimal("0.00"),
        "c": Decimal("0.00"),
    }
    assert split_largest_remainder(Decimal("100.00"), {"a": 1, "b": 1, "c": 1}) == {
        "a": Decimal("33.34"),
        "b": Decimal("33.33"),
        "c": Decimal("33.33"),
    }


def test_ties_go_to_the_larger_weight_then_the_earlier_key():
    # 0.05 over 1:1:2:2 -> exact 0.83 / 0.83 / 1.67 / 1.67 cents; floors 0/0/1/1 leave 3 cents:
    # a and b (remainder .83) get one, then c before d (equal remainder and weight: order).
    parts = split_largest_remainder(Decimal("0.05"), {"a": 1, "b": 1, "c": 2, "d": 2})
    assert parts == {"a": Decimal("0.01"), "b": Decimal("0.01"), "c": Decimal("0.02"), "d": Decimal("0.01")}
    tie = split_largest_remainder(Decimal("0.01"), {"small": 1, "big": 3, "mid": 2, "big2": 3, "x": 1})
    # exact cents 0.1 / 0.3 / 0.2 / 0.3 / 0.1: remainders tie between big and big2: the earlier key wins.
    assert tie["big"] == Decimal("0.01") and sum(tie.values()) == Decimal("0.01")


def test_a_credit_splits_like_a_debit_with_the_sign_turned():
    key = {"Leudal": 36, "Nederweert": 16, "Weert": 48}
    debit = split_largest_remainder(Decimal("100.01"), key)
    credit = split_largest_remainder(Decimal("-100.01"), key)
    assert credit == {k: -v for k, v in debit.items()}
    assert sum(credit.values()) == Decimal("-100.01")


def test_refuses_nonsense():
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), {})
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), {"a": 0})
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.001"), {"a": 1})


@given(
    total=st.decimals(min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=2),
    weights=st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=20).filter(any),
)
def test_parts_always_add_up_exactly(total, weights):
    parts = split_largest_remainder(total, dict(enumerate(weights)))
    assert sum(parts.values()) == total
    if total >= 0:
        assert all(p >= 0 for p in parts.values())
    # more weight never means a smaller part (for a positive total)
    if total > 0:
        for i, wi in enumerate(weights):
            for j, wj in enumerate(weights):
                if wi > wj:
                    assert parts[i] >= parts[j]


def test_participant_shares_add_up_to_100_percent(region):
    shares = participant_shares(Module.objects.get(number=1), datetime.date(2026, 1, 1))
    assert len(shares) == 14
    assert sum(s.share for s in shares) == Decimal("100.00")
    venlo = next(s for s in shares if s.municipality.slug == "venlo")
    assert venlo.inhabitants_date == datetime.date(2025, 1, 1)


def test_no_shares_when_a_count_is_missing(db):
    module = ModuleFactory()
    with_count, without = MunicipalityFactory(), MunicipalityFactory()
    PopulationCountFactory(municipality=with_count, inhabitants=100)
    for m in (with_count, without):
        MembershipFactory(module=module, municipality=m)
    shares = participant_shares(module, datetime.date(2025, 6, 1))
    assert [s.share for s in shares] == [None, None]
