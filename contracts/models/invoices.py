"""Invoices: the workflow, the ledger version, kept spending totals, steps and lines."""

from __future__ import annotations

import datetime
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.codes import code_list
from contracts.models.contracts import MONEY, Contract, Law, Provider, add_months
from contracts.signals import changing
from municipalities.models import Municipality
from portal.textfiles import FIRST_YEAR, LAST_YEAR
from portal.versions import VersionToken

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


# Four eyes on every path (tests/controls/test_four_eyes_paths.py). Only `Invoice.move_to` changes
# these two fields, one step at a time; the three after them say where the invoice came from and
# never change. Once an invoice has left "received", it and its steps are the record: neither the
# model nor the QuerySet changes or removes them.
WORKFLOW_FIELDS = frozenset({"status", "rejection_reason"})
ORIGIN_FIELDS = frozenset({"registered_by", "registered_at", "source"})


def _refuse(message) -> None:
    raise InvoiceTransitionError(message)


def _step_only() -> None:
    _refuse(_("The status of an invoice changes only step by step in the portal (four eyes)."))


def _origin_fixed() -> None:
    _refuse(_("Who registered an invoice, when and from which source does not change."))


# What a declaration message (323) says: its invoice keeps it, so the amount stays the sum of its
# performances and the municipality's answer (325) stays about this declaration.
MESSAGE_FIELDS = frozenset(
    {"provider", "municipality", "invoice_number", "invoice_date", "period_start", "period_end", "amount", "law"}
)


def _message_fixed() -> None:
    _refuse(_("An invoice from a declaration message says what the message says; a correction is a new message."))


def _content_fixed() -> None:
    _refuse(_("An invoice that has been checked no longer changes; reject it and register a corrected one."))


def _kept() -> None:
    _refuse(_("An invoice that has been checked is kept, with its steps."))


def _steps_fixed() -> None:
    _refuse(_("The steps of an invoice are a record; they are not added, changed or removed by hand."))


def _refuse_fields(names: set[str]) -> None:
    if names & WORKFLOW_FIELDS:
        _step_only()
    if names & ORIGIN_FIELDS:
        _origin_fixed()


def check_history(invoice: Invoice, steps: list[InvoiceTransition]) -> None:
    """The steps an invoice arrives with must be a path of the workflow from "received" to its
    status, approved by someone other than its registrant, a rejection with its reason."""
    current = InvoiceStatus.RECEIVED
    for step in steps:
        if step.from_status != current or step.to_status not in TRANSITIONS.get(current, set()):
            _refuse(_("The steps of invoice %(number)s are not a path of the workflow.") % {"number": invoice})
        if step.to_status == InvoiceStatus.APPROVED and step.by_id == invoice.registered_by_id:
            _refuse(_("Four eyes: whoever registered an invoice cannot approve it."))
        if step.to_status == InvoiceStatus.REJECTED and not step.reason.strip():
            _refuse(_("Give a reason for the rejection."))
        current = step.to_status
    reason = steps[-1].reason.strip() if current == InvoiceStatus.REJECTED else ""
    if current != invoice.status or invoice.rejection_reason.strip() != reason:
        _refuse(_("The steps of invoice %(number)s are not a path of the workflow.") % {"number": invoice})


class InvoiceLedger(VersionToken):
    """One row whose version changes in the same transaction as every change to invoices.

    Invoice lists cache their count and total per filter under this version, so a cached
    total is never older than the data: any registration, step or import moves the version.
    The version is a fresh random token, not a counter, so a rolled-back write can never
    hand out a value that a later write uses again.
    """

    class Meta:
        verbose_name = _("invoice ledger version")


def _law_follows_contract() -> None:
    _refuse(_("An invoice's law is its contract's; it changes only with the contract."))


# Where a declaration's lines count in the figures kept about them (contracts/signals.py).
LINE_KEYS = frozenset({"contract", "municipality"})


def _lines_of(invoices) -> models.QuerySet:
    return InvoiceLine.objects.filter(invoice__in=invoices)


def _fill_law(invoices) -> None:
    """An invoice's law is its contract's (declaration numbers are unique per provider per law,
    OP349): read once per contract for a bulk insert."""
    contract_ids = {i.contract_id for i in invoices}
    laws = dict(Contract.objects.filter(pk__in=contract_ids).values_list("pk", "segment__law"))
    for invoice in invoices:
        invoice.law = laws.get(invoice.contract_id, invoice.law)


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def overdue(self, today: datetime.date | None = None) -> InvoiceQuerySet:
        # A credit note is money the provider owes: it is never overdue for the entity.
        return self.filter(due_date__lt=today or timezone.localdate(), status__in=OPEN_STATUSES, amount__gte=0)

    def costs(self) -> InvoiceQuerySet:
        """Approved and paid invoices: what counts as spending."""
        return self.filter(status__in=COST_STATUSES)

    def in_year(self, year: int) -> InvoiceQuerySet:
        return self.filter(invoice_date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))

    # --- four eyes on the bulk paths --------------------------------------------------------

    def _names(self, names) -> set[str]:
        return {self.model._meta.get_field(name).name for name in names}

    def _refuse_past_received(self) -> None:
        if self.exclude(status=InvoiceStatus.RECEIVED).exists():
            _content_fixed()

    def update(self, **kwargs) -> int:
        _refuse_fields(self._names(kwargs))
        self._refuse_past_received()
        if self._names(kwargs) & MESSAGE_FIELDS and self.filter(source=InvoiceSource.MESSAGE).exists():
            _message_fixed()
        contract = kwargs.get("contract", kwargs.get("contract_id"))
        if "law" in kwargs and contract is None:
            _law_follows_contract()
        if contract is not None and "law" not in kwargs:  # the law follows the contract
            if not isinstance(contract, (Contract, int)):
                _law_follows_contract()
            kwargs["law"] = (
                Contract.objects.filter(pk=getattr(contract, "pk", contract))
                .values_list("segment__law", flat=True)
                .get()
            )
        if self._names(kwargs) & LINE_KEYS:
            with transaction.atomic(), changing(_lines_of(self.values("pk")), keys=True):
                return super().update(**kwargs)
        return super().update(**kwargs)

    def _take_step(self, **kwargs) -> int:
        """The conditional UPDATE of `Invoice.move_to`: the one path that changes the status."""
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status=InvoiceStatus.RECEIVED).exists():
            _kept()
        with transaction.atomic(), changing(_lines_of(self.values("pk")), keys=True):
            return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(o.status != InvoiceStatus.RECEIVED or o.rejection_reason for o in objs):
            _step_only()  # an invoice past "received" arrives with its steps: bulk_create_with_history
        _fill_law(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        _refuse_fields(self._names(fields))
        if "contract" in self._names(fields):  # the law moves with the contract, in the same UPDATE
            _fill_law(objs)
            fields = [*fields, "law"]
        elif "law" in self._names(fields):
            _law_follows_contract()
        self.model._default_manager.filter(pk__in=[o.pk for o in objs])._refuse_past_received()
        if self._names(fields) & LINE_KEYS:
            with transaction.atomic(), changing(_lines_of([o.pk for o in objs]), keys=True):
                return super().bulk_update(objs, fields, *args, **kwargs)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create_with_history(self, pairs, *, batch_size: int = 1000) -> list[Invoice]:
        """Invoices with the steps they already went through (the demo data, a take-over from
        another system): each history is checked as the workflow would have checked each step,
        and the spending totals and the ledger move with them."""
        pairs = [(invoice, list(steps)) for invoice, steps in pairs]
        for invoice, steps in pairs:
            check_history(invoice, steps)
        invoices = [invoice for invoice, _steps in pairs]
        _fill_law(invoices)
        with transaction.atomic():
            super().bulk_create(invoices, batch_size=batch_size)
            for invoice, steps in pairs:
                for step in steps:
                    step.invoice = invoice
            InvoiceTransition.objects.all()._record([step for _invoice, steps in pairs for step in steps], batch_size)
            InvoiceLedger.bump()
            SpendingTotal.refresh(
                {(i.municipality_id, i.invoice_date.year) for i in invoices if i.status in COST_STATUSES}
            )
        return invoices


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
    # The contract's law, kept on the invoice so a declaration number is unique per provider per
    # law (iJw/iWmo business rule OP349): the same number in JW323 and WMO323 is two declarations.
    law = models.CharField(_("law"), max_length=10, choices=Law.choices, editable=False)
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
            models.UniqueConstraint(
                fields=["provider", "law", "invoice_number"], name="invoice_number_unique_per_provider_and_law"
            ),
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
            before = None if self._state.adding else Invoice._base_manager.filter(pk=self.pk).values().first()
            if self.contract_id:  # always the contract's law, whatever was set
                self.law = Contract.objects.filter(pk=self.contract_id).values_list("segment__law", flat=True).get()
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "law"}
            self._refuse_outside_workflow(before, kwargs.get("update_fields"))
            moved = before is not None and any(
                before[f"{name}_id"] != getattr(self, f"{name}_id") for name in LINE_KEYS
            )
            if moved:  # the lines count under the other contract or municipality now
                with changing(_lines_of([self.pk]), keys=True):
                    super().save(*args, **kwargs)
            else:
                super().save(*args, **kwargs)
            InvoiceLedger.bump()
            pairs = [(self.municipality_id, self.invoice_date.year)] if self.status in COST_STATUSES else []
            if before and before["status"] in COST_STATUSES:
                pairs.append((before["municipality_id"], before["invoice_date"].year))
            SpendingTotal.refresh(pairs)

    def get_absolute_url(self) -> str:
        return reverse("contracts:invoice", args=[self.pk])

    def _refuse_outside_workflow(self, before: dict | None, update_fields) -> None:
        """A new invoice is "received"; a save never moves the status or the registrant, and
        changes nothing of an invoice that has been checked (the page refuses it too)."""
        if before is None:
            if self.status != InvoiceStatus.RECEIVED or self.rejection_reason:
                _step_only()
            return
        fields = [
            f
            for f in self._meta.concrete_fields
            if not f.primary_key and (update_fields is None or f.name in update_fields or f.attname in update_fields)
        ]
        changed = {
            f.name
            for f in fields
            if (f.to_python(getattr(self, f.attname)) if not f.is_relation else getattr(self, f.attname))
            != before[f.attname]
        }
        _refuse_fields(changed)
        if changed & MESSAGE_FIELDS and before["source"] == InvoiceSource.MESSAGE:
            _message_fixed()
        if changed and before["status"] != InvoiceStatus.RECEIVED:
            _content_fixed()

    def delete(self, *args, **kwargs):
        if (
            self.status != InvoiceStatus.RECEIVED
            or Invoice._base_manager.filter(pk=self.pk).exclude(status=InvoiceStatus.RECEIVED).exists()
        ):
            _kept()
        with transaction.atomic(), changing(_lines_of([self.pk]), keys=True):
            return super().delete(*args, **kwargs)

    def implausible_dates(self) -> dict[str, str]:
        """A year the imports refuse too: near the ends of the calendar the payment term or the
        period runs past what a date can hold, and it is a typing error anyway."""
        message = _("Enter a date between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        fields = ("invoice_date", "period_start", "period_end")
        return {f: message for f in fields if getattr(self, f) and not FIRST_YEAR <= getattr(self, f).year <= LAST_YEAR}

    def clean(self) -> None:
        if errors := self.implausible_dates():
            raise ValidationError(errors)
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
        return self.status in OPEN_STATUSES and self.amount >= 0 and self.due_date < timezone.localdate()

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
        paying = changing(_lines_of([self.pk])) if status == InvoiceStatus.PAID else nullcontext()
        with transaction.atomic(), paying:  # the paid figures of its lines follow
            changed = Invoice.objects.filter(pk=self.pk, status=self.status)._take_step(
                status=status, rejection_reason=reason.strip() if status == InvoiceStatus.REJECTED else ""
            )
            if not changed:
                raise InvoiceTransitionError(
                    _("Someone else changed this invoice in the meantime; reload the page and try again.")
                )
            InvoiceTransition.objects.create(
                invoice=self, from_status=self.status, to_status=status, by=by, reason=reason.strip()
            )
            # The conditional UPDATE sends no signal: the trail is written here, in the same
            # transaction, and only once the row really changed.
            from audit.services import record_transition

            record_transition(
                self,
                {
                    "status": (self.status, status),
                    "rejection_reason": (
                        self.rejection_reason,
                        reason.strip() if status == InvoiceStatus.REJECTED else "",
                    ),
                },
                by=by,
                reason=reason.strip(),
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


class TransitionQuerySet(models.QuerySet["InvoiceTransition"]):
    """The steps are written by `Invoice.move_to` (one by one) or with their invoice
    (`bulk_create_with_history`); no bulk path adds, changes or removes one."""

    def update(self, **kwargs):
        _steps_fixed()

    def delete(self):
        _steps_fixed()

    def bulk_update(self, objs, fields, *args, **kwargs):
        _steps_fixed()

    def bulk_create(self, objs, *args, **kwargs):
        _steps_fixed()

    def _record(self, steps, batch_size: int):
        return super().bulk_create(steps, batch_size=batch_size)


class InvoiceTransition(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("invoice")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=InvoiceStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=InvoiceStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    objects = TransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice step")
        verbose_name_plural = _("invoice steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs) -> None:
        """Only the step the invoice has just taken: from its previous status to the one it has
        now, along the workflow, an approval not by its registrant."""
        if not self._state.adding:
            _steps_fixed()
        invoice = Invoice._base_manager.filter(pk=self.invoice_id).values("status", "registered_by_id").first()
        previous = (
            InvoiceTransition.objects.filter(invoice_id=self.invoice_id)
            .order_by("-id")
            .values_list("to_status", flat=True)
            .first()
        ) or InvoiceStatus.RECEIVED
        if (
            invoice is None
            or invoice["status"] != self.to_status
            or self.from_status != previous
            or self.to_status not in TRANSITIONS.get(self.from_status, set())
            or (self.to_status == InvoiceStatus.APPROVED and self.by_id == invoice["registered_by_id"])
        ):
            _steps_fixed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _steps_fixed()


class InvoiceLine(models.Model):
    """One performance (prestatie) of a declaration message. No citizen number is kept: the
    client is known only by a keyed pseudonym (portal.pseudonyms.client_key), the same for the
    same client in every message. Its allocation is the municipality's allocation with this
    number under the same law (traffic.Allocation), whichever message arrived first."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    client_key = models.CharField(_("client key"), max_length=32, blank=True)
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
        # A line's allocation is found by its number (traffic.Allocation): uptake, allocations
        # without declarations and a 301 that arrives after the 323 look lines up by it.
        # The monitor's lines behind a figure are listed by period: (period_start, id) reads a page
        # of them from the index instead of sorting all of a provider's lines.
        indexes = [
            models.Index(fields=["assignment_number"], name="invoice_line_assignment"),
            models.Index(fields=["period_start", "id"], name="invoice_line_period_id"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_number} {self.product_code}"

    @property
    def unit_label(self) -> str:
        """The unit as the standard names it ("Uur", "Euro's"), or its code when unknown."""
        return code_list("LDT_Eenheid").get(self.unit, self.unit)
