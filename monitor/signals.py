"""The monitor's figures follow every change to the lines, in the change's own transaction."""

from __future__ import annotations

from django.dispatch import receiver

from contracts.signals import lines_added, lines_after_change, lines_before_change
from monitor import figures


def _pairs(lines) -> set[tuple[int, int]]:
    return set(lines.values_list("invoice__municipality_id", "invoice__contract_id").distinct().order_by())


@receiver(lines_added)
def count_new_lines(sender, lines, **kwargs) -> None:
    figures.add_months(lines)
    figures.add_clients(lines)


@receiver(lines_before_change)
def take_out(sender, lines, keys: bool, memo: dict, **kwargs) -> None:
    if keys:
        memo["pairs"] = _pairs(lines)
    else:
        figures.add_months(lines, -1)


@receiver(lines_after_change)
def put_back(sender, lines, keys: bool, memo: dict, **kwargs) -> None:
    if keys:
        figures.recount_slices(memo.get("pairs", set()) | _pairs(lines))
    else:
        figures.add_months(lines)
