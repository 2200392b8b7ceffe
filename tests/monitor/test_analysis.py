"""The provider conversation's questions: uptake of allocations, allocations never declared,
return codes, lines above the tariff; each on the stored data, exact."""

import datetime
from decimal import Decimal

from monitor import analysis
from monitor.queries import Scope, remembering
from tests.monitor.conftest import VENLO, bsn
from tests.traffic.builders import Product, allocation
from tests.traffic.conftest import AGB
from traffic.imports import import_message


def test_uptake_and_allocations_never_declared(declared, staff_user):
    # Venlo's client 10 has a budget of 480.00 on allocation 200 and declared 48.00 under it; an
    # allocation with 10 units in total (frequency 6) for client 11 gets its 4 units declared; a
    # third allocation since February was never declared.
    for i, product in enumerate(
        [
            Product("200", budget_cents=48000, volume=None, unit="83", frequency="6"),
            Product("201", volume=10, frequency="6"),
            Product("299", start="2026-02-01"),
        ]
    ):
        message = allocation("JW301", VENLO, AGB, bsn(10 + i), [product], message_id=f"30100009{i}", date="2025-12-20")
        assert import_message(message, by=staff_user).ok
    scope = Scope(year=2026, provider=declared["provider"].pk)
    with remembering():
        uptake = analysis.uptake(scope)
        count, idle = analysis.idle_allocations(scope, datetime.date(2026, 6, 1))
    assert (uptake.budget_allocations, uptake.budget, uptake.declared_on_budget) == (
        1,
        Decimal("480.00"),
        Decimal("48.00"),
    )
    assert uptake.budget_rate == Decimal("10.0")
    assert (uptake.volume_allocations, uptake.volume, uptake.declared_volume) == (1, 10, 4)
    assert (count, [a.number for a in idle]) == (1, ["299"])
    assert analysis.idle_allocations(scope, datetime.date(2026, 4, 30))[0] == 0  # not yet three months


def test_lines_above_the_tariff_are_the_ones_the_figures_count(declared):
    scope = Scope(year=2026)
    lines = list(analysis.lines_of_kind(scope, "above_tariff"))
    assert [(line.reference_number, line.excess) for line in lines] == [("W000", Decimal("12.00"))]
    assert list(analysis.lines_of_kind(scope.but(provider=declared["provider"].pk + 1), "above_tariff")) == []


def test_return_codes_count_rejections_only(declared):
    codes = analysis.return_codes(Scope(year=2026))
    assert [(c["code"], c["lines"]) for c in codes] == [("0611", 1)]
