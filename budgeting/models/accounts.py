"""The annual accounts (jaarrekening) of an adopted budget: realised amounts, explanations and the
activities realised. Adopted accounts are frozen like an adopted budget."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from budgeting.models.budget import (
    MONEY,
    Budget,
    BudgetFrozenError,
    BudgetLine,
    DecidedByTheBoard,
    FrozenDocument,
    FrozenWithParent,
)
from budgeting.models.documents import ACCOUNTS, CycleDocument
from budgeting.models.plan import PlanActivity

# A variance above either threshold needs an explanation (the entity's financial regulation).
EXPLAIN_PERCENT = Decimal(10)
EXPLAIN_AMOUNT = Decimal(25000)


def needs_explanation(budgeted: Decimal, realised: Decimal) -> bool:
    variance = abs(realised - budgeted)
    if variance > EXPLAIN_AMOUNT:
        return True
    if budgeted == 0:
        return variance != 0
    return variance * 100 / abs(budgeted) > EXPLAIN_PERCENT


class AccountsStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    DRAFT_SENT = "councils", _("provisional accounts sent to the councils")
    PROPOSED = "proposed", _("proposed by the DB")
    ADOPTED = "adopted", _("adopted by the AB")
    SENT_TO_PROVINCE = "province", _("sent to the province (GS)")


ACCOUNTS_FROZEN = (AccountsStatus.ADOPTED, AccountsStatus.SENT_TO_PROVINCE)


class AnnualAccounts(CycleDocument, DecidedByTheBoard, FrozenDocument):
    document_kind = ACCOUNTS
    frozen_statuses = ACCOUNTS_FROZEN
    loaded_with = ("budget",)

    budget = models.OneToOneField(
        Budget, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("adopted budget")
    )
    status = models.CharField(_("status"), max_length=10, choices=AccountsStatus.choices, default=AccountsStatus.DRAFT)
    services_delivered = models.TextField(
        _("services delivered"), blank=True, help_text=_("What the entity delivered this year, for the councils.")
    )
    draft_sent_on = models.DateField(_("provisional accounts sent to the councils on"), null=True, blank=True)
    proposed_on = models.DateField(_("proposed by the DB on"), null=True, blank=True)
    adopted_on = models.DateField(_("adopted by the AB on"), null=True, blank=True)
    sent_to_province_on = models.DateField(_("sent to GS on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    frozen_moves = {
        AccountsStatus.ADOPTED: frozenset({AccountsStatus.SENT_TO_PROVINCE}),
        AccountsStatus.SENT_TO_PROVINCE: frozenset(),
    }

    class Meta:
        verbose_name = _("annual accounts")
        verbose_name_plural = _("annual accounts")
        ordering = ["-budget__year", "budget__module"]

    def __str__(self) -> str:
        return f"Jaarrekening {self.budget.year} module {self.budget.module.number}"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:accounts", args=[self.pk])

    def get_pdf_url(self) -> str:
        return reverse("budgeting:accounts_pdf", args=[self.pk])

    @property
    def year(self) -> int:
        return self.budget.year

    @property
    def is_frozen(self) -> bool:
        return self.status in ACCOUNTS_FROZEN

    @property
    def next_db_step(self) -> str | None:
        return {
            AccountsStatus.DRAFT: "draft",
            AccountsStatus.DRAFT_SENT: "propose",
            AccountsStatus.ADOPTED: "province",
        }.get(self.status)

    def meeting_year_error(self, date: datetime.date) -> str | None:
        if date.year <= self.budget.year:
            return _("The AB adopts the annual accounts after the year has ended.")
        return None

    def first_meeting_day(self) -> datetime.date:
        return datetime.date(self.budget.year + 1, 1, 1)

    @classmethod
    def refuse_changes(cls, ids) -> None:
        if cls.objects.filter(pk__in=set(ids), status__in=ACCOUNTS_FROZEN).exists():
            raise BudgetFrozenError(_("These annual accounts have been adopted; they cannot change."))


class RealisedLine(FrozenWithParent):
    freeze_parent = "accounts"

    accounts = models.ForeignKey(
        AnnualAccounts, on_delete=models.CASCADE, related_name="realised", verbose_name=_("annual accounts")
    )
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("budget line"))
    amount = models.DecimalField(_("realised"), **MONEY)
    explanation = models.TextField(_("explanation of the variance"), blank=True)

    class Meta:
        verbose_name = _("realised amount")
        verbose_name_plural = _("realised amounts")
        constraints = [models.UniqueConstraint(fields=["accounts", "line"], name="one_realisation_per_line")]

    def __str__(self) -> str:
        return f"{self.line}: {self.amount}"


class ActivityState(models.TextChoices):
    DONE = "done", _("realised")
    PARTLY = "partly", _("partly realised")
    POSTPONED = "postponed", _("postponed to next year")
    DROPPED = "dropped", _("not realised")


class ActivityResult(FrozenWithParent):
    freeze_parent = "accounts"

    accounts = models.ForeignKey(
        AnnualAccounts, on_delete=models.CASCADE, related_name="activity_results", verbose_name=_("annual accounts")
    )
    activity = models.ForeignKey(PlanActivity, on_delete=models.PROTECT, related_name="+", verbose_name=_("activity"))
    state = models.CharField(_("result"), max_length=10, choices=ActivityState.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("activity result")
        verbose_name_plural = _("activity results")
        constraints = [models.UniqueConstraint(fields=["accounts", "activity"], name="one_result_per_activity")]

    def __str__(self) -> str:
        return f"{self.activity}: {self.get_state_display()}"
