"""Segments, providers, service agreements and contracts with their participants and log."""

from __future__ import annotations

import calendar
import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    ACTIVE = "active", _("active")
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
        if errors:
            raise ValidationError(errors)

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


# --- Invoices ---------------------------------------------------------------------------------

PAYMENT_TERM_DAYS = 30


def invoice_problems(
    contract: Contract,
    provider_id: int | None,
    municipality_id: int | None,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    participant_ids: set[int],
) -> dict[str, str]:
    """The invoice rules, per field: shared by the form, the admin and both imports."""
    errors: dict[str, str] = {}
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The period ends before it starts.")
    if provider_id and contract.provider_id != provider_id:
        errors["contract"] = _("This contract belongs to another provider.")
    if municipality_id and municipality_id not in participant_ids:
        errors["municipality"] = _("This municipality does not take part in contract %(contract)s.") % {
            "contract": contract.reference
        }
    if period_start and period_end and (period_start < contract.start_date or period_end > contract.end_date):
        errors["period_start"] = _("The period lies outside the contract period (%(start)s – %(end)s).") % {
            "start": f"{contract.start_date:%d-%m-%Y}",
            "end": f"{contract.end_date:%d-%m-%Y}",
        }
    return errors


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    CHECKED = "checked", _("checked")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")


# Which step may follow which; rejecting is possible at any step before payment.
TRANSITIONS: dict[str, set[str]] = {
    InvoiceStatus.RECEIVED: {InvoiceStatus.CHECKED, InvoiceStatus.REJECTED},
    InvoiceStatus.CHECKED: {InvoiceStatus.APPROVED, InvoiceStatus.REJECTED},
    InvoiceStatus.APPROVED: {InvoiceStatus.PAID, InvoiceStatus.REJECTED},
}
OPEN_STATUSES = (InvoiceStatus.RECEIVED, InvoiceStatus.CHECKED, InvoiceStatus.APPROVED)
COST_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.PAID)


class InvoiceSource(models.TextChoices):
    MANUAL = "manual", _("entered by hand")
    CSV = "csv", _("CSV import")
    MESSAGE = "323", _("declaration message (323)")


class InvoiceTransitionError(Exception):
    """A step that is not allowed now; the message is for the user."""


class InvoiceLedger(models.Model):
    """One row whose version changes in the same transaction as every change to invoices.

    Invoice lists cache their count and total per filter under this version, so a cached
    total is never older than the data: any registration, step or import moves the version.
    The version is a fresh random token, not a counter, so a rolled-back write can never
    hand out a value that a later write uses again.
    """

    version = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("invoice ledger version")

    def __str__(self) -> str:
        return self.version

    @classmethod
    def bump(cls) -> None:
        token = uuid.uuid4().hex
        if not cls.objects.filter(pk=1).update(version=token):
            cls.objects.update_or_create(pk=1, defaults={"version": token})

    @classmethod
    def current(cls) -> str:
        return cls.objects.filter(pk=1).values_list("version", flat=True).first() or ""


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def overdue(self, today: datetime.date | None = None) -> InvoiceQuerySet:
        return self.filter(due_date__lt=today or timezone.localdate(), status__in=OPEN_STATUSES)

    def costs(self) -> InvoiceQuerySet:
        """Approved and paid invoices: what counts as spending."""
        return self.filter(status__in=COST_STATUSES)

    def in_year(self, year: int) -> InvoiceQuerySet:
        return self.filter(invoice_date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))


class Invoice(models.Model):
    # No separate index on these three: the unique (provider, number) index and the composite
    # indexes below lead with them, and every extra index slows a 10,000-line import.
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("provider"), db_index=False
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("contract"), db_index=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("municipality"), db_index=False
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40)
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("payment due"), editable=False)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    amount = models.DecimalField(_("amount"), **MONEY, help_text=_("Negative for a credit note."))
    declaration_reference = models.CharField(_("declaration reference"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=InvoiceSource.choices, default=InvoiceSource.MANUAL)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "invoice_number"], name="invoice_number_unique_per_provider"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="invoice_period_end_after_start"
            ),
        ]
        # Every sortable list column has an index ending in id, so a sorted page (and a deep
        # one) is read from the index; (municipality, invoice_date, status, amount) covers the
        # totals per municipality per year without touching the table.
        indexes = [
            models.Index(fields=["invoice_date", "id"], name="invoice_date_id"),
            models.Index(fields=["due_date", "id"], name="invoice_due_id"),
            models.Index(fields=["period_start", "id"], name="invoice_period_id"),
            models.Index(fields=["amount", "id"], name="invoice_amount_id"),
            models.Index(fields=["invoice_number", "id"], name="invoice_number_id"),
            models.Index(fields=["status", "invoice_date", "id"], name="invoice_status_date_id"),
            models.Index(fields=["municipality", "invoice_date", "status", "amount"], name="invoice_muni_year"),
            models.Index(fields=["contract", "municipality", "status", "amount"], name="invoice_contract_spend"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} ({self.provider})"

    def save(self, *args, **kwargs) -> None:
        if self.invoice_date:
            self.due_date = self.invoice_date + datetime.timedelta(days=PAYMENT_TERM_DAYS)
        if kwargs.get("update_fields") is not None and "invoice_date" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "due_date"}
        with transaction.atomic():
            before = (
                Invoice.objects.filter(pk=self.pk).values_list("municipality_id", "invoice_date", "status").first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            InvoiceLedger.bump()
            pairs = [(self.municipality_id, self.invoice_date.year)] if self.status in COST_STATUSES else []
            if before and before[2] in COST_STATUSES:
                pairs.append((before[0], before[1].year))
            SpendingTotal.refresh(pairs)

    def get_absolute_url(self) -> str:
        return reverse("contracts:invoice", args=[self.pk])

    def clean(self) -> None:
        if self.contract_id:
            participants = set(self.contract.participations.values_list("municipality_id", flat=True))
            errors = invoice_problems(
                self.contract, self.provider_id, self.municipality_id, self.period_start, self.period_end, participants
            )
        elif self.period_start and self.period_end and self.period_end < self.period_start:
            errors = {"period_end": _("The period ends before it starts.")}
        else:
            errors = {}
        if errors:
            raise ValidationError(errors)

    @property
    def period_is_month(self) -> bool:
        """A whole calendar month, shown as 'oktober 2026' instead of two dates."""
        return self.period_start.day == 1 and self.period_end == add_months(self.period_start, 1) - datetime.timedelta(
            days=1
        )

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_date < timezone.localdate()

    def allowed_steps(self, user) -> list[str]:
        steps = sorted(TRANSITIONS.get(self.status, set()))
        if user.pk == self.registered_by_id:
            steps = [s for s in steps if s != InvoiceStatus.APPROVED]
        return steps

    def move_to(self, status: str, *, by, reason: str = "") -> None:
        """One step of the workflow, stored with who and when. The UPDATE only succeeds while the
        invoice still has the status this object saw, so two people approving at the same moment
        give exactly one approval (the other gets a clear message)."""
        if status not in TRANSITIONS.get(self.status, set()):
            raise InvoiceTransitionError(
                _("An invoice that is %(current)s cannot become %(new)s.")
                % {"current": InvoiceStatus(self.status).label, "new": InvoiceStatus(status).label}
            )
        if status == InvoiceStatus.APPROVED and by.pk == self.registered_by_id:
            raise InvoiceTransitionError(_("Four eyes: whoever registered an invoice cannot approve it."))
        if status == InvoiceStatus.REJECTED and not reason.strip():
            raise InvoiceTransitionError(_("Give a reason for the rejection."))
        with transaction.atomic():
            changed = Invoice.objects.filter(pk=self.pk, status=self.status).update(
                status=status, rejection_reason=reason.strip() if status == InvoiceStatus.REJECTED else ""
            )
            if not changed:
                raise InvoiceTransitionError(
                    _("Someone else changed this invoice in the meantime; reload the page and try again.")
                )
            InvoiceTransition.objects.create(
                invoice=self, from_status=self.status, to_status=status, by=by, reason=reason.strip()
            )
            InvoiceLedger.bump()
            if (self.status in COST_STATUSES) != (status in COST_STATUSES):
                SpendingTotal.refresh([(self.municipality_id, self.invoice_date.year)])
        self.status = status
        if status == InvoiceStatus.REJECTED:
            self.rejection_reason = reason.strip()

    def mark_checked(self, *, by) -> None:
        self.move_to(InvoiceStatus.CHECKED, by=by)

    def approve(self, *, by) -> None:
        self.move_to(InvoiceStatus.APPROVED, by=by)

    def mark_paid(self, *, by) -> None:
        self.move_to(InvoiceStatus.PAID, by=by)

    def reject(self, *, by, reason: str) -> None:
        self.move_to(InvoiceStatus.REJECTED, by=by, reason=reason)


class SpendingTotal(models.Model):
    """Approved and paid invoice amounts per municipality per invoice year.

    Kept in step with the invoices in the same transaction as every write that moves money into
    or out of "approved/paid", so the table of totals reads a few dozen rows instead of every
    invoice. `contracts.services.rebuild_spending_totals` recomputes it from scratch.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="spending_totals", verbose_name=_("municipality")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("spending total")
        verbose_name_plural = _("spending totals")
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="one_total_per_year")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}: {self.total}"

    @classmethod
    def refresh(cls, pairs) -> None:
        """Recompute the totals of these (municipality id, year) pairs from the invoices."""
        from portal.money import MoneySum

        for municipality_id, year in set(pairs):
            total = (
                Invoice.objects.costs()
                .in_year(year)
                .filter(municipality_id=municipality_id)
                .aggregate(t=MoneySum("amount"))["t"]
            )
            if total is None:
                cls.objects.filter(municipality_id=municipality_id, year=year).delete()
            else:
                cls.objects.update_or_create(municipality_id=municipality_id, year=year, defaults={"total": total})


class InvoiceTransition(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("invoice")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=InvoiceStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=InvoiceStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("invoice step")
        verbose_name_plural = _("invoice steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.from_status} → {self.to_status}"


class InvoiceLine(models.Model):
    """One performance (prestatie) of a declaration message. No citizen number is kept."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    reference_number = models.CharField(_("reference number"), max_length=20)
    assignment_number = models.CharField(_("assignment number"), max_length=20, blank=True)
    product_category = models.CharField(_("product category"), max_length=2)
    product_code = models.CharField(_("product code"), max_length=5)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    volume = models.PositiveIntegerField(_("volume"))
    unit = models.CharField(_("unit"), max_length=2)
    tariff = models.DecimalField(_("tariff"), **MONEY, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference_number} {self.product_code}"
