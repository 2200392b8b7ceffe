"""What the cost allocation needs beyond the budget: a fixed key, the municipalities' financial
frames for the joining scenario, the log of every statement downloaded, and the allocation of
each adopted document as it was adopted (append-only, like the audit trail)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.accounts import AnnualAccounts
from budgeting.models.budget import (
    MONEY,
    AllocationMethod,
    Budget,
    BudgetFrozenError,
    FrozenWithParent,
)
from budgeting.models.documents import OfOneDocument, document_fields, one_document
from entity.models import Module
from municipalities.models import Municipality
from portal.append_only import AppendOnlyQuerySet


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


class StatementDownload(OfOneDocument, models.Model):
    """Who downloaded which statement when: the statements carry what a council will pay."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DownloadKind.choices)
    budget, accounts = document_fields(on_delete=models.PROTECT, related_name="+")
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
        constraints = [one_document("download_of_budget_xor_accounts")]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%d-%m-%Y %H:%M} {self.get_kind_display()}"


# --- The allocation as adopted ------------------------------------------------------------------


class StoredAllocationError(BudgetFrozenError):
    """What was adopted is stored once and never changes; the message is for the user."""


def _refuse_change() -> None:
    raise StoredAllocationError(_("The cost allocation stored at adoption cannot change."))


class StoredAllocationQuerySet(AppendOnlyQuerySet):
    """No bulk path rewrites or removes a stored allocation; inserts are checked by the model."""

    def refuse(self):
        _refuse_change()

    def check_new(self, objs: list) -> None:
        self.model.check_new(objs)


class AppendOnly(models.Model):
    """Written once, in full, with its document's adoption; never changed or deleted.

    A set is complete when written: the header says how many rows and what total, a row how many
    items, and an insert that does not complete an empty set exactly is refused."""

    objects = StoredAllocationQuerySet.as_manager()

    class Meta:
        abstract = True
        default_permissions = ("view",)  # nobody, not even through a permission, adds, changes or deletes
        base_manager_name = "objects"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding or (self.pk is not None and type(self).objects.filter(pk=self.pk).exists()):
            _refuse_change()
        type(self).check_new([self])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_change()

    @classmethod
    def check_new(cls, objs: list) -> None:
        raise NotImplementedError


class StoredAllocation(OfOneDocument, AppendOnly):
    """The cost allocation of a budget, amendment or annual accounts as the AB adopted it, with
    what it was based on. With ``participants_on``: the joining scenario stored with a budget (the
    participants of that date for the whole year)."""

    budget, accounts = document_fields(on_delete=models.PROTECT, related_name="stored_allocations")
    participants_on = models.DateField(_("scenario: the participants of"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    days_in_year = models.PositiveSmallIntegerField(_("days in the year"))
    method = models.CharField(_("basis of the contributions"), max_length=12, choices=AllocationMethod.choices)
    reference_date = models.DateField(_("reference date for the inhabitants"))
    basic_cost = models.DecimalField(
        _("basic package"), **MONEY, help_text=_("Contingency included, before the DVO fees; realised in the accounts.")
    )
    total = models.DecimalField(_("total"), **MONEY)
    row_count = models.PositiveSmallIntegerField(_("rows"))
    stored_at = models.DateTimeField(_("stored"), default=timezone.now)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stored by"),
        help_text=_("Empty: stored by the system (the data migration or the demo data)."),
    )

    class Meta(AppendOnly.Meta):
        verbose_name = _("stored cost allocation")
        verbose_name_plural = _("stored cost allocations")
        # The document's own allocation first, then its scenario, on every database.
        ordering = ["-year", "budget", "accounts", models.F("participants_on").asc(nulls_first=True)]
        constraints = [
            one_document("stored_allocation_of_one_document", participants_on__isnull=True),
            models.CheckConstraint(condition=Q(row_count__gte=1), name="stored_allocation_has_rows"),
            models.UniqueConstraint(
                fields=["budget"], condition=Q(participants_on__isnull=True), name="one_stored_allocation_per_budget"
            ),
            models.UniqueConstraint(fields=["budget", "participants_on"], name="one_stored_scenario_per_date"),
            models.UniqueConstraint(fields=["accounts"], name="one_stored_allocation_per_accounts"),
        ]

    def __str__(self) -> str:
        text = str(self.document)
        if self.participants_on:
            text += " – " + str(
                _("scenario: the participants of %(date)s") % {"date": f"{self.participants_on:%d-%m-%Y}"}
            )
        return text

    @classmethod
    def check_new(cls, objs: list[StoredAllocation]) -> None:
        """Only for a document that has been adopted (the adoption stores it in its transaction),
        and once: a second allocation for the same document is refused."""
        for obj in objs:
            document = obj.document
            frozen = type(document).objects.filter(pk=document.pk, status__in=document.frozen_statuses).exists()
            if not frozen:
                raise StoredAllocationError(_("Only the allocation of an adopted document is stored."))
            if cls.of(document, obj.participants_on).exists():
                _refuse_change()

    @classmethod
    def of(cls, document: Budget | AnnualAccounts, participants_on: datetime.date | None = None):
        """The stored allocation of ``document`` (of a budget: its own, or with ``participants_on``
        a side of its joining scenario)."""
        if document.is_accounts:
            return cls.objects.filter(accounts=document)
        return cls.objects.filter(budget=document, participants_on=participants_on)


PARTS = models.F("basic") + models.F("plus") + models.F("dvo") + models.F("care")
HALF_CENT = models.Value(Decimal("0.005"))


class StoredAllocationRow(AppendOnly):
    """One municipality in a stored allocation: its basis, every part and the total."""

    allocation = models.ForeignKey(
        StoredAllocation, on_delete=models.PROTECT, related_name="rows", verbose_name=_("stored cost allocation")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    days = models.PositiveSmallIntegerField(
        _("days of membership"), null=True, blank=True, help_text=_("Empty: not a participant (it only buys).")
    )
    inhabitants = models.PositiveIntegerField(_("inhabitants"), null=True, blank=True)
    inhabitants_date = models.DateField(_("inhabitants on"), null=True, blank=True)
    key_percent = models.DecimalField(_("key share (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    share = models.DecimalField(
        _("share of the basic package (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    basic = models.DecimalField(_("basic package"), **MONEY)
    plus = models.DecimalField(_("plus packages"), **MONEY)
    dvo = models.DecimalField(_("DVO fees"), **MONEY)
    care = models.DecimalField(_("care costs"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    settlement = models.DecimalField(
        _("settlement"), **MONEY, null=True, blank=True, help_text=_("Annual accounts: + back to the municipality.")
    )
    item_count = models.PositiveSmallIntegerField(_("items"))

    class Meta(AppendOnly.Meta):
        verbose_name = _("stored allocation row")
        verbose_name_plural = _("stored allocation rows")
        ordering = ["allocation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "municipality"], name="one_stored_row_per_municipality"),
            models.UniqueConstraint(fields=["allocation", "position"], name="one_stored_row_per_position"),
            # Within half a cent: SQLite adds decimals as floating point; PostgreSQL exactly.
            models.CheckConstraint(
                condition=Q(total__gte=PARTS - HALF_CENT, total__lte=PARTS + HALF_CENT),
                name="stored_row_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=True, share__isnull=True) | Q(days__isnull=False, share__isnull=False),
                name="stored_row_participant_has_a_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.total}"

    @classmethod
    def check_new(cls, objs: list[StoredAllocationRow]) -> None:
        """The rows of an allocation arrive all at once and add up to its header."""
        by_allocation: dict[int, list[StoredAllocationRow]] = {}
        for obj in objs:
            if obj.total != obj.basic + obj.plus + obj.dvo + obj.care:
                raise StoredAllocationError(_("The parts of a stored row do not add up to its total."))
            by_allocation.setdefault(obj.allocation_id, []).append(obj)
        headers = StoredAllocation.objects.in_bulk(list(by_allocation))
        for allocation_id, rows in by_allocation.items():
            header = headers.get(allocation_id)
            if header is None or cls.objects.filter(allocation_id=allocation_id).exists():
                _refuse_change()
            if len(rows) != header.row_count or sum((r.total for r in rows), Decimal(0)) != header.total:
                raise StoredAllocationError(_("The rows do not add up to the stored allocation."))


class AllocationPart(models.TextChoices):
    PLUS = "plus", _("plus package")
    DVO = "dvo", _("service agreement (DVO)")
    CARE = "care", _("care costs")


class StoredAllocationItem(AppendOnly):
    """A line of a stored row as its statement shows it: a plus package, a DVO fee, care costs."""

    row = models.ForeignKey(
        StoredAllocationRow, on_delete=models.PROTECT, related_name="items", verbose_name=_("stored allocation row")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    part = models.CharField(_("part"), max_length=4, choices=AllocationPart.choices)
    label = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta(AppendOnly.Meta):
        verbose_name = _("stored allocation item")
        verbose_name_plural = _("stored allocation items")
        ordering = ["row", "position"]
        constraints = [models.UniqueConstraint(fields=["row", "position"], name="one_stored_item_per_position")]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"

    @classmethod
    def check_new(cls, objs: list[StoredAllocationItem]) -> None:
        """The items of a row arrive all at once and add up to its parts."""
        by_row: dict[int, list[StoredAllocationItem]] = {}
        for obj in objs:
            by_row.setdefault(obj.row_id, []).append(obj)
        rows = StoredAllocationRow.objects.in_bulk(list(by_row))
        for row_id, items in by_row.items():
            row = rows.get(row_id)
            if row is None or cls.objects.filter(row_id=row_id).exists():
                _refuse_change()
            parts = {
                part: sum((i.amount for i in items if i.part == part), Decimal(0)) for part in AllocationPart.values
            }
            if len(items) != row.item_count or parts != {"plus": row.plus, "dvo": row.dvo, "care": row.care}:
                raise StoredAllocationError(_("The items do not add up to the stored row."))
