"""The legal deadlines of the cycle (Wgr): of a budget, an amendment and annual accounts, and
which of them are open across all documents (home pages)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import AnnualAccounts, Budget, BudgetStatus, DeadlineRules

Document = Budget | AnnualAccounts


@dataclass
class Deadline:
    label: str
    due: datetime.date | None  # the last day it may happen; None while it depends on a later choice
    done_on: datetime.date | None
    status: str  # "done", "late", "due soon", "on time", "open"


def _deadline(label: str, due: datetime.date | None, done_on: datetime.date | None, today: datetime.date) -> Deadline:
    return Deadline(label, due, done_on, _status(due, done_on, today))


def _status(due: datetime.date | None, done_on: datetime.date | None, today: datetime.date) -> str:
    if done_on is not None:
        return "late" if due is not None and done_on > due else "done"
    if due is None:
        return "open"
    if today > due:
        return "late"
    return "due soon" if (due - today).days <= 30 else "on time"


def _day_before(year: int, month: int, day: int) -> datetime.date:
    """'Before 30 April' means 29 April at the latest."""
    return datetime.date(year, month, day) - datetime.timedelta(days=1)


def budget_deadlines(budget: Budget, today: datetime.date | None = None) -> list[Deadline]:
    today = today or timezone.localdate()
    rules = DeadlineRules.current()
    if budget.is_amendment:
        return _amendment_deadlines(budget, rules, today)
    before = budget.year - 1
    deadlines = []
    due = _day_before(before, rules.framework_month, rules.framework_day)
    draft = _draft_deadline(budget, rules, today, _("Draft budget to the councils"))
    if draft.due is not None:
        due = min(due, draft.due)  # the frameworks come before the draft that follows them
    deadlines.append(
        _deadline(
            _("Framework letter to the councils (art. 34b Wgr)"),
            due,
            budget.framework_sent_on,
            today,
        )
    )
    deadlines.append(draft)
    due = datetime.date(before, 12, 31)
    deadlines.append(
        _deadline(
            _("Adoption by the AB, in the year before (art. 34 Wgr)"),
            due,
            budget.adopted_on,
            today,
        )
    )
    label = _("Adopted budget to GS, within %(days)d days and before %(date)s (art. 34 Wgr)")
    deadlines.append(
        _to_province(label, budget, (before, rules.budget_province_month, rules.budget_province_day), rules, today)
    )
    return deadlines


def _to_province(label: str, document: Document, limit: tuple[int, int, int], rules: DeadlineRules, today) -> Deadline:
    """Art. 34 Wgr: the adopted document goes to GS within a number of days of its adoption and
    before a fixed date (``limit``: year, month, day), whichever comes first."""
    due = _day_before(*limit)
    if document.adopted_on:
        due = min(due, document.adopted_on + datetime.timedelta(days=rules.province_days))
    return _deadline(
        label % {"days": rules.province_days, "date": f"{datetime.date(*limit):%d-%m}"},
        due,
        document.sent_to_province_on,
        today,
    )


def _draft_deadline(budget: Budget, rules: DeadlineRules, today: datetime.date, what: str) -> Deadline:
    due = budget.ab_meeting_on - datetime.timedelta(weeks=rules.view_weeks) if budget.ab_meeting_on else None
    return _deadline(
        _("%(what)s, %(weeks)d weeks before the AB meeting (art. 35 Wgr)") % {"what": what, "weeks": rules.view_weeks},
        due,
        budget.draft_sent_on,
        today,
    )


def _amendment_deadlines(budget: Budget, rules: DeadlineRules, today: datetime.date) -> list[Deadline]:
    deadlines = []
    if budget.needs_council_views:
        deadlines.append(_draft_deadline(budget, rules, today, _("Draft amendment to the councils")))
    due = budget.adopted_on + datetime.timedelta(days=rules.province_days) if budget.adopted_on else None
    deadlines.append(
        _deadline(
            _("Adopted amendment to GS, within %(days)d days (art. 35 Wgr)") % {"days": rules.province_days},
            due,
            budget.sent_to_province_on,
            today,
        )
    )
    return deadlines


def accounts_deadlines(accounts: AnnualAccounts, today: datetime.date | None = None) -> list[Deadline]:
    """Provisional accounts to the councils before 30 April, the adopted ones to GS within two
    weeks and before 15 July of the year after (art. 34 and 34b Wgr)."""
    today = today or timezone.localdate()
    rules = DeadlineRules.current()
    after = accounts.year + 1
    due = _day_before(after, rules.accounts_councils_month, rules.accounts_councils_day)
    deadlines = [
        _deadline(
            _("Provisional annual accounts to the councils (art. 34b Wgr)"),
            due,
            accounts.draft_sent_on,
            today,
        )
    ]
    label = _("Adopted annual accounts to GS, within %(days)d days and before %(date)s (art. 34 Wgr)")
    deadlines.append(
        _to_province(label, accounts, (after, rules.accounts_province_month, rules.accounts_province_day), rules, today)
    )
    return deadlines


@dataclass
class DatedDeadline:
    document: Document
    deadline: Deadline


def upcoming_deadlines(today: datetime.date, days: int = 120) -> list[DatedDeadline]:
    """Open deadlines of budgets, amendments and accounts in progress: late ones and those due
    within ``days``."""
    found = []
    open_budgets = Budget.objects.exclude(status__in=(BudgetStatus.SENT_TO_PROVINCE, BudgetStatus.SUPERSEDED))
    documents: list[tuple[Document, list[Deadline]]] = [
        (budget, budget_deadlines(budget, today)) for budget in open_budgets.select_related("module")
    ]
    open_accounts = AnnualAccounts.objects.exclude(status=BudgetStatus.SENT_TO_PROVINCE)
    documents += [(a, accounts_deadlines(a, today)) for a in open_accounts.select_related("budget__module")]
    for document, deadlines in documents:
        for deadline in deadlines:
            if deadline.done_on is None and deadline.due is not None and (deadline.due - today).days <= days:
                found.append(DatedDeadline(document, deadline))
    return sorted(found, key=lambda d: (d.deadline.due, d.document.year))
