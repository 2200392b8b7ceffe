"""The municipalities' message traffic as the portal keeps it: allocations (JW301/WMO301) and the
answers to declarations (JW325/WMO325). Declarations (323) are invoices with their lines
(contracts.Invoice, contracts.InvoiceLine). No client is kept by name or number: only the keyed
pseudonym of portal.pseudonyms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.codes import ACCEPTED, describe
from contracts.models import MONEY, Invoice, InvoiceLine, Law, Provider
from municipalities.models import Municipality


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def for_line(self, line: InvoiceLine) -> AllocationQuerySet:
        """The allocation a declared performance names: same municipality, law and number."""
        invoice = line.invoice
        return self.filter(municipality_id=invoice.municipality_id, law=invoice.law, number=line.assignment_number)


class Allocation(models.Model):
    """One allocated product (ToegewezenProduct) of a 301: a later 301 with the same number
    updates it, recorded in the audit trail."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("municipality")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("provider")
    )
    law = models.CharField(_("law"), max_length=10, choices=Law.choices)
    number = models.CharField(_("allocation number"), max_length=9)
    client_key = models.CharField(_("client key"), max_length=32)
    product_category = models.CharField(_("product category"), max_length=2)
    product_code = models.CharField(_("product code"), max_length=5, blank=True)
    allocated_on = models.DateField(_("allocated on"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    volume = models.PositiveIntegerField(_("volume"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=2, blank=True)
    frequency = models.CharField(_("frequency"), max_length=1, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY, null=True, blank=True)
    change_reason = models.CharField(_("reason of change"), max_length=2, blank=True)
    message_identification = models.CharField(_("message"), max_length=20)
    message_date = models.DateField(_("message date"))
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["municipality", "number"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "law", "number"], name="allocation_number_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="allocation_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["provider", "start_date"], name="allocation_provider_start")]

    def __str__(self) -> str:
        return f"{self.number} ({self.municipality})"


class DeclarationReturn(models.Model):
    """A municipality's answer (325) to one imported declaration: what it granted of what was
    declared. Lines it does not list are accepted (the 325 lists the rejected ones)."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="declaration_return", verbose_name=_("invoice")
    )
    message_identification = models.CharField(_("message"), max_length=20)
    message_date = models.DateField(_("message date"))
    declared = models.DecimalField(_("declared"), **MONEY)
    granted = models.DecimalField(_("granted"), **MONEY)
    return_codes = models.TextField(_("return codes"), blank=True)  # RetourCode is unbounded
    # No DeclaratieAntwoord: the whole declaration was refused, every performance with it.
    refused = models.BooleanField(_("refused as a whole"), default=False)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )

    class Meta:
        verbose_name = _("declaration return")
        verbose_name_plural = _("declaration returns")
        ordering = ["-message_date", "-id"]

    def __str__(self) -> str:
        return f"{self.invoice.invoice_number} ({self.message_identification})"

    @property
    def rejected(self):
        return self.declared - self.granted

    def codes(self) -> list[tuple[str, str]]:
        return [(code, describe(code)) for code in self.return_codes.split()]


class ReturnLine(models.Model):
    """The answer to one declared performance: accepted (code 0200) or rejected with its codes."""

    declaration_return = models.ForeignKey(
        DeclarationReturn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("declaration return")
    )
    invoice_line = models.OneToOneField(
        InvoiceLine, on_delete=models.PROTECT, related_name="return_line", verbose_name=_("declared performance")
    )
    accepted = models.BooleanField(_("accepted"))
    return_codes = models.TextField(_("return codes"))

    class Meta:
        verbose_name = _("answered performance")
        verbose_name_plural = _("answered performances")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice_line} {self.return_codes}"

    def codes(self) -> list[tuple[str, str]]:
        return [(code, describe(code)) for code in self.return_codes.split()]


def is_accepted(codes: list[str]) -> bool:
    return codes == [ACCEPTED] or not codes
