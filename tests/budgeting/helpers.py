"""Budget lines for tests, shared by the budgeting tests."""

from decimal import Decimal

from budgeting.models import BudgetLine
from entity.models import Function


def personnel(budget, fte="1.66", cost="90000.00", **kw):
    return BudgetLine.objects.create(
        budget=budget,
        kind="personnel",
        description=kw.pop("description", "Contractmanager"),
        function=Function.objects.get(number=3),
        salary_scale="11",
        fte=Decimal(fte),
        cost_per_fte=Decimal(cost),
        **kw,
    )


def other(budget, amount, **kw):
    return BudgetLine.objects.create(
        budget=budget, kind="other", description=kw.pop("description", "ICT"), amount=Decimal(amount), **kw
    )
