"""Who pays what of a budget: the contribution key and the split of a budget's totals.

Basic-package costs are split by inhabitants on the reference date (1 January of the year
before the budget year), pro rata by the days a municipality is a member during the budget
year; plus-package lines are charged in full to their municipality. Every split uses the
largest remainder method, so the parts add up to the total to the cent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from budgeting.models import Budget
from entity.models import Membership
from entity.services import split_largest_remainder
from municipalities.models import Municipality

ZERO = Decimal("0.00")


def reference_date(budget: Budget) -> datetime.date:
    return datetime.date(budget.year - 1, 1, 1)


def membership_days(budget: Budget) -> dict[int, int]:
    """Days of membership of the module in the budget year, per municipality id."""
    first, last = datetime.date(budget.year, 1, 1), datetime.date(budget.year, 12, 31)
    days: dict[int, int] = {}
    for m in Membership.objects.filter(module=budget.module).overlapping(first, last):
        start, end = max(m.start_date, first), min(m.end_date or last, last)
        days[m.municipality_id] = days.get(m.municipality_id, 0) + (end - start).days + 1
    return days


def contribution_weights(budget: Budget) -> dict[Municipality, Decimal]:
    """Inhabitants on the reference date × days of membership, per participant (by name)."""
    days = membership_days(budget)
    date = reference_date(budget)
    participants = list(Municipality.objects.filter(pk__in=days).with_inhabitants_on(date).order_by("name"))
    missing = [m.name for m in participants if not m.inhabitants]
    if missing:
        raise ValidationError(
            _("No number of inhabitants on %(date)s for: %(names)s.")
            % {"date": f"{date:%d-%m-%Y}", "names": ", ".join(missing)}
        )
    return {m: Decimal(m.inhabitants) * days[m.pk] for m in participants}


@dataclass
class Share:
    municipality: Municipality
    basic: Decimal = ZERO
    plus: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.basic + self.plus


def split(basic_total: Decimal, plus: dict[Municipality, Decimal], weights: dict[Municipality, Decimal]) -> list[Share]:
    """The basic total by the weights and each plus amount to its own municipality."""
    shares = {m: Share(m, basic=part) for m, part in split_largest_remainder(basic_total, weights).items()}
    for municipality, amount in plus.items():
        shares.setdefault(municipality, Share(municipality)).plus += amount
    return sorted(shares.values(), key=lambda s: s.municipality.name)
