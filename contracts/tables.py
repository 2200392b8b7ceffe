"""Contract and invoice lists. Every sortable column sorts on an index that ends in id, so a
page (also a deep one) is read in index order and the order is stable between pages."""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Invoice
from municipalities.tables import PortalTable


class ContractTable(PortalTable):
    reference = tables.Column(verbose_name=_("Reference"), linkify=True, order_by=("reference",))
    title = tables.Column(verbose_name=_("Title"), orderable=False)
    provider = tables.Column(verbose_name=_("Provider"), orderable=False)
    segment = tables.Column(verbose_name=_("Segment"), accessor="segment__code", orderable=False)
    funding_variant = tables.Column(verbose_name=_("Funding"), orderable=False)
    start_date = tables.DateColumn(verbose_name=_("Start"), order_by=("start_date", "id"),
                                   attrs={"td": {"class": "date"}})
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
        fields = ("invoice_number", "invoice_date", "provider", "municipality", "contract", "period_start",
                  "amount", "due_date", "status")
        order_by = ("-invoice_date",)
        template_name = "contracts/invoice_table.html"


class TotalsPaginator(Paginator):
    """Counts and sums the filtered list in one query, and fetches a page in two steps: the
    primary keys of the page from the index (cheap even at offset 100,000), then those rows."""

    def __init__(self, queryset, per_page: int, related: tuple[str, ...] = ()) -> None:
        super().__init__(queryset, per_page, allow_empty_first_page=True)
        self.related = related

    @cached_property
    def totals(self) -> dict:
        return self.object_list.aggregate(n=Count("pk"), total=Sum("amount"))

    @cached_property
    def count(self) -> int:
        return self.totals["n"]

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        rows = self.object_list.model.objects.select_related(*self.related).in_bulk(ids)
        return self._get_page([rows[pk] for pk in ids], number, self)
