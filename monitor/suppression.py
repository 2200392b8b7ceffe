"""Small-number suppression for the monitor tables that municipality contacts see.

A row with 1 to ``threshold - 1`` clients is hidden (primary). When the table shows its total, further
rows are hidden (secondary, smallest first) until no hidden row's number of clients can be worked out
from the total, the shown rows and the kinds of the hidden rows; if even hiding every row does not do
that, the total is hidden too. A hidden row hides its amounts as well: with two or more hidden rows
only their sum can be recomputed from the total, never one row's amount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

THRESHOLD = 5
PRIMARY = "primary"  # 1 <= clients < threshold
SECONDARY = "secondary"  # clients >= threshold, hidden so that a primary cannot be recomputed
SECONDARY_LABEL = "×"

Bounds = tuple[float, float]


@dataclass
class Row:
    key: object  # what the row is about (label, id, month ...)
    clients: int
    values: dict[str, object] = field(default_factory=dict)  # amounts etc., hidden together with clients
    hidden: str = ""  # "", PRIMARY or SECONDARY
    threshold: int = field(default=THRESHOLD, repr=False)  # set by suppress(), used by the label

    def shown(self, name: str) -> object | None:
        """The value (or "clients") as the page may show it: None when the row is hidden."""
        if self.hidden:
            return None
        return self.clients if name == "clients" else self.values[name]

    @property
    def label(self) -> str:
        """What the page shows instead of a hidden cell ("" for a shown row)."""
        if self.hidden == PRIMARY:
            return _("< %(threshold)s") % {"threshold": self.threshold}
        return SECONDARY_LABEL if self.hidden == SECONDARY else ""

    @property
    def explanation(self) -> str:
        """Text for a title attribute or screen readers next to the label ("" for a shown row)."""
        if self.hidden == PRIMARY:
            return _("Fewer than %(threshold)s clients: not shown.") % {"threshold": self.threshold}
        if self.hidden == SECONDARY:
            return _("Not shown, so that small numbers cannot be recalculated from the total.")
        return ""


def _bounds(kind: str, threshold: int) -> Bounds:
    return (1, threshold - 1) if kind == PRIMARY else (threshold, math.inf)


def _feasible(bounds: list[Bounds], i: int, hidden_sum: int) -> Bounds:
    """The interval row i's clients can lie in, given the others' bounds and the sum of all hidden rows."""
    others_lo = sum(lo for j, (lo, _hi) in enumerate(bounds) if j != i)
    others_hi = sum(hi for j, (_lo, hi) in enumerate(bounds) if j != i)
    lo, hi = bounds[i]
    return max(lo, hidden_sum - others_hi), min(hi, hidden_sum - others_lo)


def _disclosed(rows: list[Row], total: Row, threshold: int) -> bool:
    """True if, with the total shown, some hidden row's clients are known exactly (or the view is inconsistent).

    The hidden rows' sum is what an attacker computes (total minus the shown rows) and, should the
    caller's rows not add up to the total, also their real sum: both must leave every hidden row open.
    """
    hidden = [row for row in rows if row.hidden]
    if not hidden:
        return False
    bounds = [_bounds(row.hidden, threshold) for row in hidden]
    sums = {total.clients - sum(row.clients for row in rows if not row.hidden), sum(row.clients for row in hidden)}
    for hidden_sum in sums:
        for i in range(len(hidden)):
            lo, hi = _feasible(bounds, i, hidden_sum)
            if hi - lo < 1:
                return True
    return False


def _validate(rows: list[Row], total: Row | None, threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 3:
        raise ValueError("The threshold must be an int >= 3, so that a hidden cell leaves two values open.")
    for row in [*rows, *([total] if total is not None else [])]:
        if isinstance(row.clients, bool) or not isinstance(row.clients, int) or row.clients < 0:
            raise ValueError(f"Row {row.key!r}: clients must be an int >= 0, not {row.clients!r}.")


def suppress(rows: list[Row], total: Row | None = None, *, threshold: int = THRESHOLD) -> None:
    """Mark the rows (and the total) to hide, in place; earlier marks are recomputed from scratch."""
    _validate(rows, total, threshold)
    everything = [*rows, *([total] if total is not None else [])]
    for row in everything:
        row.threshold = threshold
        row.hidden = PRIMARY if 1 <= row.clients < threshold else ""
    if total is None or total.hidden:
        return  # no exact total: the hidden rows cannot be recomputed from it
    candidates = sorted(
        (i for i, row in enumerate(rows) if not row.hidden and row.clients > 0), key=lambda i: (rows[i].clients, i)
    )
    while _disclosed(rows, total, threshold):
        if not candidates:
            total.hidden = PRIMARY if total.clients < threshold else SECONDARY
            return
        rows[candidates.pop(0)].hidden = SECONDARY
