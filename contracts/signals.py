"""What the apps above contracts hear about declared performances (InvoiceLine), so figures kept
about them (the monitor) stay exact without contracts knowing them.

- ``lines_added``: new lines were saved (a declaration message); ``lines`` is a QuerySet of them.
- ``changing(lines)``: around a change to what the lines mean (an answer, a payment, a new
  allocation): receivers take the lines' figures out before it and put them back after it.
  ``keys=True`` when the lines may move or go (another contract or municipality, a deletion).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import QuerySet
from django.dispatch import Signal

lines_added = Signal()
lines_before_change = Signal()
lines_after_change = Signal()


@contextmanager
def changing(lines: QuerySet, *, keys: bool = False) -> Iterator[None]:
    memo: dict = {}  # what a receiver keeps between before and after
    lines_before_change.send(lines.model, lines=lines, keys=keys, memo=memo)
    yield
    lines_after_change.send(lines.model, lines=lines, keys=keys, memo=memo)


def added(lines: QuerySet) -> None:
    lines_added.send(lines.model, lines=lines)
