"""Segments, providers, service agreements and contracts with their participants and log."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from entity.models import DatedPeriod, DatedQuerySet, Membership, Module
from municipalities.models import Municipality

MONEY = {"max_digits": 14, "decimal_places": 2}
eight_digits = RegexValidator(r"^\d{8}\Z", _("Enter exactly 8 digits."), "eight_digits")


def add_months(date: datetime.date, months: int) -> datetime.date:
    """``date`` moved by ``months`` (negative: back), clamped to the end of the month."""
    month_index = date.year * 12 + date.month - 1 + months
    year, month = divmod(month_index, 12)
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


class Law(models.TextChoices):
    YOUTH = "jeugdwet", _("Youth Act (Jeugdwet)")
    WMO = "wmo", _("Social Support Act (Wmo 2015)")


class Segment(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    law = models.CharField(_("law"), max_length=10, choices=Law.choices)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="segments", verbose_name=_("module"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        if refusal := self.law_change_refusal():
            raise ValidationError({"law": refusal})
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if refusal := self.law_change_refusal():
            raise ValidationError({"law": refusal})

    # An invoice keeps its contract's law (OP349: numbers are unique per provider per law), so the
    # law of a segment with invoices stays what it was.
    def law_change_refusal(self) -> str:
        if not self.pk or not self.contracts.filter(invoices__isnull=False).exists():
            return ""
        before = Segment.objects.filter(pk=self.pk).values_list("law", flat=True).first()
        if before in (None, self.law):
            return ""
        return _("Invoices were registered under this segment's law; the law cannot change.")


class Provider(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, unique=True, validators=[eight_digits])
    agb_code = models.CharField(_("AGB code"), max_length=8, unique=True, validators=[eight_digits])
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kvk_number__regex=r"^[0-9]{8}$"), name="provider_kvk_8_digits"),
            models.CheckConstraint(condition=Q(agb_code__regex=r"^[0-9]{8}$"), name="provider_agb_8_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceAgreement(DatedPeriod):
    """A DVO: a municipality outside the module buys the entity's services for some segments."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="service_agreements", verbose_name=_("municipality")
    )
    segments = models.ManyToManyField(Segment, related_name="service_agreements", verbose_name=_("segments"))
    annual_fee = models.DecimalField(_("annual fee"), **MONEY, validators=[MinValueValidator(Decimal(0))])

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service agreement (DVO)")
        verbose_name_plural = _("service agreements (DVO)")
        ordering = ["municipality", "start_date"]

    def __str__(self) -> str:
        return f"DVO {self.municipality} {self.start_date:%d-%m-%Y}"

    def clean(self) -> None:
        self.clean_period()


class ProcurementProcedure(models.TextChoices):
    OPEN_REGISTRATION = "open", _("Open registration (DAS / open house)")
    TENDER = "tender", _("Tender")
    SUBSIDY = "subsidy", _("Subsidy")
    DIRECT_AWARD = "direct", _("Direct award")


class FundingVariant(models.TextChoices):
    EFFORT = "effort", _("Effort-based (price × quantity)")
    OUTPUT = "output", _("Output-based (per trajectory)")
    TASK = "task", _("Task-based (lump sum)")


class ContractStatus(models.TextChoices):
    UPCOMING = "upcoming", _("upcoming")
    # In context: Django names an account's is_active "active" too, which must stay "actief".
    ACTIVE = "active", pgettext_lazy("contract status", "active")
    ENDING = "ending", _("ending (notice period)")
    ENDED = "ended", _("ended")


class ContractQuerySet(models.QuerySet["Contract"]):
    def active_on(self, date: datetime.date) -> ContractQuerySet:
        return self.filter(start_date__lte=date, end_date__gte=date)

    def with_status(self, status: str, today: datetime.date | None = None) -> ContractQuerySet:
        today = today or timezone.localdate()
        return self.filter(
            {
                ContractStatus.UPCOMING: Q(start_date__gt=today),
                ContractStatus.ACTIVE: Q(start_date__lte=today, notice_date__gt=today),
                ContractStatus.ENDING: Q(start_date__lte=today, notice_date__lte=today, end_date__gte=today),
                ContractStatus.ENDED: Q(end_date__lt=today),
            }[ContractStatus(status)]
        )

    def ending_within(self, months: int, today: datetime.date | None = None) -> ContractQuerySet:
        """Contracts whose end date or notice date falls between today and ``months`` ahead."""
        today = today or timezone.localdate()
        horizon = add_months(today, months)
        return self.filter(Q(end_date__range=(today, horizon)) | Q(notice_date__range=(today, horizon)))


class Contract(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("provider")
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("segment"))
    title = models.CharField(_("title"), max_length=200)
    procedure = models.CharField(_("procurement procedure"), max_length=10, choices=ProcurementProcedure.choices)
    funding_variant = models.CharField(_("funding variant"), max_length=10, choices=FundingVariant.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    latest_end_date = models.DateField(_("latest end date with extensions"), null=True, blank=True)
    notice_months = models.PositiveSmallIntegerField(_("notice period (months)"), default=3)
    notice_date = models.DateField(
        _("notice date"), editable=False, db_index=True, help_text=_("End date minus the notice period; set on save.")
    )
    ceiling = models.DecimalField(
        _("ceiling amount"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    municipalities = models.ManyToManyField(
        Municipality, through="ContractParticipation", related_name="contracts", verbose_name=_("municipalities")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="contract_end_after_start"),
            models.CheckConstraint(
                condition=Q(latest_end_date__isnull=True) | Q(latest_end_date__gte=models.F("end_date")),
                name="contract_latest_end_after_end",
            ),
        ]
        indexes = [models.Index(fields=["end_date"]), models.Index(fields=["start_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        if refusal := self.law_change_refusal():
            raise ValidationError({"segment": refusal})
        self.notice_date = add_months(self.end_date, -int(self.notice_months))
        if kwargs.get("update_fields") is not None and {"end_date", "notice_months"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "notice_date"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date lies before the start date.")
        if self.end_date and self.latest_end_date and self.latest_end_date < self.end_date:
            errors["latest_end_date"] = _("The latest end date lies before the end date.")
        if refusal := self.law_change_refusal():
            errors["segment"] = refusal
        if errors:
            raise ValidationError(errors)

    def law_change_refusal(self) -> str:
        """A contract with invoices keeps the law of its segment (its invoices keep it)."""
        if not self.pk or not self.segment_id or not self.invoices.exists():
            return ""
        before = Contract.objects.filter(pk=self.pk).values_list("segment__law", flat=True).first()
        after = Segment.objects.filter(pk=self.segment_id).values_list("law", flat=True).first()
        if before in (None, after):
            return ""
        return _("This contract has invoices; its segment cannot move to another law.")

    @property
    def is_lump_sum(self) -> bool:
        return self.funding_variant == FundingVariant.TASK

    def status_on(self, today: datetime.date | None = None) -> ContractStatus:
        today = today or timezone.localdate()
        if today < self.start_date:
            return ContractStatus.UPCOMING
        if today > self.end_date:
            return ContractStatus.ENDED
        if today >= add_months(self.end_date, -int(self.notice_months)):
            return ContractStatus.ENDING
        return ContractStatus.ACTIVE

    @property
    def status(self) -> ContractStatus:
        return self.status_on()

    def participation_problem(self, municipality: Municipality) -> str | None:
        """Why ``municipality`` may not take part, or None: on every day of the contract it must
        be a member of the segment's module or hold a service agreement for the segment."""
        periods = [
            (m.start_date, m.end_date)
            for m in Membership.objects.filter(municipality=municipality, module_id=self.segment.module_id).overlapping(
                self.start_date, self.end_date
            )
        ]
        periods += [
            (a.start_date, a.end_date)
            for a in ServiceAgreement.objects.filter(municipality=municipality, segments=self.segment_id).overlapping(
                self.start_date, self.end_date
            )
        ]
        gap = first_gap(periods, self.start_date, self.end_date)
        if gap is None:
            return None
        return _(
            "%(municipality)s does not take part in module %(module)s and has no service agreement (DVO) "
            "for segment %(segment)s from %(start)s to %(end)s."
        ) % {
            "municipality": municipality,
            "module": self.segment.module.number,
            "segment": self.segment.code,
            "start": f"{gap[0]:%d-%m-%Y}",
            "end": f"{gap[1]:%d-%m-%Y}",
        }


def first_gap(
    periods: list[tuple[datetime.date, datetime.date | None]], start: datetime.date, end: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The first stretch of [start, end] that no period covers (periods inclusive, None = open)."""
    cursor = start
    for p_start, p_end in sorted(periods):
        if p_start > cursor:
            return cursor, min(end, p_start - datetime.timedelta(days=1))
        if p_end is None or p_end >= end:
            return None
        cursor = max(cursor, p_end + datetime.timedelta(days=1))
    return (cursor, end) if cursor <= end else None


class ContractParticipation(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="participations", verbose_name=_("contract")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="contract_participations", verbose_name=_("municipality")
    )
    key_share = models.DecimalField(
        _("key share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Only for lump sums: this municipality's share of the contract sum."),
    )

    class Meta:
        verbose_name = _("participating municipality")
        verbose_name_plural = _("participating municipalities")
        ordering = ["municipality__name"]
        constraints = [models.UniqueConstraint(fields=["contract", "municipality"], name="one_participation")]

    def __str__(self) -> str:
        return f"{self.municipality} in {self.contract.reference}"


class TariffLine(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="tariff_lines", verbose_name=_("contract")
    )
    product_category = models.CharField(_("product category"), max_length=2)
    product_code = models.CharField(_("product code"), max_length=5)
    unit = models.CharField(_("unit"), max_length=40)
    tariff = models.DecimalField(_("tariff"), **MONEY, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        verbose_name = _("tariff line")
        verbose_name_plural = _("tariff lines")
        ordering = ["product_category", "product_code"]

    def __str__(self) -> str:
        return f"{self.product_category}/{self.product_code}"


class LogKind(models.TextChoices):
    VISIT = "visit", _("Provider visit")
    SIGNAL = "signal", _("Signal")
    AGREEMENT = "agreement", _("Agreement")


class ContractLogEntry(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="log_entries", verbose_name=_("contract")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LogKind.choices)
    date = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract-management entry")
        verbose_name_plural = _("contract-management log")
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d-%m-%Y}"
