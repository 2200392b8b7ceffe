"""The declared lines behind a figure or a signal (office only): filtered by the monitor's scope
and a kind (above the tariff, without a known allocation, rejected), 50 to a page, exportable."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor.analysis import lines_of_kind
from monitor.forms import MonitorFilterForm
from monitor.queries import Scope
from portal.spreadsheets import csv_response, xlsx_response

PAGE = 50
EXPORT_LIMIT = 100_000
KINDS = {
    "": gettext_lazy("All declared lines"),
    "above_tariff": gettext_lazy("Lines above the contract's tariff"),
    "unlinked": gettext_lazy("Lines without a known allocation"),
    "rejected": gettext_lazy("Rejected lines"),
}


def _columns() -> list:
    return [
        (_("Invoice"), lambda x: x.invoice.invoice_number),
        (_("Municipality"), lambda x: x.invoice.municipality.name),
        (_("Provider"), lambda x: x.invoice.provider.name),
        (_("Product"), lambda x: f"{x.product_category}/{x.product_code}"),
        (_("Period from"), lambda x: x.period_start),
        (_("Period until"), lambda x: x.period_end),
        (_("Volume"), lambda x: x.volume),
        (_("Amount"), lambda x: x.amount),
        (_("Contract tariff"), lambda x: getattr(x, "contract_tariff", None)),
        (_("Allocation number"), lambda x: x.assignment_number),
        (_("Client key"), lambda x: x.client_key),
    ]


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


def lines_page(request: HttpRequest, scope: Scope, form: MonitorFilterForm) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = ""
    lines = lines_of_kind(scope, kind)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        name = f"regels-{scope.year}-{kind or 'alle'}"
        rows = lines[:EXPORT_LIMIT].iterator(chunk_size=2000)
        if export == "xlsx":
            return xlsx_response(rows, _columns(), name, _("Lines"))
        return csv_response(rows, _columns(), name)
    number = _page_number(request.GET.get("page"))
    shown = list(lines[(number - 1) * PAGE : number * PAGE + 1])
    context = {
        "scope": scope,
        "form": form,
        "kind": kind,
        "kind_label": KINDS[kind],
        "kinds": KINDS,
        "lines": shown[:PAGE],
        "page": number,
        "has_next": len(shown) > PAGE,
    }
    return render(request, "monitor/lines.html", context)
