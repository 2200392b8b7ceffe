"""Contract and invoice lists. Every sortable column sorts on an index that ends in id, so a
page (also a deep one) is read in index order and the order is stable between pages."""

from __future__ import annotations

import hashlib

import django_tables2 as tables
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import OPEN_STATUSES, Contract, Invoice, InvoiceLedger, InvoiceStatus
from municipalities.tables import PortalTable
from portal.money import MoneySum
from portal.templatetags.portal import money


class ContractTable(PortalTable):
    reference = tables.Column(
        verbose_name=_("Reference"),
        linkify=True,
        order_by=("reference",),
        attrs={"th": {"class": "nowrap"}, "td": {"class": "nowrap"}},
    )
    title = tables.Column(verbose_name=_("Title"), orderable=False)
    provider = tables.Column(verbose_name=_("Provider"), orderable=False)
    segment = tables.Column(verbose_name=_("Segment"), accessor="segment__code", orderable=False)
    funding_variant = tables.Column(verbose_name=_("Funding"), orderable=False)
    start_date = tables.DateColumn(
        verbose_name=_("Start"), order_by=("start_date", "id"), attrs={"td": {"class": "date"}}
    )
    end_date = tables.DateColumn(verbose_name=_("End"), order_by=("end_date", "id"), attrs={"td": {"class": "date"}})
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)

    caption = _("Contracts")

    class Meta(PortalTable.Meta):
        model = Contract
        fields = ("reference", "title", "provider", "segment", "funding_variant", "start_date", "end_date")
        per_page = 25
        empty_text = _("No contracts match.")

    def render_funding_variant(self, record: Contract) -> str:
        return {"effort": _("effort"), "output": _("output"), "task": _("lump sum")}[record.funding_variant]

    def render_status(self, record: Contract) -> str:
        status = record.status
        css = {"active": "badge-ok", "ending": "badge-warn", "upcoming": "badge-muted", "ended": "badge-muted"}
        return format_html('<span class="badge {}">{}</span>', css[status], status.label)


class InvoiceTable(tables.Table):
    """Only the header, ordering and page of this table come from django-tables2; the rows are
    written out in the template (at ~0.1 ms a cell, generic cell rendering would dominate)."""

    invoice_number = tables.Column(verbose_name=_("Invoice number"), order_by=("invoice_number", "id"))
    invoice_date = tables.Column(verbose_name=_("Invoice date"), order_by=("invoice_date", "id"))
    provider = tables.Column(verbose_name=_("Provider"), orderable=False)
    municipality = tables.Column(verbose_name=_("Municipality"), orderable=False)
    contract = tables.Column(verbose_name=_("Contract"), orderable=False)
    period_start = tables.Column(verbose_name=_("Period"), order_by=("period_start", "id"))
    amount = tables.Column(verbose_name=_("Amount"), order_by=("amount", "id"), attrs={"th": {"class": "num"}})
    due_date = tables.Column(verbose_name=_("Due"), order_by=("due_date", "id"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "invoice_date", "id"))

    class Meta:
        model = Invoice
        fields = (
            "invoice_number",
            "invoice_date",
            "provider",
            "municipality",
            "contract",
            "period_start",
            "amount",
            "due_date",
            "status",
        )
        order_by = ("-invoice_date",)
        template_name = "contracts/invoice_table.html"


TOTALS_SECONDS = 300
STATUS_LABELS = dict(InvoiceStatus.choices)


def invoice_rows(invoices, *, selectable: bool) -> list[str]:
    """The table rows of a page of invoices, written in Python: 25 rows of 10 cells through the
    template engine took a quarter of the page's time. Every value is escaped by format_html."""
    today = timezone.localdate()
    overdue = format_html(' <span class="badge badge-warn">{}</span>', gettext("overdue"))
    rows = []
    for invoice in invoices:
        if invoice.period_is_month:
            period = date_format(invoice.period_start, "F Y")
        else:
            period = f"{invoice.period_start:%d-%m-%Y} – {invoice.period_end:%d-%m-%Y}"
        select = (
            format_html(
                '<td><input type="checkbox" name="invoice" value="{}" form="bulk-form" id="select-{}" aria-label="{}">'
                "</td>",
                invoice.pk,
                invoice.pk,
                gettext("Select invoice %(number)s") % {"number": invoice.invoice_number},
            )
            if selectable
            else ""
        )
        rows.append(
            format_html(
                '<tr>{}<th scope="row" class="nowrap"><a href="{}">{}</a></th>'
                '<td class="date">{}</td><td>{}</td><td>{}</td>'
                '<td class="nowrap">{}</td><td class="date">{}</td><td class="num">{}</td><td class="date">{}{}</td>'
                '<td><span class="badge status-{}">{}</span></td></tr>',
                select,
                reverse("contracts:invoice", args=[invoice.pk]),
                invoice.invoice_number,
                f"{invoice.invoice_date:%d-%m-%Y}",
                invoice.provider.name,
                invoice.municipality.name,
                invoice.contract.reference,
                period,
                money(invoice.amount),
                f"{invoice.due_date:%d-%m-%Y}",
                overdue if invoice.status in OPEN_STATUSES and invoice.amount >= 0 and invoice.due_date < today else "",
                invoice.status,
                STATUS_LABELS[invoice.status],
            )
        )
    return rows


class TotalsPaginator(Paginator):
    """Counts and sums the filtered list in one query, and fetches a page in two steps: the
    primary keys of the page from the index (cheap even at offset 100,000), then those rows."""

    def __init__(self, queryset, per_page: int, related: tuple[str, ...] = ()) -> None:
        super().__init__(queryset, per_page, allow_empty_first_page=True)
        self.related = related

    @cached_property
    def totals(self) -> dict:
        """Count and sum of the filtered list, cached per filter under the ledger version (read
        first: a total computed after it can only be newer, never older, than the version)."""
        version = InvoiceLedger.current()
        sql, params = self.object_list.query.sql_with_params()
        key = f"invoice-totals:{version}:{hashlib.sha256(repr((sql, params)).encode()).hexdigest()}"
        totals = cache.get(key)
        if totals is None:
            totals = self.object_list.aggregate(n=Count("pk"), total=MoneySum("amount"))
            cache.set(key, totals, TOTALS_SECONDS)
        return totals

    @cached_property
    def count(self) -> int:
        return self.totals["n"]

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = self.object_list.model.objects.select_related(*self.related).in_bulk(ids)
        return self._get_page([rows[pk] for pk in ids], number, self)
