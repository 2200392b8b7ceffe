import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract, ContractStatus, add_months, first_gap
from entity.models import Module
from tests.factories import ContractFactory, SegmentFactory

D = datetime.date


@pytest.mark.parametrize(
    ("date", "months", "expected"),
    [
        (D(2025, 12, 31), -3, D(2025, 9, 30)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 11, 15), 2, D(2026, 1, 15)),
    ],
)
def test_add_months(date, months, expected):
    assert add_months(date, months) == expected


def test_first_gap():
    assert first_gap([(D(2024, 1, 1), None)], D(2024, 1, 1), D(2027, 12, 31)) is None
    assert first_gap([(D(2024, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), None)], D(2024, 1, 1), D(2027, 1, 1)) is None
    assert first_gap([(D(2026, 1, 1), None)], D(2024, 1, 1), D(2027, 1, 1)) == (D(2024, 1, 1), D(2025, 12, 31))
    assert first_gap([(D(2024, 1, 1), D(2024, 6, 30))], D(2024, 1, 1), D(2024, 12, 31)) == (
        D(2024, 7, 1),
        D(2024, 12, 31),
    )
    assert first_gap([], D(2024, 1, 1), D(2024, 1, 1)) == (D(2024, 1, 1), D(2024, 1, 1))


def test_member_and_dvo_holder_may_take_part_outsider_may_not(youth, region):
    contract = youth["contract"]
    assert contract.participation_problem(region["venlo"]) is None  # member of module 1 since 2014
    assert contract.participation_problem(region["weert"]) is None  # DVO 2024-2025, member from 2026
    problem = contract.participation_problem(region["roermond"])  # member from 2026 only, no DVO
    assert "Roermond" in problem and "01-01-2024" in problem and "31-12-2025" in problem


def test_dvo_for_another_segment_does_not_count(youth, region):
    other = SegmentFactory(code="WMO-HH", law="wmo", module=Module.objects.get(number=1))
    contract = ContractFactory(segment=other, provider=youth["provider"])
    assert "Weert" in contract.participation_problem(region["weert"])


def test_module_2_segment_open_to_all_fourteen(region):
    shelter = SegmentFactory(code="MO", law="wmo", module=Module.objects.get(number=2))
    contract = ContractFactory(segment=shelter, start_date=D(2023, 1, 1), end_date=D(2026, 12, 31))
    assert all(contract.participation_problem(m) is None for m in region.values())


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2023, 12, 31), ContractStatus.UPCOMING),
        (D(2024, 1, 1), ContractStatus.ACTIVE),
        (D(2027, 9, 29), ContractStatus.ACTIVE),
        (D(2027, 9, 30), ContractStatus.ENDING),
        (D(2027, 12, 31), ContractStatus.ENDING),
        (D(2028, 1, 1), ContractStatus.ENDED),
    ],
)
def test_status_follows_from_the_dates_in_python_and_sql(db, today, status):
    contract = ContractFactory(start_date=D(2024, 1, 1), end_date=D(2027, 12, 31), notice_months=3)
    assert contract.notice_date == D(2027, 9, 30)
    assert contract.status_on(today) == status
    assert list(Contract.objects.with_status(status, today)) == [contract]
    others = [s for s in ContractStatus if s != status]
    assert not any(Contract.objects.with_status(s, today).exists() for s in others)


def test_notice_date_follows_a_change_of_end_date(db):
    contract = ContractFactory(end_date=D(2027, 12, 31), notice_months=6)
    contract.end_date = D(2028, 12, 31)
    contract.save(update_fields=["end_date"])
    contract.refresh_from_db()
    assert contract.notice_date == D(2028, 6, 30)


def test_ending_within_looks_at_end_and_notice_dates(db):
    soon_notice = ContractFactory(end_date=D(2027, 6, 30), notice_months=6)  # notice 31-12-2026
    soon_end = ContractFactory(end_date=D(2027, 1, 31), notice_months=1)
    later = ContractFactory(end_date=D(2028, 12, 31), notice_months=3)
    found = set(Contract.objects.ending_within(2, today=D(2026, 11, 22)))
    assert found == {soon_notice, soon_end}
    assert later not in found


def test_key_shares_are_stored_exactly(youth, region):
    contract = ContractFactory(
        segment=youth["segment"],
        funding_variant="task",
        ceiling=Decimal("100000.00"),
        municipalities=[(region["venlo"], Decimal("66.67")), (region["weert"], Decimal("33.33"))],
    )
    assert sum(p.key_share for p in contract.participations.all()) == Decimal("100.00")
