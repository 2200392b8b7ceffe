"""A monitor table: a title, columns, rows (each with its own number of clients) and perhaps a
total; suppressed for a viewer who sees one municipality (monitor/suppression.py), rendered by
templates/monitor/_table.html and exported through the portal's one formula-safe writer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from monitor.suppression import SECONDARY_LABEL, Row, suppress
from portal.spreadsheets import Figure, csv_response, xlsx_response
from portal.templatetags.portal import money, number, percent

FORMATS = {"money": money, "number": number, "percent": lambda v: percent(v, 1)}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "money"  # money, number, percent, text
    public: bool = False  # not about clients (a tariff, inhabitants): shown in a hidden row too


@dataclass
class Line:
    """One row of a table: its label (and link) are never hidden; its figures may be."""

    label: str
    row: Row
    url: str = ""
    links: dict[str, str] = field(default_factory=dict)
    highlighted: bool = False

    def cells(self, columns: list[Column]) -> list[tuple[str, SafeString]]:
        """(CSS class, content) per column."""
        out = []
        for column in columns:
            hidden = bool(self.row.hidden) and not column.public
            if column.public:
                value = self.row.values.get(column.key)
            else:
                value = self.row.shown(column.key) if column.key == "clients" or column.key in self.row.values else None
            out.append(("num" if column.kind != "text" else "", self._cell(column, value, hidden)))
        return out

    def _cell(self, column: Column, value, hidden: bool) -> SafeString:
        """One cell's content as HTML, formatted here rather than by an include per cell (a
        template include per cell was most of a large page's time)."""
        if hidden:
            # "< 5" is a number of clients; an amount of a hidden row is only "not shown"
            sign = self.row.label if column.key == "clients" else SECONDARY_LABEL
            return format_html(
                '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>', sign, self.row.explanation
            )
        if value is None:
            return mark_safe("—")
        text = FORMATS.get(column.kind, str)(value)
        url = self.links.get(column.key, "")
        return format_html('<a href="{}">{}</a>', url, text) if url else conditional_escape(text)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    lines: list[Line]
    total: Line | None = None
    caption: str = ""
    # The total is the region's while the rows are one municipality's: it cannot give a row away
    # (the rest of the region is thirteen municipalities), so it is no reason to hide more.
    total_is_region: bool = False

    def suppressed(self, on: bool) -> Table:
        """The table as a viewer of one municipality may see it (unchanged when ``on`` is False)."""
        if on:
            total = self.total.row if self.total and not self.total_is_region else None
            suppress([line.row for line in self.lines], total)
        return self

    @property
    def hidden_any(self) -> bool:
        return any(line.row.hidden for line in self.lines) or bool(self.total and self.total.row.hidden)

    def export(self, kind: str, filename: str) -> HttpResponse:
        """The table as CSV or XLSX: what the page shows, hidden cells as their sign ("< 5", "×")."""
        columns = [(self.title_of_label(), lambda line: line.label)]
        for column in self.columns:
            columns.append((str(column.label), _getter(column)))
        lines = [*self.lines, *([self.total] if self.total else [])]
        name = slugify(f"{filename}-{self.name}")
        if kind == "xlsx":
            return xlsx_response(lines, columns, name, str(self.title)[:31])
        return csv_response(lines, columns, name)

    @property
    def body(self) -> list[tuple[Line, list[dict]]]:
        return [(ln, ln.cells(self.columns)) for ln in self.lines]

    @property
    def total_cells(self) -> list[dict]:
        return self.total.cells(self.columns) if self.total else []

    def title_of_label(self) -> str:
        return str(self.caption or self.title)


def _getter(column: Column):
    def get(line: Line) -> object:
        if line.row.hidden and not column.public:
            return line.row.label if column.key == "clients" else SECONDARY_LABEL
        value = line.row.clients if column.key == "clients" else line.row.values.get(column.key)
        if column.kind == "percent" and value is not None:
            return Figure(value)
        return value

    return get


def line(label: str, figures: dict, *, url: str = "", links: dict | None = None, highlighted: bool = False) -> Line:
    """A Line from a dict of figures (as monitor.queries returns them); its row's key is the
    figures' key (a provider's id, a month) or else the label."""
    values = {k: v for k, v in figures.items() if k not in ("key", "clients")}
    row = Row(key=figures.get("key", label), clients=int(figures.get("clients") or 0), values=values)
    return Line(str(label), row, url, links or {}, highlighted)
