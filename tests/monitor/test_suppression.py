"""Small-number suppression: unit cases and an attacker that tries to recompute the hidden cells."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.suppression import PRIMARY, SECONDARY, THRESHOLD, Row, suppress


def table(*clients: int, total: int | None = None) -> tuple[list[Row], Row | None]:
    rows = [Row(f"row {i}", n, {"amount": Decimal(n * 100), "declarations": n}) for i, n in enumerate(clients)]
    if total is None:
        return rows, None
    return rows, Row("total", total, {"amount": Decimal(total * 100), "declarations": total})


def kinds(rows: list[Row]) -> list[str]:
    return [row.hidden for row in rows]


def test_one_small_row_with_a_total_hides_the_next_smallest_row_too() -> None:
    rows, total = table(20, 3, 10, total=33)
    suppress(rows, total)
    assert kinds(rows) == ["", PRIMARY, SECONDARY]
    assert total.hidden == ""


def test_two_primaries_that_would_be_determined_by_the_total_get_a_secondary() -> None:
    # Hidden 4 + 4 with a shown total: the hidden sum 8 only fits 4 and 4.
    rows, total = table(4, 4, 30, 50, total=88)
    suppress(rows, total)
    assert kinds(rows) == [PRIMARY, PRIMARY, SECONDARY, ""]


def test_two_primaries_that_leave_room_need_no_secondary() -> None:
    rows, total = table(2, 3, 30, total=35)
    suppress(rows, total)
    assert kinds(rows) == [PRIMARY, PRIMARY, ""]


def test_rows_without_clients_are_shown_and_never_chosen_as_secondary() -> None:
    rows, total = table(0, 2, 9, 0, 8, total=19)
    suppress(rows, total)
    assert kinds(rows) == ["", PRIMARY, "", "", SECONDARY]
    rows, total = table(0, 0, 12, 7, total=19)
    suppress(rows, total)
    assert kinds(rows) == ["", "", "", ""]


def test_a_total_below_the_threshold_is_hidden() -> None:
    rows, total = table(1, 2, 0, total=3)
    suppress(rows, total)
    assert total.hidden == PRIMARY
    assert kinds(rows) == [PRIMARY, PRIMARY, ""]


def test_without_a_total_only_the_primaries_are_hidden() -> None:
    rows, _ = table(1, 7, 3, 40)
    suppress(rows)
    assert kinds(rows) == [PRIMARY, "", PRIMARY, ""]


def test_the_total_is_hidden_when_hiding_every_row_is_not_enough() -> None:
    # 1 + 5 = 6: the primary can only be 1 (the secondary is at least 5).
    rows, total = table(1, 5, total=6)
    suppress(rows, total)
    assert kinds(rows) == [PRIMARY, SECONDARY]
    assert total.hidden == SECONDARY


def test_rows_that_do_not_add_up_are_still_safe() -> None:
    # Distinct clients: someone in two rows counts once in the total.
    rows, total = table(3, 10, 10, total=20)
    suppress(rows, total)
    assert kinds(rows) == [PRIMARY, SECONDARY, ""]
    assert attacker_ranges(rows, total, THRESHOLD)[0] == (1, 4)


def test_suppress_recomputes_earlier_marks_and_uses_the_threshold() -> None:
    rows, total = table(6, 30, 40, total=76)
    rows[2].hidden = SECONDARY
    suppress(rows, total, threshold=10)
    assert kinds(rows) == [PRIMARY, SECONDARY, ""]
    with translation.override("en"):
        assert rows[0].label == "< 10"
        assert rows[1].label == "×"
        assert rows[2].label == ""
        assert rows[0].explanation == "Fewer than 10 clients: not shown."
        assert rows[1].explanation.startswith("Not shown")
    assert rows[0].shown("amount") is None and rows[1].shown("clients") is None
    assert rows[2].shown("amount") == Decimal(4000) and rows[2].shown("clients") == 40


@pytest.mark.parametrize("clients, threshold", [(-1, 5), (2.0, 5), (True, 5), (3, 2)])
def test_invalid_input_is_refused(clients: object, threshold: int) -> None:
    with pytest.raises(ValueError):
        suppress([Row("a", clients)], threshold=threshold)


def attacker_ranges(rows: list[Row], total: Row, threshold: int) -> dict[int, tuple[float, float]]:
    """What someone who sees the page knows of each hidden row's clients, written apart from the module."""
    hidden = [i for i, row in enumerate(rows) if row.hidden]
    kind_bounds = {PRIMARY: (1, threshold - 1), SECONDARY: (threshold, math.inf)}
    bounds = {i: kind_bounds[rows[i].hidden] for i in hidden}
    rest = total.clients - sum(row.clients for row in rows if not row.hidden)
    ranges = {}
    for i in hidden:
        others = [bounds[j] for j in hidden if j != i]
        low = max(bounds[i][0], rest - sum(hi for _, hi in others))
        high = min(bounds[i][1], rest - sum(lo for lo, _ in others))
        ranges[i] = (low, high)
    return ranges


def amounts() -> st.SearchStrategy[dict[str, object]]:
    cents = st.integers(min_value=0, max_value=10**8).map(lambda c: Decimal(c).scaleb(-2))
    return st.fixed_dictionaries({"amount": cents, "declarations": st.integers(0, 500)})


def tables(additive: bool) -> st.SearchStrategy[tuple[list[Row], Row | None, int]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[Row], Row | None, int]:
        threshold = draw(st.sampled_from([THRESHOLD, THRESHOLD, 3, 10]))
        small = st.integers(0, threshold + 2)
        counts = draw(st.lists(st.one_of(small, st.integers(0, 40)), min_size=1, max_size=15))
        rows = [Row(i, n, draw(amounts())) for i, n in enumerate(counts)]
        if not draw(st.booleans()) and additive:
            return rows, None, threshold
        total_clients = sum(counts) if additive else draw(st.integers(max(counts), sum(counts)))
        values = {"amount": sum((row.values["amount"] for row in rows), Decimal(0))}
        return rows, Row("total", total_clients, values), threshold

    return build()


def check_attack(rows: list[Row], total: Row | None, threshold: int, additive: bool) -> None:
    for row in rows + ([total] if total else []):
        assert row.hidden in ("", PRIMARY, SECONDARY)
        if 1 <= row.clients < threshold:
            assert row.hidden == PRIMARY
        else:
            assert row.hidden != PRIMARY or (row is total and row.clients == 0)
        if row.clients == 0 and row is not total:
            assert row.hidden == ""
    if total is None or total.hidden:
        return
    hidden = [row for row in rows if row.hidden]
    # Total minus the shown rows gives the hidden rows' amounts only together, never one row's.
    assert len(hidden) != 1
    for i, (low, high) in attacker_ranges(rows, total, threshold).items():
        if additive:
            assert low <= rows[i].clients <= high
        if rows[i].hidden == PRIMARY:
            assert high - low >= 1, f"row {i} is known to have {low} clients"


@settings(max_examples=400, deadline=None)
@given(tables(additive=True))
def test_an_attacker_cannot_recompute_a_hidden_cell(data: tuple[list[Row], Row | None, int]) -> None:
    rows, total, threshold = data
    suppress(rows, total, threshold=threshold)
    check_attack(rows, total, threshold, additive=True)


@settings(max_examples=200, deadline=None)
@given(tables(additive=False))
def test_rows_that_overlap_are_safe_too(data: tuple[list[Row], Row | None, int]) -> None:
    rows, total, threshold = data
    suppress(rows, total, threshold=threshold)
    check_attack(rows, total, threshold, additive=False)
