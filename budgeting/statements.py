"""The cost-allocation statement per municipality as a page and a PDF, the whole table as CSV
and XLSX, all statements as a ZIP, and the log of who downloaded what."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from budgeting.models import AnnualAccounts, Budget, StatementDownload
from budgeting.services.allocation import Allocation, AllocationRow, Change, Scenario, changes
from municipalities.models import Municipality
from portal.pdf import render_pdf
from portal.spreadsheets import Figure

# The chart's geometry, in SVG user units (1 unit = 1 px = 0.75 pt when printed).
CHART_WIDTH = 640
CHART_LABEL = 150  # room for the names on the left
CHART_VALUE = 110  # room for the amounts on the right
BAR_HEIGHT = 13
BAR_GAP = 4


@dataclass(frozen=True)
class Bar:
    name: str
    amount: Decimal
    y: int
    width: int
    highlighted: bool

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 3

    @property
    def value_x(self) -> int:
        return CHART_LABEL + self.width + 6


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int = CHART_WIDTH
    bar_height: int = BAR_HEIGHT
    label_width: int = CHART_LABEL

    @property
    def height(self) -> int:
        return len(self.bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    @property
    def label_x(self) -> int:
        return CHART_LABEL - 8


def bar_chart(allocation: Allocation, highlight: Municipality | None = None) -> BarChart:
    """Horizontal bars of every municipality's total, largest first. The highlighted one is solid
    black with a bold name; the others light grey with a black outline, so the chart reads the
    same when printed in black and white."""
    rows = sorted(allocation.rows, key=lambda r: (-r.total, r.municipality.name))
    largest = max((r.total for r in rows), default=Decimal(0))
    room = CHART_WIDTH - CHART_LABEL - CHART_VALUE
    bars = []
    for index, row in enumerate(rows):
        width = int(room * max(row.total, Decimal(0)) / largest) if largest > 0 else 0
        bars.append(
            Bar(
                row.municipality.name,
                row.total,
                BAR_GAP + index * (BAR_HEIGHT + BAR_GAP),
                max(width, 1),
                highlight is not None and row.municipality.pk == highlight.pk,
            )
        )
    return BarChart(bars)


def document_slug(document: Budget | AnnualAccounts) -> str:
    """kostenverdeling-2026-module-1, -jaarrekening- for accounts, -versie-2 for an amendment."""
    budget = document.cycle_budget
    kind = "kostenverdeling-jaarrekening" if document.is_accounts else "kostenverdeling"
    name = f"{kind}-{budget.year}-module-{budget.module.number}"
    if document.is_amendment:
        name += f"-versie-{budget.version}"
    return name


def statement_filename(document: Budget | AnnualAccounts, municipality: Municipality) -> str:
    return f"{document_slug(document)}-{slugify(municipality.slug)}.pdf"


def status_text(document: Budget | AnnualAccounts) -> str:
    """ "Vastgesteld door het AB op 10-07-2025", or the status of a document not yet adopted."""
    if document.adopted_on and document.status in ("adopted", "province", "superseded"):
        text = _("Adopted by the AB on %(date)s") % {"date": f"{document.adopted_on:%d-%m-%Y}"}
        if document.status == "superseded":
            text += " – " + _("replaced by an amendment")
        return text
    if document.status == "draft":
        return _("Draft, not yet adopted by the AB")
    return _("Draft, not yet adopted: %(status)s") % {"status": document.get_status_display()}


def statement_context(allocation: Allocation, row: AllocationRow, change: Change | None = None) -> dict:
    change = change if change is not None else changes(allocation).get(row.municipality.pk)
    # Only a participant or a plus-package buyer has a contribution to settle.
    settled = allocation.is_accounts and (row.basis is not None or bool(row.plus_items))
    settlement = allocation.settlement.get(row.municipality.pk) if settled else None
    return {
        "allocation": allocation,
        "document": allocation.document,
        "budget": allocation.budget,
        "row": row,
        "municipality": row.municipality,
        "change": change,
        "status_text": status_text(allocation.document),
        "chart": bar_chart(allocation, row.municipality),
        "settlement": settlement,
        "settlement_amount": abs(settlement) if settlement is not None else None,
        "budget_contribution": row.contribution + settlement if settlement is not None else None,
        "printed_on": timezone.localdate(),
    }


def render_statement(allocation: Allocation, row: AllocationRow, change: Change | None = None) -> bytes:
    return render_pdf("budgeting/pdf/statement.html", {**statement_context(allocation, row, change), "is_pdf": True})


def statements_zip(allocation: Allocation) -> bytes:
    """Every municipality's statement in one ZIP (the allocation and the changes computed once)."""
    all_changes = changes(allocation)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in allocation.rows:
            pdf = render_statement(allocation, row, all_changes.get(row.municipality.pk))
            archive.writestr(statement_filename(allocation.document, row.municipality), pdf)
    return buffer.getvalue()


def allocation_table(allocation: Allocation) -> tuple[list[str], list[list[object]]]:
    """The whole allocation as headers and rows of typed values, ending in a totals row so a
    controller can check every sum (CSV and XLSX)."""
    by_key, accounts = allocation.by_key, allocation.is_accounts
    headers = [
        _("Municipality"),
        _("CBS code"),
        _("Key share (%)") if by_key else _("Inhabitants"),
        _("Days of membership"),
        _("Share of the basic package (%)"),
        _("Basic package"),
        _("Plus packages"),
        _("DVO fees"),
        *([_("Care costs")] if accounts else []),
        _("Total"),
        *([_("Settlement (+ back to the municipality)")] if accounts else []),
    ]
    rows: list[list[object]] = []
    for r in allocation.rows:
        basis = r.basis
        rows.append(
            [
                r.municipality.name,
                r.municipality.cbs_code,
                ((Figure(basis.key_percent) if by_key else basis.inhabitants) if basis else None),
                basis.days if basis else None,
                Figure(basis.share) if basis else None,
                r.basic,
                r.plus,
                r.dvo,
                *([r.care] if accounts else []),
                r.total,
                *([allocation.settlement.get(r.municipality.pk)] if accounts else []),
            ]
        )
    t = allocation.totals
    rows.append(
        [
            _("Total"),
            "",
            None,
            None,
            Figure(sum((r.basis.share for r in allocation.participants), Decimal(0))),
            t["basic"],
            t["plus"],
            t["dvo"],
            *([t["care"]] if accounts else []),
            t["total"],
            *([allocation.settlement_total] if accounts else []),
        ]
    )
    return headers, rows


def scenario_context(scenario: Scenario) -> dict:
    return {"scenario": scenario, "budget": scenario.budget, "printed_on": timezone.localdate()}


def log_download(user, document: Budget | AnnualAccounts, kind: str, municipality: Municipality | None = None) -> None:
    StatementDownload.objects.create(
        user=user,
        kind=kind,
        **document.target(),
        municipality=municipality,
    )
