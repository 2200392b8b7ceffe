"""What the cost allocation needs beyond the budget: a fixed key, the municipalities' financial
frames for the joining scenario, and the log of every statement downloaded."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.accounts import AnnualAccounts
from budgeting.models.budget import MONEY, Budget, FrozenWithParent
from entity.models import Module
from municipalities.models import Municipality


class AllocationKeyShare(FrozenWithParent):
    """One municipality's percentage in a budget's fixed key; the percentages sum to exactly 100."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="key_shares", verbose_name=_("budget"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        verbose_name = _("key share")
        verbose_name_plural = _("key shares")
        ordering = ["budget", "municipality__name"]
        constraints = [models.UniqueConstraint(fields=["budget", "municipality"], name="one_key_share")]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.percent} %"


class FinancialFrame(models.Model):
    """The amount a municipality has set aside for its contribution to a module in a year (its
    financieel kader): joining must not push a contribution past it (budget neutrality)."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module"))
    year = models.PositiveSmallIntegerField(_("year"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="financial_frames", verbose_name=_("municipality")
    )
    amount = models.DecimalField(_("financial frame"), **MONEY, validators=[MinValueValidator(Decimal(0))])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("financial frame")
        verbose_name_plural = _("financial frames")
        ordering = ["module", "year", "municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["module", "year", "municipality"], name="one_frame_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.amount}"


class DownloadKind(models.TextChoices):
    PDF = "pdf", _("statement (PDF)")
    ZIP = "zip", _("all statements (ZIP)")
    CSV = "csv", _("allocation table (CSV)")
    XLSX = "xlsx", _("allocation table (XLSX)")
    SCENARIO = "scenario", _("joining scenario (PDF)")


class StatementDownload(models.Model):
    """Who downloaded which statement when: the statements carry what a council will pay."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DownloadKind.choices)
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("budget")
    )
    accounts = models.ForeignKey(
        AnnualAccounts,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annual accounts"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Empty when the download covers every participant."),
    )

    class Meta:
        verbose_name = _("statement download")
        verbose_name_plural = _("statement downloads")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=False, accounts__isnull=True)
                | Q(budget__isnull=True, accounts__isnull=False),
                name="download_of_budget_xor_accounts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%d-%m-%Y %H:%M} {self.get_kind_display()}"

    @property
    def document(self) -> Budget | AnnualAccounts:
        return self.budget or self.accounts
