"""The budget of a module for a year, its lines, the legal deadlines and the council views.

Totals are computed (`budgeting.services`), never typed. An adopted budget is frozen: its lines
(and its implementation plan) refuse every change on the model and on the QuerySet; changes go
through an amendment, which is a new version of the budget with its own decision path.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.documents import BUDGET, CycleDocument, OfOneDocument, document_fields, one_document
from entity.models import Function, Module
from municipalities.models import Municipality
from portal.storage import PrivateStorage

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")
YEARS_AHEAD = 3  # the multi-year estimate covers the three years after the budget year


class BudgetFrozenError(Exception):
    """An adopted budget cannot change; the message is for the user."""


class DeadlineRules(models.Model):
    """The dates of the Wet gemeenschappelijke regelingen (as of 1 July 2022), in one place.

    The defaults are the law's; a regulation may set stricter dates, which a manager enters in
    the admin. There is one row.
    """

    framework_month = models.PositiveSmallIntegerField(_("framework letter before: month"), default=4)
    framework_day = models.PositiveSmallIntegerField(_("framework letter before: day"), default=30)
    view_weeks = models.PositiveSmallIntegerField(_("weeks for council views"), default=12)
    province_days = models.PositiveSmallIntegerField(_("days to send an adopted document to GS"), default=14)
    budget_province_month = models.PositiveSmallIntegerField(_("budget to GS before: month"), default=9)
    budget_province_day = models.PositiveSmallIntegerField(_("budget to GS before: day"), default=15)
    accounts_councils_month = models.PositiveSmallIntegerField(_("draft accounts to councils before: month"), default=4)
    accounts_councils_day = models.PositiveSmallIntegerField(_("draft accounts to councils before: day"), default=30)
    accounts_province_month = models.PositiveSmallIntegerField(_("accounts to GS before: month"), default=7)
    accounts_province_day = models.PositiveSmallIntegerField(_("accounts to GS before: day"), default=15)

    class Meta:
        verbose_name = _("deadline rules")
        verbose_name_plural = _("deadline rules")

    # Each "before" date as its (month, day) fields; the field defaults are the law's dates.
    DATES = (
        ("framework_month", "framework_day"),
        ("budget_province_month", "budget_province_day"),
        ("accounts_councils_month", "accounts_councils_day"),
        ("accounts_province_month", "accounts_province_day"),
    )

    def __str__(self) -> str:
        return str(_("Deadlines of the Wgr"))

    def clean(self) -> None:
        """Real dates (in every year: not 29 February), and only stricter than the law: an earlier
        date, a longer view period for the councils, fewer days to send a document to GS."""
        errors = {}
        law = {f.name: f.default for f in self._meta.fields if f.has_default()}
        for month, day in self.DATES:
            try:
                chosen = datetime.date(2001, getattr(self, month), getattr(self, day))
            except (TypeError, ValueError):
                errors[day] = _("This day does not exist in that month in every year.")
                continue
            latest = datetime.date(2001, law[month], law[day])
            if chosen > latest:
                errors[day] = _("The law sets %(date)s at the latest; a regulation may set an earlier date.") % {
                    "date": f"{latest:%d-%m}"
                }
        if self.view_weeks is not None and self.view_weeks < law["view_weeks"]:
            errors["view_weeks"] = _("Councils have at least %(weeks)d weeks for their view (art. 35 Wgr).") % {
                "weeks": law["view_weeks"]
            }
        if self.province_days is not None and self.province_days > law["province_days"]:
            errors["province_days"] = _("The law allows at most %(days)d days; a regulation may set fewer.") % {
                "days": law["province_days"]
            }
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> DeadlineRules:
        return cls.objects.first() or cls()


class DecidedByTheBoard:
    """When the AB may date its decision on a budget, an amendment or annual accounts.

    The meeting has taken place (a decision is recorded afterwards, never ahead), the DB has
    proposed the document, the councils' view period on a draft sent to them has ended (art. 35
    Wgr), and an earlier decision on the same document is not overtaken by a later one dated
    before it. The service, the page, the model and the QuerySet of `BoardDecision` all ask here.
    """

    def earliest_ab_meeting(self) -> datetime.date | None:
        """The end of the councils' view period; None when the document has none."""
        return None

    def meeting_year_error(self, date: datetime.date) -> str | None:
        """Why the AB cannot decide in the year of ``date`` (art. 34 Wgr), or None."""
        return None

    def first_meeting_day(self) -> datetime.date | None:
        return None

    def last_meeting_day(self) -> datetime.date | None:
        return None

    def last_decision_on(self, exclude: int | None = None) -> datetime.date | None:
        if self.pk is None:
            return None
        return self.decisions.exclude(pk=exclude).aggregate(last=Max("meeting_on"))["last"]

    def decision_date_errors(
        self, on: datetime.date, *, today: datetime.date | None = None, exclude: int | None = None
    ) -> list[str]:
        """What is wrong with a decision dated ``on``, each saying what is expected; [] if nothing."""
        today = today or timezone.localdate()
        errors = []
        if on > today:
            errors.append(
                _("The meeting date is after today (%(today)s); a decision is recorded after the meeting.")
                % {"today": f"{today:%d-%m-%Y}"}
            )
        if self.proposed_on is None:
            errors.append(_("The DB has not proposed this document to the AB; the AB decides on what the DB proposes."))
        elif on < self.proposed_on:
            errors.append(
                _("The meeting date is before the proposal of the DB on %(date)s; the AB decides on %(date)s or later.")
                % {"date": f"{self.proposed_on:%d-%m-%Y}"}
            )
        view_end = self.earliest_ab_meeting()
        if view_end is not None and on < view_end:
            errors.append(
                _(
                    "The meeting date is too early: the AB decides not before the end of the councils' view period "
                    "on %(date)s, %(weeks)d weeks after the draft was sent on %(sent)s (art. 35 Wgr)."
                )
                % {"date": f"{view_end:%d-%m-%Y}", "weeks": DeadlineRules.current().view_weeks, "sent": self.sent_label}
            )
        last = self.last_decision_on(exclude=exclude)
        if last is not None and on < last:
            errors.append(
                _(
                    "An earlier decision on this document was taken on %(date)s; a later decision is not dated "
                    "before it."
                )
                % {"date": f"{last:%d-%m-%Y}"}
            )
        year = self.meeting_year_error(on)
        if year:
            errors.append(year)
        return errors

    def check_decision_date(self, on: datetime.date) -> None:
        errors = self.decision_date_errors(on)
        if errors:
            raise ValidationError(errors)

    @property
    def sent_label(self) -> str:
        return f"{self.draft_sent_on:%d-%m-%Y}" if self.draft_sent_on else ""

    def decision_opens(self) -> tuple[datetime.date, str] | None:
        """The first day the AB can date its decision, with the reason; None before the DB proposed."""
        if self.proposed_on is None:
            return None
        bounds = [(self.proposed_on, _("the DB proposes it on that day"))]
        view_end = self.earliest_ab_meeting()
        if view_end is not None:
            bounds.append(
                (
                    view_end,
                    _(
                        "until then the councils may give their view (the view period of %(weeks)d weeks after the "
                        "draft was sent on %(sent)s, art. 35 Wgr)"
                    )
                    % {"weeks": DeadlineRules.current().view_weeks, "sent": self.sent_label},
                )
            )
        last = self.last_decision_on()
        if last is not None:
            bounds.append((last, _("an earlier decision on it is dated then")))
        first = self.first_meeting_day()
        if first is not None:
            bounds.append((first, _("the AB adopts the annual accounts after the year has ended")))
        return max(bounds, key=lambda bound: bound[0])

    def decision_blocked(self, today: datetime.date | None = None) -> str | None:
        """Why the AB cannot record a decision on this document today, and from when it can; None
        when it can."""
        today = today or timezone.localdate()
        opens = self.decision_opens()
        if self.status != BudgetStatus.PROPOSED or opens is None:
            return _(
                "This document is %(status)s: the AB decides on what the DB proposes. The decision can be recorded "
                "here once the DB has proposed it."
            ) % {"status": self.get_status_display()}
        day, reason = opens
        if day > today:
            return _(
                "The AB can decide on this document from %(date)s: %(reason)s. Record the decision here after that "
                "meeting."
            ) % {"date": f"{day:%d-%m-%Y}", "reason": reason}
        latest = self.last_meeting_day()
        if latest is not None and day > latest:
            return self.meeting_year_error(day)
        return None


class AllocationMethod(models.TextChoices):
    INHABITANTS = "inhabitants", _("by inhabitants on the reference date")
    KEY = "key", _("by a fixed key agreed between the participants")


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    FRAMEWORK_SENT = "framework", _("framework letter sent")
    DRAFT_SENT = "councils", _("draft budget sent to the councils")
    PROPOSED = "proposed", _("proposed by the DB")
    ADOPTED = "adopted", _("adopted by the AB")
    SENT_TO_PROVINCE = "province", _("sent to the province (GS)")
    SUPERSEDED = "superseded", _("replaced by an amendment")


FROZEN_STATUSES = (BudgetStatus.ADOPTED, BudgetStatus.SENT_TO_PROVINCE, BudgetStatus.SUPERSEDED)
ADOPTED_STATUSES = (BudgetStatus.ADOPTED, BudgetStatus.SENT_TO_PROVINCE)


class FreezeQuerySet(models.QuerySet):
    """Bulk paths check the freeze too: no code path may change a row of an adopted document,
    move a row out of one or into one."""

    def _refuse(self, objs=None) -> None:
        model = self.model
        model.refuse_frozen(model.stored_documents(self) if objs is None else model.documents_of(objs))

    def update(self, **kwargs):
        self._refuse()
        self.model.refuse_frozen(self.model.documents_of_values(kwargs))
        return super().update(**kwargs)

    def delete(self):
        self._refuse()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not self.model.frozen_takes_new_records:
            self._refuse(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        self._refuse(objs)
        self.model._default_manager.filter(pk__in=[o.pk for o in objs])._refuse()
        return super().bulk_update(objs, fields, *args, **kwargs)


class FrozenWithParent(models.Model):
    """A row that is fixed once its document (budget or annual accounts) is adopted.

    ``freeze_parent`` is the path to the document, or several (a decision is on a budget or on
    annual accounts; a vote through its decision). The row is checked where it is and where it
    would go: it is not changed, deleted, moved out of an adopted document or into one. A record
    of the cycle (a decision, a vote, a step) is written as the document is adopted, so
    ``frozen_takes_new_records`` lets new ones be added; it never changes afterwards."""

    freeze_parent: ClassVar[str | tuple[str, ...]] = "budget"
    frozen_takes_new_records: ClassVar[bool] = False

    objects = FreezeQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        cls = type(self)
        if not self._state.adding:
            cls.refuse_frozen(cls.stored_documents(cls._default_manager.filter(pk=self.pk)))
        if not (self._state.adding and cls.frozen_takes_new_records):
            cls.refuse_frozen(cls.documents_of([self]))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        cls = type(self)
        cls.refuse_frozen(cls.stored_documents(cls._default_manager.filter(pk=self.pk)))
        cls.refuse_frozen(cls.documents_of([self]))
        return super().delete(*args, **kwargs)

    @classmethod
    def freeze_paths(cls) -> tuple[str, ...]:
        return (cls.freeze_parent,) if isinstance(cls.freeze_parent, str) else tuple(cls.freeze_parent)

    @classmethod
    def document_model(cls, path: str):
        model = cls
        for hop in path.split("__"):
            model = model._meta.get_field(hop).related_model
        return model

    @classmethod
    def parent_model(cls):
        return cls.document_model(cls.freeze_paths()[0])

    @classmethod
    def stored_documents(cls, queryset) -> list[tuple[type[models.Model], list]]:
        """The documents the rows of ``queryset`` belong to in the database."""
        return [(cls.document_model(path), list(queryset.values_list(path, flat=True))) for path in cls.freeze_paths()]

    @classmethod
    def documents_of(cls, objs) -> list[tuple[type[models.Model], list]]:
        """The documents these objects belong to as they are in memory."""
        result = []
        for path in cls.freeze_paths():
            first, _sep, rest = path.partition("__")
            field = cls._meta.get_field(first)
            ids = [getattr(obj, field.attname) for obj in objs]
            if rest:
                ids = list(field.related_model._base_manager.filter(pk__in=ids).values_list(rest, flat=True))
            result.append((cls.document_model(path), ids))
        return result

    @classmethod
    def documents_of_values(cls, values: dict) -> list[tuple[type[models.Model], list]]:
        """The documents rows would belong to after ``update(**values)`` sets their parent."""
        result = []
        for path in cls.freeze_paths():
            first, _sep, rest = path.partition("__")
            field = cls._meta.get_field(first)
            for key in {field.name, field.attname} & set(values):
                value = values[key]
                if hasattr(value, "resolve_expression"):  # computed in the database: any document
                    targets = field.related_model._base_manager.all()
                else:
                    targets = field.related_model._base_manager.filter(pk=getattr(value, "pk", value))
                result.append((cls.document_model(path), list(targets.values_list(rest or "pk", flat=True))))
        return result

    @classmethod
    def refuse_frozen(cls, documents) -> None:
        for model, ids in documents:
            ids = [i for i in ids if i is not None]
            if ids:
                model.refuse_changes(ids)


class FrozenDocumentQuerySet(models.QuerySet):
    """An adopted document refuses every bulk change but its status moving on, and deletion."""

    def update(self, **kwargs):
        self.model.refuse_frozen_update(self, kwargs)
        return super().update(**kwargs)

    def delete(self):
        self.model.refuse_changes(list(self.values_list("pk", flat=True)))
        return super().delete()

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        self.model.refuse_changes([o.pk for o in objs])
        return super().bulk_update(objs, fields, *args, **kwargs)


# What may still change on an adopted document: its status, moving on along ``frozen_moves``, and
# the date it went to GS (with the step that sends it there).
MOVING_FIELDS = frozenset({"status", "sent_to_province_on"})


class FrozenDocument(models.Model):
    """A budget, amendment or annual accounts. Once adopted it no longer changes and is not
    deleted (its lines would go with it): only its status moves on (to GS, replaced by an
    amendment). Its rows are frozen by `FrozenWithParent`."""

    frozen_moves: ClassVar[dict[str, frozenset[str]]] = {}

    objects = FrozenDocumentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            before = type(self)._base_manager.filter(pk=self.pk).values().first()
            if before and before["status"] in self.frozen_moves:
                update_fields = kwargs.get("update_fields")
                changes = {
                    f.name: getattr(self, f.attname)
                    for f in self._meta.concrete_fields
                    if not f.primary_key
                    and (update_fields is None or f.name in update_fields or f.attname in update_fields)
                    and (getattr(self, f.attname) if f.is_relation else f.to_python(getattr(self, f.attname)))
                    != before[f.attname]
                }
                type(self).refuse_frozen_change({before["status"]}, changes, [self.pk])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        type(self).refuse_changes([self.pk])
        return super().delete(*args, **kwargs)

    @classmethod
    def refuse_frozen_update(cls, queryset, values: dict) -> None:
        frozen = queryset.filter(status__in=list(cls.frozen_moves))
        statuses = set(frozen.values_list("status", flat=True))
        if statuses:
            cls.refuse_frozen_change(statuses, values, list(frozen.values_list("pk", flat=True)))

    @classmethod
    def refuse_frozen_change(cls, statuses: set[str], changes: dict, ids) -> None:
        if not changes:
            return
        names = {cls._meta.get_field(name).name for name in changes}
        new = changes.get("status")
        moves_on = (
            names <= MOVING_FIELDS
            and isinstance(new, str)
            and all(new in cls.frozen_moves[status] for status in statuses)
            and ("sent_to_province_on" not in names or new == "province")
        )
        if not moves_on:
            cls.refuse_changes(ids)


class Budget(CycleDocument, DecidedByTheBoard, FrozenDocument):
    document_kind = BUDGET
    frozen_statuses = FROZEN_STATUSES

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("module"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=BudgetStatus.choices, default=BudgetStatus.DRAFT)
    contingency_percent = models.DecimalField(
        _("contingency (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Unforeseen costs, as a percentage of the other lines (seed 003: 5 %)."),
    )
    indexation_percent = models.DecimalField(
        _("yearly indexation (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(-100)), MaxValueValidator(Decimal(100))],
        help_text=_("Applied to structural lines in each year of the multi-year estimate."),
    )
    framework_sent_on = models.DateField(_("framework letter sent on"), null=True, blank=True)
    draft_sent_on = models.DateField(_("draft budget sent to the councils on"), null=True, blank=True)
    ab_meeting_on = models.DateField(_("AB meeting that adopts it"), null=True, blank=True)
    proposed_on = models.DateField(_("proposed by the DB on"), null=True, blank=True)
    adopted_on = models.DateField(_("adopted by the AB on"), null=True, blank=True)
    sent_to_province_on = models.DateField(_("sent to GS on"), null=True, blank=True)
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends version"),
    )
    reason = models.TextField(_("reason for the amendment"), blank=True)
    needs_council_views = models.BooleanField(
        _("councils give their view"),
        default=True,
        help_text=_("An amendment that changes the contributions of the municipalities goes to the councils first."),
    )
    allocation_method = models.CharField(
        _("basis of the contributions"),
        max_length=12,
        choices=AllocationMethod.choices,
        default=AllocationMethod.INHABITANTS,
        help_text=_("How the basic package is split over the participants."),
    )
    allocation_reference_date = models.DateField(
        _("reference date for the inhabitants"),
        null=True,
        blank=True,
        help_text=_("Empty: 1 January of the year before the budget year."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    frozen_moves = {
        BudgetStatus.ADOPTED: frozenset({BudgetStatus.SENT_TO_PROVINCE, BudgetStatus.SUPERSEDED}),
        BudgetStatus.SENT_TO_PROVINCE: frozenset({BudgetStatus.SUPERSEDED}),
        BudgetStatus.SUPERSEDED: frozenset(),
    }

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "module", "-version"]
        constraints = [models.UniqueConstraint(fields=["module", "year", "version"], name="one_budget_version")]

    def __str__(self) -> str:
        if self.amends_id:
            return f"Begrotingswijziging {self.version - 1} van {self.year} module {self.module.number}"
        return f"Begroting {self.year} module {self.module.number}"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:detail", args=[self.pk])

    def get_pdf_url(self) -> str:
        return reverse("budgeting:pdf", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def reference_date(self) -> datetime.date:
        """The date of the inhabitants that split the basic package (by default 1 January of Y-1)."""
        return self.allocation_reference_date or datetime.date(self.year - 1, 1, 1)

    @property
    def is_editable(self) -> bool:
        """Lines and plan change only before the draft goes to the councils: they comment on a
        fixed document. After that, a rejection by the AB reopens it."""
        return self.status in (BudgetStatus.DRAFT, BudgetStatus.FRAMEWORK_SENT)

    def get_status_display(self) -> str:
        if self.is_amendment and self.status == BudgetStatus.DRAFT_SENT:
            return str(_("draft amendment sent to the councils"))
        return str(BudgetStatus(self.status).label)

    @property
    def is_amendment(self) -> bool:
        return self.amends_id is not None

    @property
    def next_db_step(self) -> str | None:
        """The DB's next step on this budget or amendment, or None when it waits for someone else."""
        if self.status == BudgetStatus.DRAFT:
            if not self.is_amendment:
                return "framework"
            return "draft" if self.needs_council_views else "propose"
        return {
            BudgetStatus.FRAMEWORK_SENT: "draft",
            BudgetStatus.DRAFT_SENT: "propose",
            BudgetStatus.ADOPTED: "province",
        }.get(self.status)

    @classmethod
    def refuse_changes(cls, ids) -> None:
        refuse_if_frozen(ids)

    def earliest_ab_meeting(self) -> datetime.date | None:
        """Councils have the full view period after the draft is sent (art. 35 Wgr)."""
        if self.draft_sent_on is None:
            return None
        return self.draft_sent_on + datetime.timedelta(weeks=DeadlineRules.current().view_weeks)

    def meeting_year_error(self, date: datetime.date) -> str | None:
        if date.year >= self.year and not self.is_amendment:
            return _("The AB adopts the budget in the year before the budget year (art. 34 Wgr).")
        return None

    def last_meeting_day(self) -> datetime.date | None:
        return None if self.is_amendment else datetime.date(self.year - 1, 12, 31)

    def check_ab_meeting(self, date: datetime.date) -> None:
        """Planning the AB meeting: councils get their full view period, a budget is adopted in the
        year before it."""
        earliest = self.earliest_ab_meeting()
        if earliest is not None and date < earliest:
            raise ValidationError(
                _(
                    "The AB can decide from %(date)s: councils have %(weeks)d weeks for their view after the "
                    "draft is sent on %(sent)s."
                )
                % {
                    "date": f"{earliest:%d-%m-%Y}",
                    "weeks": DeadlineRules.current().view_weeks,
                    "sent": f"{self.draft_sent_on:%d-%m-%Y}",
                }
            )
        year = self.meeting_year_error(date)
        if year:
            raise ValidationError(year)


class LineKind(models.TextChoices):
    PERSONNEL = "personnel", _("personnel")
    OTHER = "other", _("other costs")


class Nature(models.TextChoices):
    STRUCTURAL = "structural", _("structural")
    INCIDENTAL = "incidental", _("incidental (this year only)")


class Package(models.TextChoices):
    BASIC = "basic", _("basic package (all participants)")
    PLUS = "plus", _("plus package (one municipality)")


def refuse_if_frozen(budget_ids) -> None:
    """Raise when any of these budgets has been adopted: its lines are fixed."""
    if Budget.objects.filter(pk__in=set(budget_ids), status__in=FROZEN_STATUSES).exists():
        raise BudgetFrozenError(_("This budget has been adopted; its lines cannot change. Make an amendment."))


class BudgetLine(FrozenWithParent):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines", verbose_name=_("budget"))
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    function = models.ForeignKey(
        Function, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("function")
    )
    salary_scale = models.CharField(_("salary scale"), max_length=10, blank=True)
    fte = models.DecimalField(
        _("FTE"), max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    cost_per_fte = models.DecimalField(
        _("annual cost per FTE"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    nature = models.CharField(_("nature"), max_length=10, choices=Nature.choices, default=Nature.STRUCTURAL)
    package = models.CharField(_("package"), max_length=5, choices=Package.choices, default=Package.BASIC)
    plus_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plus_lines",
        verbose_name=_("municipality (plus package)"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    source_line = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line in the amended version"),
    )

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["budget", "kind", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(package="plus", plus_municipality__isnull=False)
                    | Q(package="basic", plus_municipality__isnull=True)
                ),
                name="plus_line_names_its_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        errors = {}
        if self.kind == LineKind.PERSONNEL:
            for name in ("function", "fte", "cost_per_fte"):
                if getattr(self, name) in (None, ""):
                    errors[name] = _("A personnel line needs a function, FTE and the annual cost per FTE.")
            if self.amount is not None:
                errors["amount"] = _("A personnel line is FTE × cost per FTE; leave the amount empty.")
        elif self.amount is None:
            errors["amount"] = _("Enter the amount of this line.")
        if self.package == Package.PLUS and not self.plus_municipality_id:
            errors["plus_municipality"] = _("A plus-package line is charged to one municipality: choose it.")
        if self.package == Package.BASIC and self.plus_municipality_id:
            errors["plus_municipality"] = _("A basic-package line is shared by all participants.")
        if errors:
            raise ValidationError(errors)

    @property
    def base_amount(self) -> Decimal:
        """The amount for the budget year, computed for personnel (FTE × cost per FTE)."""
        if self.kind == LineKind.PERSONNEL:
            return (Decimal(self.fte or 0) * Decimal(self.cost_per_fte or 0)).quantize(CENT, ROUND_HALF_UP)
        return Decimal(self.amount or 0)

    def amount_in(self, offset: int, indexation_percent: Decimal) -> Decimal:
        """The amount in budget year + offset (0 = the budget year) of the multi-year estimate."""
        if offset and self.nature == Nature.INCIDENTAL:
            return Decimal("0.00")
        factor = (1 + Decimal(indexation_percent) / 100) ** offset
        return (self.base_amount * factor).quantize(CENT, ROUND_HALF_UP)


class ViewOpinion(models.TextChoices):
    NO_OBJECTION = "none", _("no objection")
    OBJECTION = "objection", _("objection")


class CouncilView(FrozenWithParent):
    """A council's view (zienswijze) on a draft budget, and the DB's reasoned reply (required);
    part of the record once the budget is adopted."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="council_views", verbose_name=_("budget"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="council_views", verbose_name=_("municipality")
    )
    opinion = models.CharField(_("view"), max_length=10, choices=ViewOpinion.choices)
    text = models.TextField(_("points of the council"), blank=True)
    decided_on = models.DateField(_("council decision of"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    reply = models.TextField(_("reply of the DB"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    decision_file = models.FileField(
        _("council decision (PDF)"),
        upload_to="raadsbesluiten/%Y/",
        storage=PrivateStorage(),
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )

    class Meta:
        verbose_name = _("council view")
        verbose_name_plural = _("council views")
        ordering = ["municipality__name"]
        constraints = [models.UniqueConstraint(fields=["budget", "municipality"], name="one_view_per_council")]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_opinion_display()}"

    def clean(self) -> None:
        if self.opinion == ViewOpinion.OBJECTION and not self.text.strip():
            raise ValidationError({"text": _("An objection needs the council's points.")})


class DecisionOutcome(models.TextChoices):
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")
    POSTPONED = "postponed", _("postponed")


class Vote(models.TextChoices):
    FOR = "for", _("for")
    AGAINST = "against", _("against")
    ABSTAIN = "abstain", _("abstained")
    ABSENT = "absent", _("absent")


@dataclass(frozen=True)
class VoteTally:
    """The votes of a meeting counted: who voted for, against or abstained, who was there."""

    for_votes: int
    against: int
    abstained: int
    absent: int

    @classmethod
    def of(cls, votes: Iterable[str]) -> VoteTally:
        votes = list(votes)
        return cls(*(votes.count(vote) for vote in (Vote.FOR, Vote.AGAINST, Vote.ABSTAIN, Vote.ABSENT)))

    @property
    def members(self) -> int:
        return self.for_votes + self.against + self.abstained + self.absent

    @property
    def present(self) -> int:
        return self.members - self.absent

    @property
    def carries_adoption(self) -> bool:
        """More votes for than against; abstentions and absences are not counted."""
        return self.for_votes > self.against


TIMING_FIELDS = frozenset({"meeting_on", "budget", "budget_id", "accounts", "accounts_id"})


class DecisionQuerySet(FreezeQuerySet):
    """Bulk paths check the date of a decision as `BoardDecision.save()` does: a date set with
    bulk_create, update or bulk_update is held to the same rules."""

    _timing_checked = False  # set by bulk_update, which checks its objects and then calls update()

    def _clone(self):
        clone = super()._clone()
        clone._timing_checked = self._timing_checked
        return clone

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for decision in objs:
            decision.full_clean()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if TIMING_FIELDS & set(fields):
            for decision in objs:
                decision.check_timing(changed=True)
        checked = self._chain()
        checked._timing_checked = True
        return super(DecisionQuerySet, checked).bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if TIMING_FIELDS & set(kwargs) and not self._timing_checked:
            for decision in self:
                for name, value in kwargs.items():
                    decision.set_for_check(name, value)
                decision.check_timing(changed=True)
        return super().update(**kwargs)


class BoardDecision(OfOneDocument, FrozenWithParent):
    """The AB's decision on a proposed budget, amendment or annual accounts in a meeting, with
    attendance and votes."""

    freeze_parent = ("budget", "accounts")
    frozen_takes_new_records = True

    budget, accounts = document_fields(on_delete=models.CASCADE, related_name="decisions")
    meeting_on = models.DateField(_("meeting date"))
    outcome = models.CharField(_("decision"), max_length=10, choices=DecisionOutcome.choices)
    minutes_reference = models.CharField(_("minutes reference"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("board decision")
        verbose_name_plural = _("board decisions")
        ordering = ["-meeting_on", "-id"]
        constraints = [one_document("decision_on_one_document")]

    def __str__(self) -> str:
        return f"{self.linked_document}: {self.get_outcome_display()} ({self.meeting_on:%d-%m-%Y})"

    def save(self, *args, **kwargs) -> None:
        self.full_clean()  # every path that saves a decision holds to its date rules
        super().save(*args, **kwargs)

    @property
    def document(self) -> DecidedByTheBoard | None:
        """The budget, amendment or annual accounts as stored now (not a copy changed in memory)."""
        name = self.document_field
        if name is None:
            return None
        model = self._meta.get_field(name).related_model
        documents = model.objects.select_related(*model.loaded_with) if model.loaded_with else model.objects
        return documents.get(pk=getattr(self, f"{name}_id"))

    def _timing_changed(self) -> bool:
        if self._state.adding or self.pk is None:
            return True
        stored = type(self).objects.filter(pk=self.pk).values("meeting_on", "budget_id", "accounts_id").first()
        return stored != {"meeting_on": self.meeting_on, "budget_id": self.budget_id, "accounts_id": self.accounts_id}

    def timing_errors(self, *, changed: bool | None = None) -> list[str]:
        """The date rules of `DecidedByTheBoard`, for a new decision or a changed date or document."""
        if not isinstance(self.meeting_on, datetime.date) or self.document_field is None:
            return []  # the field and the constraint report these
        if not (self._timing_changed() if changed is None else changed):
            return []
        return self.document.decision_date_errors(self.meeting_on, exclude=self.pk)

    def check_timing(self, *, changed: bool | None = None) -> None:
        errors = self.timing_errors(changed=changed)
        if errors:
            raise ValidationError({"meeting_on": errors})

    def set_for_check(self, name: str, value) -> None:
        """Apply a QuerySet.update() value to this copy so that it can be checked first."""
        if hasattr(value, "resolve_expression"):
            raise ValidationError(
                {name: _("The date and document of a decision are set as values, so that they can be checked.")}
            )
        field = self._meta.get_field(name)
        if isinstance(value, models.Model) or not field.is_relation:
            setattr(self, field.name, field.to_python(value) if not field.is_relation else value)
        else:
            setattr(self, field.attname, value)

    def clean(self) -> None:
        self.check_timing()


class MemberVote(FrozenWithParent):
    freeze_parent = ("decision__budget", "decision__accounts")
    frozen_takes_new_records = True

    decision = models.ForeignKey(
        BoardDecision, on_delete=models.CASCADE, related_name="votes", verbose_name=_("decision")
    )
    seat = models.ForeignKey("entity.BoardSeat", on_delete=models.PROTECT, related_name="+", verbose_name=_("seat"))
    vote = models.CharField(_("vote"), max_length=10, choices=Vote.choices)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["decision", "seat"], name="one_vote_per_seat")]

    def __str__(self) -> str:
        return f"{self.seat}: {self.get_vote_display()}"


class CycleStep(OfOneDocument, FrozenWithParent):
    """A step in the cycle of a budget, amendment or annual accounts: who took it, for which date,
    and when it was entered. Written by `budgeting.services`, never edited."""

    freeze_parent = ("budget", "accounts")
    frozen_takes_new_records = True

    budget, accounts = document_fields(on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("new status"), max_length=10)
    on = models.DateField(_("date of the step"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("step in the cycle")
        verbose_name_plural = _("steps in the cycle")
        ordering = ["at", "id"]
        constraints = [one_document("step_of_one_document")]

    def __str__(self) -> str:
        return f"{self.document}: {self.status} ({self.on:%d-%m-%Y})"

    @property
    def status_label(self) -> str:
        from budgeting.models.accounts import AccountsStatus

        labels = dict(AccountsStatus.choices if self.of_accounts else BudgetStatus.choices)
        return str(labels.get(self.status, self.status))
