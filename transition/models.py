"""The transition programme: bringing the Midden-Limburg municipalities into module 1.

A programme has frameworks (what the municipalities want to keep or reach), a go/no-go decision
with criteria, milestones (some taken by every municipality on its own), an inventory of the
functions per region, a risk and issue log, the staff-consequences checklist, and quarterly
progress reports that are frozen once issued.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entity.models import Function, Module
from municipalities.models import Municipality, Region
from portal.storage import PrivateStorage

DUE_SOON_DAYS = 30


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module"))
    goal_date = models.DateField(_("goal date"), help_text=_("The date the new participants join the module."))
    assignment = models.TextField(_("assignment"), blank=True)
    joining = models.ManyToManyField(
        Municipality, related_name="+", verbose_name=_("joining municipalities"), blank=True
    )

    class Meta:
        verbose_name = _("transition programme")
        verbose_name_plural = _("transition programmes")
        ordering = ["goal_date"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("transition:programme", args=[self.pk])

    def municipalities(self):
        """Every municipality that takes part after the joining: the members of the module on the
        goal date (the joining ones included once their membership is recorded)."""
        return Municipality.objects.filter(
            Q(pk__in=self.joining.values("pk")) | Q(pk__in=self.module.participants_on(self.goal_date).values("pk"))
        ).order_by("name")


class FrameworkKind(models.TextChoices):
    KEEP = "keep", _("keep at least")
    REACH = "reach", _("reach")


class Framework(models.Model):
    """A kader: what the municipalities want at least to keep or to reach with the joining."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="frameworks")
    kind = models.CharField(_("kind"), max_length=5, choices=FrameworkKind.choices)
    text = models.TextField(_("framework"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Assessment(models.TextChoices):
    OPEN = "open", _("not yet assessed")
    MET = "met", _("met")
    PARTLY = "partly", _("partly met")
    NOT_MET = "not_met", _("not met")


class Criterion(models.Model):
    """A criterion of the go/no-go decision and its assessment."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(_("criterion"), max_length=300)
    assessment = models.CharField(_("assessment"), max_length=8, choices=Assessment.choices, default=Assessment.OPEN)
    note = models.TextField(_("explanation"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("go/no-go criterion")
        verbose_name_plural = _("go/no-go criteria")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return self.text


class DecisionBody(models.TextChoices):
    COLLEGES = "colleges", _("the colleges")
    COUNCILS = "councils", _("the councils")
    GENERAL_BOARD = "AB", _("the general board (AB)")
    DAILY_BOARD = "DB", _("the daily board (DB)")
    SEAT = "seat", _("the seat municipality")
    KWARTIERMAKER = "kwartiermaker", _("the kwartiermaker")


class Outcome(models.TextChoices):
    GO = "go", _("go")
    NO_GO = "no_go", _("no go")
    POSTPONED = "postponed", _("postponed")


class GoNoGoDecision(models.Model):
    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="decision")
    decided_on = models.DateField(_("date"))
    body = models.CharField(_("decided by"), max_length=14, choices=DecisionBody.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("go/no-go decision")
        verbose_name_plural = _("go/no-go decisions")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.decided_on:%d-%m-%Y}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    LATE = "late", _("late")  # never stored: follows from the dates


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def late(self, today: datetime.date) -> MilestoneQuerySet:
        return self.exclude(status=MilestoneStatus.DONE).filter(planned_end__lt=today)

    def due_within(self, today: datetime.date, days: int = DUE_SOON_DAYS) -> MilestoneQuerySet:
        return self.exclude(status=MilestoneStatus.DONE).filter(
            planned_end__gte=today, planned_end__lte=today + datetime.timedelta(days=days)
        )


def evidence_path(instance, filename: str) -> str:
    return f"transition/{instance.programme_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Milestone(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("milestone"), max_length=200)
    responsible = models.CharField(_("responsible"), max_length=14, choices=DecisionBody.choices)
    planned_start = models.DateField(
        _("planned from"), null=True, blank=True, help_text=_("Only for a period; empty for a single date.")
    )
    planned_end = models.DateField(_("planned (until)"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=[c for c in MilestoneStatus.choices if c[0] != MilestoneStatus.LATE],
        default=MilestoneStatus.PLANNED,
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.CharField(
        _("evidence"), max_length=300, blank=True, help_text=_("The decision or document that shows it is done.")
    )
    evidence_file = models.FileField(
        _("evidence (PDF)"),
        storage=PrivateStorage(),
        upload_to=evidence_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    per_municipality = models.BooleanField(
        _("a step of every municipality"),
        default=False,
        help_text=_("Each municipality takes this step itself (e.g. its council's consent)."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["programme", "planned_end", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True) | Q(planned_start__lte=models.F("planned_end")),
                name="milestone_period_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False), name="milestone_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.planned_start and self.planned_end and self.planned_start > self.planned_end:
            errors["planned_start"] = _("The period starts after it ends.")
        if self.status == MilestoneStatus.DONE and not self.done_on:
            errors["done_on"] = _("Give the date it was done.")
        if self.status != MilestoneStatus.DONE and self.done_on:
            errors["done_on"] = _("Only a milestone that is done has a date done.")
        if self.done_on and self.done_on > timezone.localdate():
            errors["done_on"] = _("The date done cannot lie in the future.")
        if errors:
            raise ValidationError(errors)

    def status_on(self, today: datetime.date) -> str:
        """The status on ``today``: a milestone past its planned date and not done (by then) is
        late. A report describes the end of its quarter, so a milestone done only after that day
        was not done on it."""
        done_by_then = self.status == MilestoneStatus.DONE and (self.done_on is None or self.done_on <= today)
        if done_by_then:
            return MilestoneStatus.DONE
        if self.planned_end < today:
            return MilestoneStatus.LATE
        return MilestoneStatus.IN_PROGRESS if self.status == MilestoneStatus.DONE else self.status

    def status_label(self, today: datetime.date) -> str:
        return str(MilestoneStatus(self.status_on(today)).label)


class MunicipalityStep(models.Model):
    """One municipality's part of a milestone every municipality must take."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="steps")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("step of a municipality")
        verbose_name_plural = _("steps of the municipalities")
        ordering = ["milestone", "municipality__name"]
        constraints = [models.UniqueConstraint(fields=["milestone", "municipality"], name="one_step_per_municipality")]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.milestone}"


class StaffingLine(models.Model):
    """The staffing of one function in one region (the inventory); kept current, with a log."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="staffing")
    function = models.ForeignKey(Function, on_delete=models.PROTECT, related_name="+", verbose_name=_("function"))
    region = models.CharField(_("region"), max_length=3, choices=Region.choices)
    fte = models.DecimalField(_("FTE today"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    people = models.PositiveSmallIntegerField(_("people"))
    vacancies = models.DecimalField(
        _("vacancies (FTE)"), max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    hired_fte = models.DecimalField(
        _("hired externally (FTE)"), max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("staffing of a function")
        verbose_name_plural = _("staffing of the functions")
        ordering = ["programme", "function__number", "region"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "function", "region"], name="one_line_per_function_region")
        ]

    def __str__(self) -> str:
        return f"{self.function} ({self.get_region_display()})"

    @property
    def one_person(self) -> bool:
        """An eenpitter: the function rests on one person in this region."""
        return self.people == 1


class StaffingChange(models.Model):
    """What changed in the inventory, for the next progress report."""

    line = models.ForeignKey(StaffingLine, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=20)
    before = models.DecimalField(_("before"), max_digits=8, decimal_places=2)
    after = models.DecimalField(_("after"), max_digits=8, decimal_places=2)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.line} {self.field}: {self.before} → {self.after}"

    @property
    def field_label(self) -> str:
        return str(StaffingLine._meta.get_field(self.field).verbose_name)


class Level(models.IntegerChoices):
    LOW = 1, _("low")
    MEDIUM = 2, _("medium")
    HIGH = 3, _("high")


class RiskKind(models.TextChoices):
    RISK = "risk", _("risk")
    ISSUE = "issue", _("issue")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("open")
    MITIGATED = "mitigated", _("measure taken, watching")
    CLOSED = "closed", _("closed")


class Risk(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(_("kind"), max_length=5, choices=RiskKind.choices, default=RiskKind.RISK)
    description = models.TextField(_("description"))
    probability = models.PositiveSmallIntegerField(_("probability"), choices=Level.choices)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    owner = models.CharField(_("owner"), max_length=200)
    measure = models.TextField(_("measure"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("risk or issue")
        verbose_name_plural = _("risks and issues")
        ordering = ["programme", "status", "-probability", "-impact", "id"]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def score(self) -> int:
        return self.probability * self.impact


class ChecklistItem(models.Model):
    """A legal or municipal procedure for the staff consequences of the joining."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="checklist")
    title = models.CharField(_("procedure"), max_length=200)
    basis = models.CharField(_("basis"), max_length=200, blank=True, help_text=_("The law or regulation it follows."))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("staff-consequences step")
        verbose_name_plural = _("staff-consequences checklist")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ReportFrozenError(Exception):
    """An issued report does not change; later edits go in the next report."""


class ReportQuerySet(models.QuerySet["ProgressReport"]):
    """Bulk paths refuse to touch an issued report too."""

    def update(self, **kwargs):
        if self.filter(issued_on__isnull=False).exists():
            raise ReportFrozenError(_("This report has been issued; it no longer changes. Edit the next report."))
        return super().update(**kwargs)

    def delete(self):
        if self.filter(issued_on__isnull=False).exists():
            raise ReportFrozenError(_("This report has been issued; it no longer changes. Edit the next report."))
        return super().delete()


class ProgressReport(models.Model):
    """The quarterly progress report to the portfolio holders. Its content is computed from the
    programme while it is a draft, and stored (``content``) when it is issued: frozen."""

    # PROTECT: deleting a programme must not take its issued reports with it.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    summary = models.TextField(_("summary by the kwartiermaker"), blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = models.JSONField(_("content as issued"), null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["programme", "-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["programme", "year", "quarter"], name="one_report_per_quarter")]

    def __str__(self) -> str:
        return f"Voortgangsrapportage Q{self.quarter} {self.year}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and ProgressReport.objects.filter(pk=self.pk, issued_on__isnull=False).exists():
            raise ReportFrozenError(_("This report has been issued; it no longer changes. Edit the next report."))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("transition:report", args=[self.pk])

    def delete(self, *args, **kwargs):
        # Ask the database, not this copy: another copy may have issued it meanwhile.
        if self.is_issued or ProgressReport.objects.filter(pk=self.pk, issued_on__isnull=False).exists():
            raise ReportFrozenError(_("This report has been issued; it no longer changes. Edit the next report."))
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.issued_on is not None

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        first = datetime.date(self.year, 3 * self.quarter - 2, 1)
        last_month = 3 * self.quarter
        last = datetime.date(self.year + (last_month == 12), last_month % 12 + 1, 1) - datetime.timedelta(days=1)
        return first, last
