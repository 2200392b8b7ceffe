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


# --- Through the cycle, as the boards do it --------------------------------------------------


def votes_for(on):
    """Every AB member with a seat on ``on`` votes for."""
    from entity.models import BoardSeat

    return {s.pk: "for" for s in BoardSeat.objects.filter(body="AB").active_on(on)}


def adopt_budget(budget, boards, *, framework, draft, proposed, meeting):
    """Framework letter, draft to the councils, the DB's proposal and the AB's adoption."""
    from budgeting.services import decide, propose, send_draft_to_councils, send_framework_letter

    send_framework_letter(budget, by=boards["chair"], on=framework)
    send_draft_to_councils(budget, by=boards["chair"], on=draft, ab_meeting_on=meeting)
    propose(budget, by=boards["chair"], on=proposed)
    decide(
        budget,
        by=boards["ab_a"],
        meeting_on=meeting,
        outcome="adopted",
        minutes_reference="AB",
        votes=votes_for(meeting),
    )
    budget.refresh_from_db()
    return budget


def adopt_amendment(amendment, boards, *, proposed, meeting):
    """An amendment without council views: the DB proposes it, the AB adopts it."""
    from budgeting.services import decide, propose

    propose(amendment, by=boards["chair"], on=proposed)
    decide(
        amendment,
        by=boards["ab_a"],
        meeting_on=meeting,
        outcome="adopted",
        minutes_reference="AB",
        votes=votes_for(meeting),
    )
    amendment.refresh_from_db()
    return amendment


def adopt_accounts(accounts, boards, *, draft, proposed, meeting):
    from budgeting.services import decide, propose_accounts, send_accounts_to_councils

    send_accounts_to_councils(accounts, by=boards["chair"], on=draft)
    propose_accounts(accounts, by=boards["chair"], on=proposed)
    decide(
        accounts,
        by=boards["ab_a"],
        meeting_on=meeting,
        outcome="adopted",
        minutes_reference="AB",
        votes=votes_for(meeting),
    )
    accounts.refresh_from_db()
    return accounts


def mark_adopted(document, status="adopted", **fields):
    """A shortcut for tests that need an adopted document but not the boards' steps: the status
    (and dates) set directly, and the allocation stored as the AB's decision stores it."""
    from budgeting.services import store_allocation

    type(document).objects.filter(pk=document.pk).update(status=status, **fields)
    document.refresh_from_db()
    store_allocation(document)
    return document


def adopted_chain(region, staff_user, boards):
    """Module 1 in 2025 (the seven Noord-Limburg municipalities, inhabitants on 01-01-2024):
    the budget adopted on 03-07-2024, an amendment adopted on 20-03-2025 (ICT 45,000 → 50,000),
    and the annual accounts on the amendment adopted on 01-07-2026; all through the cycle."""
    import datetime

    from budgeting.models import Budget
    from budgeting.services import open_accounts, save_realised, start_amendment
    from entity.models import Module

    D = datetime.date
    module = Module.objects.get(number=1)
    budget = Budget.objects.create(module=module, year=2025, created_by=staff_user)
    personnel(budget)
    other(budget, "45000.00")
    other(budget, "10000.00", description="Extra Venlo", package="plus", plus_municipality=region["venlo"])
    adopt_budget(
        budget, boards, framework=D(2024, 4, 1), draft=D(2024, 4, 9), proposed=D(2024, 6, 19), meeting=D(2024, 7, 3)
    )
    amendment = start_amendment(budget, by=staff_user, reason="Meer ICT", needs_council_views=False)
    amendment.lines.filter(description="ICT").update(amount=Decimal("50000.00"))
    adopt_amendment(amendment, boards, proposed=D(2025, 3, 1), meeting=D(2025, 3, 20))
    budget.refresh_from_db()
    accounts = open_accounts(amendment, by=staff_user)
    save_realised(accounts, {line.pk: (line.base_amount * Decimal("0.98"), "") for line in amendment.lines.all()})
    adopt_accounts(accounts, boards, draft=D(2026, 4, 1), proposed=D(2026, 6, 1), meeting=D(2026, 7, 1))
    assert (budget.status, amendment.status, accounts.status) == ("superseded", "adopted", "adopted")
    return {"budget": budget, "amendment": amendment, "accounts": accounts, "module": module}
