"""The annual accounts: realised amounts and variances, the result and its settlement, the care
costs from approved invoices, and the steps of the boards."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.policy import Capability, can
from audit.context import acts_as_by
from budgeting.models import (
    AccountsStatus,
    ActivityResult,
    AnnualAccounts,
    Budget,
    BudgetLine,
    RealisedLine,
    needs_explanation,
)
from budgeting.services.cycle import ACCOUNTS, _move, budget_totals, follow_up_refusal, require_seat
from entity.models import Body
from portal.spreadsheets import csv_text
from portal.textfiles import decode_text, parse_amount, read_csv

ZERO = Decimal("0.00")


@dataclass
class AccountsRow:
    line: BudgetLine
    budgeted: Decimal
    realised: Decimal | None
    explanation: str = ""

    @property
    def variance(self) -> Decimal | None:
        return None if self.realised is None else self.realised - self.budgeted

    @property
    def variance_percent(self) -> Decimal | None:
        if self.realised is None or not self.budgeted:
            return None
        return (self.variance * 100 / self.budgeted).quantize(Decimal("0.1"))

    @property
    def needs_explanation(self) -> bool:
        return self.realised is not None and needs_explanation(self.budgeted, self.realised)

    @property
    def missing_explanation(self) -> bool:
        return self.needs_explanation and not self.explanation.strip()


@dataclass
class AccountsSummary:
    rows: list[AccountsRow]
    contingency: Decimal
    budgeted_total: Decimal
    realised_total: Decimal
    missing: list[AccountsRow] = field(default_factory=list)
    unexplained: list[AccountsRow] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unexplained

    @property
    def total_variance(self) -> Decimal:
        """Realised minus budgeted, the sign of every line's variance: an underspend is negative."""
        return self.realised_total - self.budgeted_total

    @property
    def result(self) -> Decimal:
        """Positive: a surplus that goes back to the participants; negative: a deficit."""
        return self.budgeted_total - self.realised_total


def accounts_summary(accounts: AnnualAccounts) -> AccountsSummary:
    budget = accounts.budget
    realised = {r.line_id: r for r in accounts.realised.all()}
    rows = []
    # Personnel first, as in the budget.
    ordered = sorted(budget.lines.select_related("function", "plus_municipality"), key=lambda x: x.kind != "personnel")
    for line in ordered:
        entry = realised.get(line.pk)
        rows.append(
            AccountsRow(line, line.base_amount, entry.amount if entry else None, entry.explanation if entry else "")
        )
    totals = budget_totals(budget).first
    return AccountsSummary(
        rows=rows,
        contingency=totals.contingency,
        budgeted_total=totals.total,
        realised_total=sum((r.realised for r in rows if r.realised is not None), ZERO),
        missing=[r for r in rows if r.realised is None],
        unexplained=[r for r in rows if r.missing_explanation],
    )


@transaction.atomic
@acts_as_by
def open_accounts(budget: Budget, *, by) -> AnnualAccounts:
    if not can(by, Capability.PREPARE_DOCUMENTS):
        raise PermissionDenied(_("Only the office prepares the annual accounts."))
    refusal = follow_up_refusal(budget, ACCOUNTS)
    if refusal:
        raise ValidationError(refusal)
    return AnnualAccounts.objects.create(budget=budget, created_by=by)


def _refuse_if_frozen(accounts: AnnualAccounts) -> None:
    AnnualAccounts.refuse_changes([accounts.pk])


@transaction.atomic
def save_realised(accounts: AnnualAccounts, values: dict[int, tuple[Decimal | None, str]]) -> int:
    """Store the realised amount and explanation per budget line id; an empty amount clears it.

    A variance above 10 % or EUR 25,000 needs its explanation; nothing is saved when one is missing."""
    _refuse_if_frozen(accounts)
    lines = {line.pk: line for line in accounts.budget.lines.all()}
    errors = []
    for line_id, (amount, explanation) in values.items():
        line = lines.get(line_id)
        if line is None:
            errors.append(_("Line %(id)s is not a line of this budget.") % {"id": line_id})
        elif amount is not None and needs_explanation(line.base_amount, amount) and not explanation.strip():
            errors.append(_("“%(line)s”: the variance is above 10 %% or EUR 25,000; explain it.") % {"line": line})
    if errors:
        raise ValidationError(errors)
    existing = {r.line_id: r for r in accounts.realised.all()}
    changed = 0
    for line_id, (amount, explanation) in values.items():
        entry = existing.get(line_id)
        if amount is None:
            if entry is not None:
                entry.delete()
                changed += 1
        elif entry is None:
            RealisedLine.objects.create(
                accounts=accounts, line_id=line_id, amount=amount, explanation=explanation.strip()
            )
            changed += 1
        elif (entry.amount, entry.explanation) != (amount, explanation.strip()):
            entry.amount, entry.explanation = amount, explanation.strip()
            entry.save(update_fields=["amount", "explanation"])
            changed += 1
    return changed


@transaction.atomic
def save_activity_results(
    accounts: AnnualAccounts, results: dict[int, tuple[str, str]], services_delivered: str
) -> None:
    _refuse_if_frozen(accounts)
    existing = {r.activity_id: r for r in accounts.activity_results.all()}
    for activity_id, (state, note) in results.items():
        entry = existing.get(activity_id)
        if not state:
            if entry is not None:
                entry.delete()
        elif entry is None:
            ActivityResult.objects.create(accounts=accounts, activity_id=activity_id, state=state, note=note.strip())
        elif (entry.state, entry.note) != (state, note.strip()):
            entry.state, entry.note = state, note.strip()
            entry.save(update_fields=["state", "note"])
    if accounts.services_delivered != services_delivered.strip():
        accounts.services_delivered = services_delivered.strip()
        accounts.save(update_fields=["services_delivered"])


# --- CSV: a template to fill in, and its import -------------------------------------------------

CSV_HEADER = ["regel", "omschrijving", "begroot", "gerealiseerd", "toelichting"]


def realised_template_csv(accounts: AnnualAccounts) -> str:
    """The lines of the budget with what is entered so far, in the import's own format (texts
    that look like formulas neutralised; the import reads them back as they were)."""
    rows = (
        [row.line.pk, row.line.description, row.budgeted, row.realised, row.explanation]
        for row in accounts_summary(accounts).rows
    )
    return csv_text(CSV_HEADER, rows)


def import_realised_csv(accounts: AnnualAccounts, data: bytes) -> int:
    """Read ``regel;…;gerealiseerd;toelichting`` and save it whole, or nothing with every error."""
    try:
        text = decode_text(data)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    try:
        rows = read_csv(text)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    header = [h.strip().lower() for h in (rows[0] if rows else [])]
    if "regel" not in header or "gerealiseerd" not in header:
        raise ValidationError(_("The file needs the columns “regel” and “gerealiseerd” (download the template)."))
    values: dict[int, tuple[Decimal | None, str]] = {}
    errors = []
    for number, cells in enumerate(rows[1:], start=2):
        record = dict(zip(header, cells, strict=False))
        line_text = (record.get("regel") or "").strip()
        amount_text = (record.get("gerealiseerd") or "").strip()
        if not line_text and not amount_text:
            continue
        if not re.fullmatch(r"[0-9]{1,18}", line_text):  # not isdigit(): it accepts '²', int() does not
            errors.append(_("Row %(row)d: “%(value)s” is not a line number.") % {"row": number, "value": line_text})
            continue
        amount = parse_amount(amount_text) if amount_text else None
        if amount_text and amount is None:
            errors.append(_("Row %(row)d: “%(value)s” is not an amount.") % {"row": number, "value": amount_text})
            continue
        if int(line_text) in values:
            errors.append(_("Row %(row)d: line %(line)s appears twice.") % {"row": number, "line": line_text})
            continue
        values[int(line_text)] = (amount, record.get("toelichting") or "")
    if errors:
        raise ValidationError(errors)
    if not values:
        raise ValidationError(_("The file has no lines."))
    return save_realised(accounts, values)


# --- The result and who gets or pays what -----------------------------------------------------


# --- The steps of the boards ------------------------------------------------------------------


def _require_complete(accounts: AnnualAccounts) -> None:
    summary = accounts_summary(accounts)
    if summary.missing:
        raise ValidationError(
            _("Enter the realised amount of: %(lines)s.") % {"lines": ", ".join(str(r.line) for r in summary.missing)}
        )
    if summary.unexplained:
        raise ValidationError(
            _("Explain the variance of: %(lines)s.") % {"lines": ", ".join(str(r.line) for r in summary.unexplained)}
        )


@transaction.atomic
def send_accounts_to_councils(accounts: AnnualAccounts, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    _require_complete(accounts)
    if on.year <= accounts.year:
        raise ValidationError(_("The annual accounts go to the councils after the year has ended."))
    _move(accounts, AccountsStatus.DRAFT, AccountsStatus.DRAFT_SENT, by=by, on=on, draft_sent_on=on)


@transaction.atomic
def propose_accounts(accounts: AnnualAccounts, *, by, on: datetime.date) -> None:
    require_seat(by, Body.DAILY_BOARD, on)
    _require_complete(accounts)
    _move(accounts, AccountsStatus.DRAFT_SENT, AccountsStatus.PROPOSED, by=by, on=on, proposed_on=on)
