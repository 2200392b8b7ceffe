"""The budget cycle: computed totals, amendments and the steps of the boards (the deadlines are in
`budgeting.services.deadlines`).

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
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import Capability, board_capability, can
from audit.context import acts_as_by
from audit.services import record_created, record_transition
from budgeting.models import (
    ADOPTED_STATUSES,
    YEARS_AHEAD,
    AllocationKeyShare,
    AnnualAccounts,
    BoardDecision,
    Budget,
    BudgetLine,
    BudgetStatus,
    CouncilView,
    CycleStep,
    DecisionOutcome,
    LineKind,
    MemberVote,
    Package,
    PlanActivity,
    PlusPackage,
    Vote,
    VoteTally,
)
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


def current_version(module, year: int) -> Budget | None:
    """The adopted budget of this module and year in force: its latest adopted version."""
    return Budget.objects.filter(module=module, year=year, status__in=ADOPTED_STATUSES).order_by("-version").first()


def _copy_key(source: Budget, target: Budget) -> None:
    shares = AllocationKeyShare.objects.bulk_create(
        AllocationKeyShare(budget=target, municipality_id=k.municipality_id, percent=k.percent)
        for k in source.key_shares.all()
    )
    record_created(shares)


def _copy_lines(source: Budget, target: Budget, *, keep_incidental: bool, link: bool) -> dict[int, BudgetLine]:
    """Copy the lines of ``source`` into ``target``; returns the new line per old line id."""
    copies = {}
    for line in source.lines.all():
        if line.nature == "incidental" and not keep_incidental:
            continue
        copies[line.pk] = BudgetLine(
            budget=target,
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
            source_line=line if link else None,
        )
    BudgetLine.objects.bulk_create(copies.values())
    record_created(copies.values())  # bulk_create sends no signals
    return copies


@transaction.atomic
@acts_as_by
def copy_from_adopted(module, year: int, *, by) -> Budget:
    """A new draft budget for ``year`` that starts as a copy of last year's adopted budget.

    Incidental lines were for last year only; the plus packages' content carries over, the
    activities of the implementation plan are made anew for the year."""
    previous = current_version(module, year - 1)
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
        allocation_method=previous.allocation_method,  # the reference date is the new year's default
    )
    _copy_key(previous, budget)
    _copy_lines(previous, budget, keep_incidental=False, link=False)
    PlusPackage.objects.bulk_create(
        PlusPackage(budget=budget, municipality_id=p.municipality_id, content=p.content)
        for p in previous.plus_packages.all()
    )
    return budget


@transaction.atomic
@acts_as_by
def start_amendment(budget: Budget, *, by, reason: str, needs_council_views: bool) -> Budget:
    """A begrotingswijziging: a new version of an adopted budget, with its plan, to be changed
    and decided on; the adopted version stays in force until the amendment is adopted."""
    if not can(by, Capability.PREPARE_DOCUMENTS):
        raise PermissionDenied(_("Only the office prepares an amendment."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the amendment."))
    refusal = follow_up_refusal(budget, AMENDMENT)
    if refusal:
        raise ValidationError(refusal)
    latest = Budget.objects.filter(module=budget.module, year=budget.year).order_by("-version").first()
    amendment = Budget.objects.create(
        module=budget.module,
        year=budget.year,
        version=latest.version + 1,
        amends=budget,
        reason=reason.strip(),
        needs_council_views=needs_council_views,
        contingency_percent=budget.contingency_percent,
        indexation_percent=budget.indexation_percent,
        allocation_method=budget.allocation_method,
        allocation_reference_date=budget.allocation_reference_date,
        created_by=by,
    )
    _copy_key(budget, amendment)
    copies = _copy_lines(budget, amendment, keep_incidental=True, link=True)
    PlusPackage.objects.bulk_create(
        PlusPackage(budget=amendment, municipality_id=p.municipality_id, content=p.content)
        for p in budget.plus_packages.all()
    )
    for activity in budget.activities.prefetch_related("functions", "budget_lines"):
        copy = PlanActivity.objects.create(
            budget=amendment,
            number=activity.number,
            title=activity.title,
            description=activity.description,
            priority=activity.priority,
            quarter=activity.quarter,
            deliverables=activity.deliverables,
        )
        copy.functions.set(activity.functions.all())
        copy.budget_lines.set([copies[line.pk] for line in activity.budget_lines.all() if line.pk in copies])
    return amendment


AMENDMENT = "amendment"
ACCOUNTS = "accounts"


def follow_up_refusal(budget: Budget, follow_up: str) -> str | None:
    """Why an adopted budget may no longer change by an ``AMENDMENT`` or be closed by its annual
    ``ACCOUNTS`` now, or None when it may: only the version in force, with no amendment in
    progress and no accounts started; the accounts once the budget year has begun. The services
    raise it, the budget page shows its buttons by it."""
    amendment = follow_up == AMENDMENT
    current = current_version(budget.module, budget.year)
    if current is None or current.pk != budget.pk:
        if amendment:
            return _("Only the version in force of an adopted budget can be amended.")
        return _("Annual accounts are made for the adopted budget in force.")
    if Budget.objects.filter(amends=budget).exclude(status__in=ADOPTED_STATUSES).exists():
        if amendment:
            return _("An amendment of this budget is already in progress.")
        return _("An amendment of this budget is in progress; decide on it first.")
    if hasattr(budget, "accounts"):
        if amendment:
            return _("The annual accounts of this year have been started; the budget no longer changes.")
        return _("The annual accounts of this budget already exist.")
    if not amendment and timezone.localdate().year < budget.year:
        return _("The annual accounts are made once the budget year has begun.")
    return None


@dataclass
class LineChange:
    description: str
    before: Decimal
    after: Decimal

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


def amendment_changes(amendment: Budget) -> list[LineChange]:
    """The difference per line between an amendment and the version it amends (budget year).

    Lines are matched through the line they were copied from, so a renamed line is a change, a
    new line starts from zero and a removed line ends at zero."""
    before = {line.pk: line for line in amendment.amends.lines.all()}
    changes = []
    for line in amendment.lines.all():
        old = before.pop(line.source_line_id, None)
        changes.append(LineChange(line.description, old.base_amount if old else ZERO, line.base_amount))
    changes += [LineChange(old.description, old.base_amount, ZERO) for old in before.values()]
    old_totals, new_totals = budget_totals(amendment.amends).first, budget_totals(amendment).first
    changes.append(LineChange(_("Contingency"), old_totals.contingency, new_totals.contingency))
    return [c for c in changes if c.difference]


def change_total(changes: list[LineChange]) -> LineChange:
    return LineChange(_("Total"), sum((c.before for c in changes), ZERO), sum((c.after for c in changes), ZERO))


def versions(budget: Budget) -> list[Budget]:
    """Every version of this budget's module and year, the original first."""
    return list(Budget.objects.filter(module=budget.module, year=budget.year).order_by("version"))


# --- The steps of the boards ----------------------------------------------------------------


def require_seat(user, body: str, on: datetime.date) -> BoardSeat:
    """The user must have the board's capability and hold a seat in it on that date."""
    needed = board_capability(daily_board=body == Body.DAILY_BOARD)
    seat = BoardSeat.objects.filter(person=user, body=body).active_on(on).first()
    if not can(user, needed) or seat is None:
        raise PermissionDenied(
            _("Only a member of the %(body)s with a seat on %(date)s can take this step.")
            % {"body": Body(body).label, "date": f"{on:%d-%m-%Y}"}
        )
    return seat


Document = Budget | AnnualAccounts


def check_step_date(document: Document, on: datetime.date) -> None:
    today = timezone.localdate()
    if on > today:
        raise ValidationError(
            _("The date %(date)s is after today (%(today)s); a step is recorded once it has been taken.")
            % {"date": f"{on:%d-%m-%Y}", "today": f"{today:%d-%m-%Y}"}
        )
    last = CycleStep.objects.filter(**document.target()).aggregate(last=Max("on"))["last"]
    if last is not None and on < last:
        raise ValidationError(
            _("The step before this one was taken on %(date)s; this step is dated on or after it.")
            % {"date": f"{last:%d-%m-%Y}"}
        )


def _move(document: Document, expected: str, new: str, *, by, on: datetime.date, **fields) -> None:
    """Change the status only if it is still ``expected``: two people cannot take one step twice.

    Every step is recorded with who took it, for which date and when it was entered. A step is
    recorded after it was taken, so its date is not after today, nor before the step before it."""
    check_step_date(document, on)
    model = type(document)
    changed = model.objects.filter(pk=document.pk, status=expected).update(status=new, **fields)
    if not changed:
        current = model.objects.get(pk=document.pk)
        raise ValidationError(
            _("This document is %(status)s; it cannot take this step now.") % {"status": current.get_status_display()}
        )
    # The conditional UPDATE sends no signal; the trail records the step in its transaction.
    record_transition(
        document,
        {"status": (expected, new), **{name: (getattr(document, name), value) for name, value in fields.items()}},
        by=by,
    )
    document.status = new
    for name, value in fields.items():
        setattr(document, name, value)
    CycleStep.objects.create(**document.target(), status=new, on=on, by=by)


@transaction.atomic
def send_framework_letter(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    if budget.is_amendment:
        raise ValidationError(_("An amendment has no framework letter."))
    _move(budget, BudgetStatus.DRAFT, BudgetStatus.FRAMEWORK_SENT, by=by, on=on, framework_sent_on=on)


@transaction.atomic
def send_draft_to_councils(budget: Budget, *, by, on: datetime.date, ab_meeting_on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    if budget.is_amendment and not budget.needs_council_views:
        raise ValidationError(_("This amendment does not go to the councils; the DB proposes it to the AB."))
    budget.draft_sent_on = on
    budget.check_ab_meeting(ab_meeting_on)  # refuses a meeting less than the view period away
    expected = BudgetStatus.DRAFT if budget.is_amendment else BudgetStatus.FRAMEWORK_SENT
    _move(budget, expected, BudgetStatus.DRAFT_SENT, by=by, on=on, draft_sent_on=on, ab_meeting_on=ab_meeting_on)


@transaction.atomic
@acts_as_by
def plan_ab_meeting(budget: Budget, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, timezone.localdate())
    budget.check_ab_meeting(on)
    budget.ab_meeting_on = on
    budget.save(update_fields=["ab_meeting_on"])


@transaction.atomic
@acts_as_by
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
    if budget.is_amendment and not amendment_changes(budget):
        raise ValidationError(_("This amendment changes nothing yet."))
    direct = budget.is_amendment and not budget.needs_council_views
    expected = BudgetStatus.DRAFT if direct else BudgetStatus.DRAFT_SENT
    _move(budget, expected, BudgetStatus.PROPOSED, by=by, on=on, proposed_on=on)


def check_decision(
    document: Document,
    *,
    by,
    meeting_on: datetime.date,
    outcome: str,
    minutes_reference: str,
    votes: dict[int, str],
) -> dict[int, BoardSeat]:
    """Everything `decide` checks, without writing: the page asks before it shows the
    confirmation. Returns the AB seats of that day by id."""
    require_seat(by, Body.GENERAL_BOARD, meeting_on)
    if document.status != BudgetStatus.PROPOSED:
        raise ValidationError(
            _("This document is %(status)s; it cannot take this step now.") % {"status": document.get_status_display()}
        )
    # Not in the future, not before the proposal, the view period or an earlier decision (the
    # model checks again when the decision is saved, for every other path).
    document.check_decision_date(meeting_on)
    seats = {s.pk: s for s in BoardSeat.objects.filter(body=Body.GENERAL_BOARD).active_on(meeting_on)}
    if set(votes) != set(seats) or not set(votes.values()) <= set(Vote.values):
        raise ValidationError(
            _("Record the attendance and vote of every AB member on %(date)s.") % {"date": f"{meeting_on:%d-%m-%Y}"}
        )
    if outcome == DecisionOutcome.ADOPTED and not VoteTally.of(votes.values()).carries_adoption:
        raise ValidationError(_("The votes recorded do not carry an adoption."))
    if not minutes_reference.strip():
        raise ValidationError(_("Give the reference of the minutes."))
    return seats


@transaction.atomic
@acts_as_by
def decide(
    document: Document,
    *,
    by,
    meeting_on: datetime.date,
    outcome: str,
    minutes_reference: str,
    votes: dict[int, str],
) -> BoardDecision:
    """The AB's decision in a meeting on a budget, amendment or annual accounts; ``votes`` maps
    each AB seat of that day to its vote."""
    seats = check_decision(
        document, by=by, meeting_on=meeting_on, outcome=outcome, minutes_reference=minutes_reference, votes=votes
    )
    # A postponed document stays proposed. A rejected one goes back to be revised: the councils
    # commented on a fixed draft, so a changed draft must go to them again.
    new_status = {
        DecisionOutcome.ADOPTED: BudgetStatus.ADOPTED,
        DecisionOutcome.REJECTED: BudgetStatus.DRAFT,
        DecisionOutcome.POSTPONED: BudgetStatus.PROPOSED,
    }[DecisionOutcome(outcome)]
    if outcome == DecisionOutcome.REJECTED and not document.is_accounts and not document.is_amendment:
        new_status = BudgetStatus.FRAMEWORK_SENT
    fields = {"adopted_on": meeting_on} if outcome == DecisionOutcome.ADOPTED else {}
    _move(document, BudgetStatus.PROPOSED, new_status, by=by, on=meeting_on, **fields)
    if outcome == DecisionOutcome.ADOPTED and document.is_amendment:
        # The amended version is replaced: the amendment is now the budget in force.
        amended = Budget.objects.select_for_update().filter(pk=document.amends_id, status__in=ADOPTED_STATUSES).first()
        if amended is not None:
            Budget.objects.filter(pk=amended.pk).update(status=BudgetStatus.SUPERSEDED)
            record_transition(amended, {"status": (amended.status, BudgetStatus.SUPERSEDED)}, by=by)
    decision = BoardDecision.objects.create(
        **document.target(),
        meeting_on=meeting_on,
        outcome=outcome,
        minutes_reference=minutes_reference.strip(),
        recorded_by=by,
    )
    cast = MemberVote.objects.bulk_create(
        MemberVote(decision=decision, seat=seats[pk], vote=vote) for pk, vote in votes.items()
    )
    record_created(cast, by=by)
    if outcome == DecisionOutcome.ADOPTED:
        from budgeting.services.allocation import store_allocation  # that module imports this one

        store_allocation(document, by=by)  # what was adopted is stored and never computed again
    return decision


@dataclass
class DecisionSummary:
    """What the AB confirms: the outcome, the votes counted and what follows from it."""

    outcome: str
    tally: VoteTally
    consequence: str


def decision_consequence(document: Document, outcome: str) -> str:
    """What follows from the AB's decision for this document, as the confirmation page says it."""
    if outcome == DecisionOutcome.POSTPONED:
        return _("The decision is postponed: the document stays proposed. The AB decides in a later meeting.")
    if document.is_accounts:
        if outcome == DecisionOutcome.ADOPTED:
            return _("The annual accounts are adopted and frozen; the realised amounts can no longer change.")
        return _("The annual accounts go back to the office to be revised, and then to the councils again.")
    if not document.is_amendment:
        if outcome == DecisionOutcome.ADOPTED:
            return _("The budget is adopted and frozen; after that it changes only through a budget amendment.")
        return _("The budget goes back to the DB to be revised; the revised draft goes to the councils again.")
    if outcome == DecisionOutcome.ADOPTED:
        return _(
            "The amendment is adopted and frozen; it replaces version %(version)d as the budget in force, and "
            "after that it changes only through a new amendment."
        ) % {"version": document.amends.version}
    if document.needs_council_views:
        return _(
            "The amendment goes back to the office to be revised, and then to the councils again; the version in "
            "force stays in force."
        )
    return _("The amendment goes back to the office to be revised; the version in force stays in force.")


def decision_summary(document: Document, outcome: str, votes: dict[int, str]) -> DecisionSummary:
    return DecisionSummary(outcome, VoteTally.of(votes.values()), decision_consequence(document, outcome))


@transaction.atomic
def send_to_province(document: Document, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    _move(document, BudgetStatus.ADOPTED, BudgetStatus.SENT_TO_PROVINCE, by=by, on=on, sent_to_province_on=on)


# --- What waits for whom (home pages) -------------------------------------------------------


def waiting_for_daily_board() -> list[Document]:
    budgets = Budget.objects.filter(
        status__in=(BudgetStatus.DRAFT, BudgetStatus.FRAMEWORK_SENT, BudgetStatus.DRAFT_SENT, BudgetStatus.ADOPTED)
    ).select_related("module")
    accounts = AnnualAccounts.objects.filter(
        status__in=(BudgetStatus.DRAFT, BudgetStatus.DRAFT_SENT, BudgetStatus.ADOPTED)
    ).select_related("budget__module")
    return sorted([*budgets, *accounts], key=lambda d: (d.year, d.pk))


def waiting_for_general_board() -> list[Document]:
    budgets = Budget.objects.filter(status=BudgetStatus.PROPOSED).select_related("module")
    accounts = AnnualAccounts.objects.filter(status=BudgetStatus.PROPOSED).select_related("budget__module")
    return sorted([*budgets, *accounts], key=lambda d: (d.year, d.pk))
