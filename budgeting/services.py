"""The planning-and-control cycle: computed totals, deadlines, and the steps of the boards.

Every step checks that the user has the role *and* a seat in that body on the date of the step,
stores who and when, and changes the status with a conditional update, so a step cannot be taken
twice by two people at the same moment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import (
    YEARS_AHEAD,
    BoardDecision,
    Budget,
    BudgetLine,
    BudgetStatus,
    CouncilView,
    DeadlineRules,
    DecisionOutcome,
    LineKind,
    MemberVote,
    Package,
    Vote,
)
from entity import access
from entity.access import Role
from entity.models import BoardSeat, Body
from municipalities.models import Municipality

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --- Totals ---------------------------------------------------------------------------------


@dataclass
class YearTotals:
    year: int
    personnel: Decimal = ZERO
    other: Decimal = ZERO
    contingency: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.personnel + self.other + self.contingency


@dataclass
class BudgetTotals:
    years: list[YearTotals]
    basic: Decimal = ZERO  # the budget year's basic package, contingency included
    plus: dict[Municipality, Decimal] = field(default_factory=dict)  # plus packages of the budget year

    @property
    def first(self) -> YearTotals:
        return self.years[0]


def budget_totals(budget: Budget) -> BudgetTotals:
    """Subtotals and totals for the budget year and the three years after it.

    The contingency is a percentage of the basic-package lines: plus packages are charged to
    their municipality exactly as the implementation plan fixes them."""
    lines = list(budget.lines.select_related("plus_municipality"))
    years = []
    for offset in range(YEARS_AHEAD + 1):
        totals = YearTotals(budget.year + offset)
        basic = ZERO
        for line in lines:
            amount = line.amount_in(offset, budget.indexation_percent)
            if line.kind == LineKind.PERSONNEL:
                totals.personnel += amount
            else:
                totals.other += amount
            if line.package == Package.BASIC:
                basic += amount
        totals.contingency = (basic * budget.contingency_percent / 100).quantize(CENT, ROUND_HALF_UP)
        years.append(totals)
    result = BudgetTotals(years)
    basic_first = sum((line.base_amount for line in lines if line.package == Package.BASIC), ZERO)
    result.basic = basic_first + years[0].contingency
    for line in lines:
        if line.package == Package.PLUS:
            result.plus[line.plus_municipality] = result.plus.get(line.plus_municipality, ZERO) + line.base_amount
    return result


@transaction.atomic
def copy_from_adopted(module, year: int, *, by) -> Budget:
    """A new draft budget for ``year`` that starts as a copy of last year's adopted budget."""
    previous = (
        Budget.objects.filter(
            module=module, year=year - 1, status__in=(BudgetStatus.ADOPTED, BudgetStatus.SENT_TO_PROVINCE)
        )
        .order_by("-version")
        .first()
    )
    if previous is None:
        raise ValidationError(_("There is no adopted budget of %(year)d to copy.") % {"year": year - 1})
    if Budget.objects.filter(module=module, year=year).exists():
        raise ValidationError(_("A budget for %(year)d already exists.") % {"year": year})
    budget = Budget.objects.create(
        module=module,
        year=year,
        created_by=by,
        contingency_percent=previous.contingency_percent,
        indexation_percent=previous.indexation_percent,
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            budget=budget,
            kind=line.kind,
            description=line.description,
            function_id=line.function_id,
            salary_scale=line.salary_scale,
            fte=line.fte,
            cost_per_fte=line.cost_per_fte,
            amount=line.amount,
            nature=line.nature,
            package=line.package,
            plus_municipality_id=line.plus_municipality_id,
            position=line.position,
        )
        for line in previous.lines.all()
        if line.nature != "incidental"
    )
    return budget


# --- Deadlines ------------------------------------------------------------------------------


@dataclass
class Deadline:
    label: str
    due: datetime.date | None  # the last day it may happen; None while it depends on a later choice
    done_on: datetime.date | None
    status: str  # "done", "late", "due soon", "on time", "open"


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
    before = budget.year - 1
    deadlines = []
    due = _day_before(before, rules.framework_month, rules.framework_day)
    deadlines.append(
        Deadline(
            _("Framework letter to the councils (art. 34b Wgr)"),
            due,
            budget.framework_sent_on,
            _status(due, budget.framework_sent_on, today),
        )
    )
    due = budget.ab_meeting_on - datetime.timedelta(weeks=rules.view_weeks) if budget.ab_meeting_on else None
    deadlines.append(
        Deadline(
            _("Draft budget to the councils, %(weeks)d weeks before the AB meeting (art. 35 Wgr)")
            % {"weeks": rules.view_weeks},
            due,
            budget.draft_sent_on,
            _status(due, budget.draft_sent_on, today),
        )
    )
    due = datetime.date(before, 12, 31)
    deadlines.append(
        Deadline(
            _("Adoption by the AB, in the year before (art. 34 Wgr)"),
            due,
            budget.adopted_on,
            _status(due, budget.adopted_on, today),
        )
    )
    due = _day_before(before, rules.budget_province_month, rules.budget_province_day)
    if budget.adopted_on:
        due = min(due, budget.adopted_on + datetime.timedelta(days=rules.province_days))
    deadlines.append(
        Deadline(
            _("Adopted budget to GS, within %(days)d days and before %(date)s (art. 34 Wgr)")
            % {
                "days": rules.province_days,
                "date": f"{datetime.date(before, rules.budget_province_month, rules.budget_province_day):%d-%m}",
            },
            due,
            budget.sent_to_province_on,
            _status(due, budget.sent_to_province_on, today),
        )
    )
    return deadlines


# --- The steps of the boards ----------------------------------------------------------------


def require_seat(user, body: str, on: datetime.date) -> BoardSeat:
    """The user must have the board's role and hold a seat in it on that date."""
    role = Role.DAILY_BOARD if body == Body.DAILY_BOARD else Role.GENERAL_BOARD
    seat = BoardSeat.objects.filter(person=user, body=body).active_on(on).first()
    if not access.has_role(user, role) or seat is None:
        raise PermissionDenied(
            _("Only a member of the %(body)s with a seat on %(date)s can take this step.")
            % {"body": Body(body).label, "date": f"{on:%d-%m-%Y}"}
        )
    return seat


def _move(budget: Budget, expected: str, new: str, **fields) -> None:
    changed = Budget.objects.filter(pk=budget.pk, status=expected).update(status=new, **fields)
    if not changed:
        raise ValidationError(
            _("This budget is %(status)s; it cannot take this step now.")
            % {"status": BudgetStatus(Budget.objects.get(pk=budget.pk).status).label}
        )
    budget.status = new
    for name, value in fields.items():
        setattr(budget, name, value)


@transaction.atomic
def send_framework_letter(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    _move(budget, BudgetStatus.DRAFT, BudgetStatus.FRAMEWORK_SENT, framework_sent_on=on)


@transaction.atomic
def send_draft_to_councils(budget: Budget, *, by, on: datetime.date, ab_meeting_on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    budget.draft_sent_on = on
    budget.check_ab_meeting(ab_meeting_on)  # refuses a meeting less than the view period away
    _move(budget, BudgetStatus.FRAMEWORK_SENT, BudgetStatus.DRAFT_SENT, draft_sent_on=on, ab_meeting_on=ab_meeting_on)


@transaction.atomic
def plan_ab_meeting(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, timezone.localdate())
    budget.check_ab_meeting(on)
    budget.ab_meeting_on = on
    budget.save(update_fields=["ab_meeting_on"])


@transaction.atomic
def reply_to_view(view: CouncilView, *, by, text: str) -> None:
    require_seat(by, Body.DAILY_BOARD, timezone.localdate())
    if not text.strip():
        raise ValidationError(_("The reply to a council's view must give reasons (art. 35 Wgr)."))
    if view.budget.status != BudgetStatus.DRAFT_SENT:
        raise ValidationError(_("Views are answered while the draft budget is with the councils."))
    view.reply, view.replied_by, view.replied_at = text.strip(), by, timezone.now()
    view.save(update_fields=["reply", "replied_by", "replied_at"])


@transaction.atomic
def propose(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    unanswered = [v.municipality.name for v in budget.council_views.select_related("municipality") if not v.reply]
    if unanswered:
        raise ValidationError(
            _("The DB must first reply to the views of: %(names)s.") % {"names": ", ".join(unanswered)}
        )
    _move(budget, BudgetStatus.DRAFT_SENT, BudgetStatus.PROPOSED, proposed_on=on)


@transaction.atomic
def decide(
    budget: Budget, *, by, meeting_on: datetime.date, outcome: str, minutes_reference: str, votes: dict[int, str]
) -> BoardDecision:
    """The AB's decision in a meeting; ``votes`` maps each AB seat of that day to its vote."""
    require_seat(by, Body.GENERAL_BOARD, meeting_on)
    budget.check_ab_meeting(meeting_on)
    seats = {s.pk: s for s in BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(meeting_on)}
    if set(votes) != set(seats):
        raise ValidationError(
            _("Record the attendance and vote of every AB member on %(date)s.") % {"date": f"{meeting_on:%d-%m-%Y}"}
        )
    counted = [v for v in votes.values() if v in (Vote.FOR, Vote.AGAINST)]
    majority = counted.count(Vote.FOR) > counted.count(Vote.AGAINST)
    if outcome == DecisionOutcome.ADOPTED and not majority:
        raise ValidationError(_("The votes recorded do not carry an adoption."))
    if not minutes_reference.strip():
        raise ValidationError(_("Give the reference of the minutes."))
    new_status = {
        DecisionOutcome.ADOPTED: BudgetStatus.ADOPTED,
        DecisionOutcome.REJECTED: BudgetStatus.DRAFT_SENT,
        DecisionOutcome.POSTPONED: BudgetStatus.PROPOSED,
    }[DecisionOutcome(outcome)]
    fields = {"adopted_on": meeting_on} if outcome == DecisionOutcome.ADOPTED else {}
    _move(budget, BudgetStatus.PROPOSED, new_status, **fields)
    decision = BoardDecision.objects.create(
        budget=budget,
        meeting_on=meeting_on,
        outcome=outcome,
        minutes_reference=minutes_reference.strip(),
        recorded_by=by,
    )
    MemberVote.objects.bulk_create(
        MemberVote(decision=decision, seat=seats[pk], vote=vote) for pk, vote in votes.items()
    )
    return decision


@transaction.atomic
def send_to_province(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    _move(budget, BudgetStatus.ADOPTED, BudgetStatus.SENT_TO_PROVINCE, sent_to_province_on=on)


# --- What waits for whom (home pages) -------------------------------------------------------

NEXT_DB_STEP = {
    BudgetStatus.DRAFT: "framework",
    BudgetStatus.FRAMEWORK_SENT: "draft",
    BudgetStatus.DRAFT_SENT: "propose",
    BudgetStatus.ADOPTED: "province",
}


@dataclass
class DatedDeadline:
    budget: Budget
    deadline: Deadline


def upcoming_deadlines(today: datetime.date, days: int = 120) -> list[DatedDeadline]:
    """Open deadlines of budgets in progress: late ones and those due within ``days``."""
    found = []
    for budget in Budget.objects.exclude(status=BudgetStatus.SENT_TO_PROVINCE).select_related("module"):
        for deadline in budget_deadlines(budget, today):
            if deadline.done_on is None and deadline.due is not None and (deadline.due - today).days <= days:
                found.append(DatedDeadline(budget, deadline))
    return sorted(found, key=lambda d: (d.deadline.due, d.budget.year))


def waiting_for_daily_board():
    return Budget.objects.filter(status__in=list(NEXT_DB_STEP)).select_related("module").order_by("year")


def waiting_for_general_board():
    return Budget.objects.filter(status=BudgetStatus.PROPOSED).select_related("module").order_by("year")
