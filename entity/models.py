"""The joint arrangement itself: modules and dated membership, functions, boards, contacts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from municipalities.models import Municipality


def membership_active_on(prefix: str, date: datetime.date) -> Q:
    """A Q for memberships (reached through ``prefix``) that include ``date``."""
    return Q(**{f"{prefix}start_date__lte": date}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": date})
    )


def membership_overlaps(prefix: str, start: datetime.date, end: datetime.date | None) -> Q:
    """A Q for memberships that share at least one day with [start, end] (end None = open)."""
    q = Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": start})
    if end is not None:
        q &= Q(**{f"{prefix}start_date__lte": end})
    return q


class DatedQuerySet(models.QuerySet):
    """Rows with an inclusive ``start_date`` and an optional inclusive ``end_date``."""

    def active_on(self, date: datetime.date):
        return self.filter(membership_active_on("", date))

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        return self.filter(membership_overlaps("", start, end))

    def during_year(self, year: int):
        return self.overlapping(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


class DatedPeriod(models.Model):
    start_date = models.DateField(_("from"))
    end_date = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Last day, inclusive. Empty: open-ended.")
    )

    class Meta:
        abstract = True

    def clean_period(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date lies before the start date.")})

    def is_active_on(self, date: datetime.date) -> bool:
        return self.start_date <= date and (self.end_date is None or self.end_date >= date)

    def overlaps_qs(self, queryset: DatedQuerySet) -> DatedQuerySet:
        """Rows of ``queryset`` (other than self) that share a day with this period."""
        return queryset.overlapping(self.start_date, self.end_date).exclude(pk=self.pk)


class Module(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    tasks = models.TextField(_("tasks"), blank=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Module {self.number}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("entity:module", args=[self.number])

    def participants_on(self, date: datetime.date):
        """Municipalities that are a member of this module on ``date``."""
        members = Membership.objects.filter(membership_active_on("", date), municipality=OuterRef("pk"), module=self)
        return Municipality.objects.filter(Exists(members))

    def participants_during(self, year: int):
        """Municipalities that are a member of this module for at least one day of ``year``."""
        members = Membership.objects.filter(
            membership_overlaps("", datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            municipality=OuterRef("pk"),
            module=self,
        )
        return Municipality.objects.filter(Exists(members))


class Membership(DatedPeriod):
    """A municipality takes part in a module from ``start_date`` until ``end_date``."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("municipality"),
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("module"))
    decision = models.CharField(
        _("decision"),
        max_length=255,
        blank=True,
        help_text=_("The decision this membership rests on, e.g. the council decision."),
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["module", "start_date", "municipality"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            )
        ]

    def __str__(self) -> str:
        until = f"{self.end_date:%d-%m-%Y}" if self.end_date else "…"
        return f"{self.municipality} in module {self.module.number}: {self.start_date:%d-%m-%Y} – {until}"

    def save(self, *args, **kwargs) -> None:
        # The overlap rule must hold for every path (admin, import, shell), not just forms;
        # the lock on the module row serialises concurrent writers on PostgreSQL.
        with transaction.atomic():
            Module.objects.select_for_update().filter(pk=self.module_id).first()
            self.clean()
            super().save(*args, **kwargs)

    def clean(self) -> None:
        self.clean_period()
        if self.municipality_id and self.module_id and self.start_date:
            others = Membership.objects.filter(municipality_id=self.municipality_id, module_id=self.module_id)
            clash = self.overlaps_qs(others).first()
            if clash:
                raise ValidationError(
                    _("%(municipality)s is already a member of this module in an overlapping period (%(period)s).")
                    % {"municipality": self.municipality, "period": clash.period_display()}
                )

    def period_display(self) -> str:
        until = f"{self.end_date:%d-%m-%Y}" if self.end_date else _("open-ended")
        return f"{self.start_date:%d-%m-%Y} – {until}"


class Function(models.Model):
    """One of the eight functions the entity performs (DOMAIN.md)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("function")
        verbose_name_plural = _("functions")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class Body(models.TextChoices):
    GENERAL_BOARD = "AB", _("General board (AB)")
    DAILY_BOARD = "DB", _("Daily board (DB)")


class SeatPosition(models.TextChoices):
    CHAIR = "chair", _("chair")
    MEMBER = "member", _("member")


class BoardSeat(DatedPeriod):
    """A person's dated seat in the general or daily board, on behalf of a municipality."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="board_seats",
        verbose_name=_("person"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="board_seats",
        verbose_name=_("municipality"),
    )
    body = models.CharField(_("body"), max_length=2, choices=Body.choices)
    position = models.CharField(_("position"), max_length=10, choices=SeatPosition.choices, default=SeatPosition.MEMBER)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("board seat")
        verbose_name_plural = _("board seats")
        ordering = ["body", "municipality", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="boardseat_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.get_full_name() or self.person} – {self.get_body_display()} ({self.municipality})"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            self.clean()
            super().save(*args, **kwargs)

    def clean(self) -> None:
        self.clean_period()
        if not (self.start_date and self.body):
            return
        seats = BoardSeat.objects.filter(body=self.body)
        if self.person_id and self.overlaps_qs(seats.filter(person_id=self.person_id)).exists():
            raise ValidationError(_("This person already has a seat in this body in that period."))
        if (
            self.body == Body.GENERAL_BOARD
            and self.municipality_id
            and self.overlaps_qs(seats.filter(municipality_id=self.municipality_id)).exists()
        ):
            raise ValidationError(_("This municipality already has a member of the general board in that period."))
        if self.position == SeatPosition.CHAIR and self.overlaps_qs(seats.filter(position=SeatPosition.CHAIR)).exists():
            raise ValidationError(_("This body already has a chair in that period."))


class MunicipalityContact(models.Model):
    """Links a user to the one municipality it acts for; grants the object permission."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="municipality_contact",
        verbose_name=_("user"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("municipality"),
    )

    class Meta:
        verbose_name = _("municipality contact")
        verbose_name_plural = _("municipality contacts")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user} ({self.municipality})"

    def save(self, *args, **kwargs) -> None:
        from municipalities.visibility import grant_municipality, revoke_municipality

        with transaction.atomic():
            previous = (
                MunicipalityContact.objects.filter(pk=self.pk).values_list("municipality_id", flat=True).first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            if previous and previous != self.municipality_id:
                revoke_municipality(self.user, Municipality.objects.get(pk=previous))
            grant_municipality(self.user, self.municipality)
