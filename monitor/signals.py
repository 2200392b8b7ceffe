"""The monitor's figures follow every change to the lines, in the change's own transaction."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from contracts.models import TariffLine
from contracts.signals import lines_added, lines_after_change, lines_before_change
from monitor import figures
from monitor.models import FigureVersion
from traffic.models import Allocation


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


@receiver([post_save, post_delete], sender=TariffLine)
def recount_contract(sender, instance: TariffLine, **kwargs) -> None:
    """A tariff decides which lines are above it: the contract's figures are recounted."""
    pairs = set(
        figures.MonthFigure.objects.filter(contract_id=instance.contract_id)
        .values_list("municipality_id", "contract_id")
        .distinct()
        .order_by()
    )
    figures.recount_slices(pairs)
    FigureVersion.bump()


@receiver([post_save, post_delete], sender=Allocation)
def allocation_changed(sender, **kwargs) -> None:
    """Uptake and allocations without declarations are read beside the figures."""
    FigureVersion.bump()
