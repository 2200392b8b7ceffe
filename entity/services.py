"""Workflows over several models: shares of inhabitants and changes in participation."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from entity.models import Membership, Module
from municipalities.models import Municipality
from portal.money import split_largest_remainder


@dataclass
class ParticipantShare:
    municipality: Municipality
    inhabitants: int | None
    inhabitants_date: datetime.date | None
    share: Decimal | None  # in percent, two decimals; all shares add up to exactly 100.00
    estimated: bool = False


def participant_shares(module: Module, date: datetime.date) -> list[ParticipantShare]:
    """The participants of ``module`` on ``date`` with their share of the inhabitants.

    Shares are only given when every participant has a population count on or before the
    date: a share computed over an incomplete set would be wrong for everyone.
    """
    rows = list(module.participants_on(date).with_inhabitants_on(date).order_by("name"))
    complete = bool(rows) and all(m.inhabitants for m in rows)
    shares = split_largest_remainder(Decimal(100), {m.pk: m.inhabitants for m in rows}) if complete else {}
    return [
        ParticipantShare(m, m.inhabitants, m.inhabitants_date, shares.get(m.pk), bool(m.inhabitants_estimated))
        for m in rows
    ]


@dataclass
class ParticipationChange:
    date: datetime.date
    module: Module
    before: int
    after: int
    joined: list[Municipality] = field(default_factory=list)
    left: list[Municipality] = field(default_factory=list)


def participation_changes(start: datetime.date, end: datetime.date) -> list[ParticipationChange]:
    """Every date in [start, end] on which a module gains or loses participants."""
    events: dict[tuple[datetime.date, int], ParticipationChange] = {}
    memberships = Membership.objects.select_related("module", "municipality")
    joined = defaultdict(list)
    left = defaultdict(list)
    for m in memberships.filter(start_date__range=(start, end)):
        joined[(m.start_date, m.module)].append(m.municipality)
    for m in memberships.filter(end_date__range=(start - datetime.timedelta(days=1), end - datetime.timedelta(days=1))):
        left[(m.end_date + datetime.timedelta(days=1), m.module)].append(m.municipality)
    for key in set(joined) | set(left):
        date, module = key
        # A membership renewed without a gap is no change in participation.
        came = [m for m in joined[key] if m not in left[key]]
        went = [m for m in left[key] if m not in joined[key]]
        if not came and not went:
            continue
        before = module.participants_on(date - datetime.timedelta(days=1)).count()
        after = module.participants_on(date).count()
        events[(date, module.number)] = ParticipationChange(
            date,
            module,
            before,
            after,
            sorted(came, key=lambda m: m.name),
            sorted(went, key=lambda m: m.name),
        )
    return [events[k] for k in sorted(events)]
