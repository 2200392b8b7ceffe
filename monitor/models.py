"""The monitor's stored figures: sums of the declared performances (contracts.InvoiceLine) kept in
step with every change to them, in the same transaction (monitor/signals.py, monitor/figures.py),
so a monitor page reads a few thousand rows instead of millions of lines.

Amounts are kept in whole cents (exact sums on SQLite and PostgreSQL alike) and read as Decimal.
`manage.py check_monitor` recomputes both tables from the lines and compares them, and compares
their totals with the invoices."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Law, Provider, Segment
from municipalities.models import Municipality
from portal.versions import VersionToken


def euros(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


class Slice(models.Model):
    """Who and what a figure is about: the municipality, the contract (with its provider, segment
    and law, kept beside it to filter on) and the product."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_index=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+", db_index=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+", db_index=False)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+", db_index=False)
    law = models.CharField(_("law"), max_length=10, choices=Law.choices)
    product_category = models.CharField(_("product category"), max_length=2)
    product_code = models.CharField(_("product code"), max_length=5)
    lines = models.BigIntegerField(_("performances"), default=0)
    volume = models.BigIntegerField(_("volume"), default=0)
    declared = models.BigIntegerField(_("declared (cents)"), default=0)

    class Meta:
        abstract = True


class MonthFigure(Slice):
    """The performances of one month of care (their period's first day) in one slice."""

    month = models.DateField(_("month"))
    unit = models.CharField(_("unit"), max_length=2)  # the performances' unit (LDT_Eenheid): volumes add up per unit
    answered_lines = models.BigIntegerField(default=0)
    rejected_lines = models.BigIntegerField(default=0)
    granted = models.BigIntegerField(_("granted (cents)"), default=0)
    rejected = models.BigIntegerField(_("rejected (cents)"), default=0)
    paid = models.BigIntegerField(_("paid (cents)"), default=0)
    above_tariff_lines = models.BigIntegerField(default=0)
    above_tariff = models.BigIntegerField(_("above the tariff (cents)"), default=0)
    unlinked_lines = models.BigIntegerField(default=0)
    unlinked = models.BigIntegerField(_("without a known allocation (cents)"), default=0)

    KEY = ("month", "municipality_id", "contract_id", "product_category", "product_code", "unit")
    SUMS = (
        "lines",
        "volume",
        "declared",
        "answered_lines",
        "rejected_lines",
        "granted",
        "rejected",
        "paid",
        "above_tariff_lines",
        "above_tariff",
        "unlinked_lines",
        "unlinked",
    )

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "municipality", "contract", "product_category", "product_code", "unit"],
                name="month_figure_key",
            )
        ]
        indexes = [
            # Emptied keys are removed after lines are taken out: found without a scan.
            models.Index(fields=["lines"], condition=models.Q(lines=0), name="month_figure_empty"),
            models.Index(fields=["month", "provider"], name="month_figure_provider"),
            models.Index(fields=["municipality", "month"], name="month_figure_municipality"),
            models.Index(fields=["provider", "month"], name="month_figure_by_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m-%Y} {self.municipality_id}/{self.contract_id} {self.product_code}"


class ClientYear(Slice):
    """One client's performances in one year of care in one slice; `months` has bit m-1 set for
    each month m with a performance. Only the keyed pseudonym: never a citizen number."""

    year = models.PositiveSmallIntegerField(_("year"))
    client_key = models.CharField(_("client key"), max_length=32)
    months = models.IntegerField(default=0)

    KEY = ("year", "municipality_id", "contract_id", "product_category", "product_code", "client_key")
    SUMS = ("lines", "volume", "declared")

    class Meta:
        verbose_name = _("client year")
        verbose_name_plural = _("client years")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "municipality", "contract", "product_category", "product_code", "client_key"],
                name="client_year_key",
            )
        ]
        indexes = [
            models.Index(fields=["year", "provider"], name="client_year_provider"),
            models.Index(fields=["year", "municipality"], name="client_year_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.client_key[:8]}…"


class FigureVersion(VersionToken):
    """Moved in the same transaction as every change to the figures (or to what the pages read
    beside them: allocations, answers, tariffs); a page's sums are cached under it."""

    class Meta:
        verbose_name = _("monitor version")
