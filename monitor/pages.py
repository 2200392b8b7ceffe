"""The monitor's pages as tables and charts: what each page shows, built from monitor.queries and
monitor.analysis, suppressed for a viewer of one municipality. Views only pick the page."""

from __future__ import annotations

import datetime
import statistics
from decimal import Decimal

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from budgeting.models import Budget
from contracts.models import Provider, Segment
from monitor.charts import Bar, Series, bar_chart, trend_chart
from monitor.queries import Scope, by, clients_per_month, totals, trend
from monitor.suppression import Row
from monitor.tables import Column, Line, Table, line
from municipalities.models import Municipality

THOUSAND = Decimal(1000)


def month_label(month: datetime.date) -> str:
    """ "jan 2026" (Dutch, kept on one line)."""
    return f"{date_format(month, 'M').lower()}\u00a0{month.year}"


def url(name: str, scope: Scope, *args, **changes) -> str:
    query = scope.query(**changes)
    return reverse(f"monitor:{name}", args=args) + (f"?{query}" if query else "")


def lines_url(scope: Scope, kind: str = "", **changes) -> str:
    link = url("lines", scope, **changes)
    return f"{link}{'&' if '?' in link else '?'}kind={kind}" if kind else link


def spend_columns() -> list[Column]:
    """Declared, granted, paid, clients and cost per client: the columns most tables share."""
    return [
        Column("declared", _("Declared")),
        Column("granted", _("Granted")),
        Column("paid", _("Paid")),
        Column("clients", _("Clients"), "number"),
        Column("cost_per_client", _("Cost per client")),
    ]


def kpi_columns() -> list[Column]:
    return [
        Column("declared", _("Declared")),
        Column("granted", _("Granted")),
        Column("rejected", _("Rejected")),
        Column("paid", _("Paid")),
        Column("clients", _("Clients"), "number"),
        Column("cost_per_client", _("Cost per client")),
        Column("rejection_rate", _("Rejected %"), "percent"),
    ]


def period_label(scope: Scope) -> str:
    if scope.whole_year:
        return str(scope.year)
    return f"{scope.from_month:02d}-{scope.year} – {scope.to_month:02d}-{scope.year}"


def kpi_table(scope: Scope, *, lines_link: bool, region: bool) -> Table:
    """This period, the same period last year and (for one municipality) the whole region."""
    rows = [
        line(period_label(scope), totals(scope), highlighted=True),
        line(period_label(scope.previous()), totals(scope.previous())),
    ]
    if lines_link:
        rows[0].links = {"declared": lines_url(scope), "rejected": lines_url(scope, "rejected")}
    if region:
        rows.append(
            line(_("Region %(period)s") % {"period": period_label(scope)}, totals(scope.but(municipality=None)))
        )
    return Table("kerncijfers", _("Key figures"), kpi_columns(), rows, caption=_("Period"))


def trend_table(scope: Scope) -> Table:
    """Declared, granted and paid per month over 36 months, with clients per month; months of a
    year are suppressed against that year's total, so no month can be worked out from it."""
    months = trend(scope)
    years = sorted({m["month"].year for m in months})
    clients: dict = {}
    for year in years:
        clients |= clients_per_month(scope.but(year=year, from_month=1, to_month=12))
    lines = []
    for m in months:
        figures = {k: m[k] for k in ("declared", "granted", "paid")}
        figures["clients"] = clients.get((m["month"],), 0)
        lines.append(line(month_label(m["month"]), figures))
    columns = [
        Column("declared", _("Declared")),
        Column("granted", _("Granted")),
        Column("paid", _("Paid")),
        Column("clients", _("Clients"), "number"),
    ]
    table = Table("trend", _("Per month, 36 months"), columns, lines, caption=_("Month"))
    table.months = [m["month"] for m in months]
    return table


def suppress_trend(table: Table, scope: Scope) -> None:
    """Per year of the trend: its months against that year's total (the key figures show it)."""
    from monitor.suppression import suppress

    for year in sorted({m.year for m in table.months}):
        rows = [ln.row for ln, m in zip(table.lines, table.months, strict=True) if m.year == year]
        total = totals(scope.but(year=year, from_month=1, to_month=12))
        suppress(rows, Row(key=year, clients=total["clients"], values={}))


def all_hidden(table: Table, key: str) -> bool:
    return bool(table.lines) and all(ln.row.shown(key) is None for ln in table.lines)


def trend_chart_of(table: Table) -> dict:
    def values(key: str) -> list:
        return [ln.row.shown(key) for ln in table.lines]

    if all_hidden(table, "declared") and any(ln.row.hidden for ln in table.lines):
        return {"title": _("Declared, granted and paid per month"), "hidden": True}

    return trend_chart(
        "chart-trend",
        _("Declared, granted and paid per month"),
        _("Three lines over 36 months; the table beside the chart gives the same amounts."),
        table.months,
        [
            Series(_("Declared"), values("declared")),
            Series(_("Granted"), values("granted")),
            Series(_("Paid"), values("paid")),
        ],
    )


def reference_date(scope: Scope) -> datetime.date:
    """The population's date: the budget's reference date for the module and year."""
    budget = Budget.objects.filter(module_id=scope.module, year=scope.year).first() if scope.module else None
    return budget.reference_date if budget else datetime.date(scope.year - 1, 1, 1)


def per_inhabitants(scope: Scope) -> tuple[list[dict], datetime.date]:
    """Declared per 1,000 inhabitants for every municipality with figures (region-wide)."""
    date = reference_date(scope)
    people = dict(Municipality.objects.with_inhabitants_on(date).values_list("pk", "inhabitants"))
    rows = by(scope.but(municipality=None), "municipality")
    for row in rows:
        inhabitants = people.get(row["key"])
        row["inhabitants"] = inhabitants
        row["per_1000"] = (row["declared"] / inhabitants * THOUSAND).quantize(Decimal("0.01")) if inhabitants else None
    return rows, date


def municipality_table(scope: Scope, *, own: int | None) -> tuple[Table, dict]:
    """Every municipality (internal), or only one's own beside the region's median and total."""
    rows, date = per_inhabitants(scope)
    names = {m.pk: m for m in Municipality.objects.filter(pk__in=[r["key"] for r in rows])}
    medians = [r["per_1000"] for r in rows if r["per_1000"] is not None]
    median = statistics.median(medians) if medians else None
    columns = [
        Column("declared", _("Declared")),
        Column("clients", _("Clients"), "number"),
        Column("inhabitants", _("Inhabitants"), "number", public=True),
        Column("per_1000", _("Declared per 1,000 inhabitants")),
    ]
    shown = [r for r in rows if own is None or r["key"] == own]
    lines = [
        line(
            names[r["key"]].name,
            r,
            url=url("municipality", scope, names[r["key"]].slug, municipality=None),
            highlighted=r["key"] == own,
        )
        for r in shown
    ]
    total = _region_total(rows)
    table = Table(
        "gemeenten",
        _("Per municipality, per 1,000 inhabitants"),
        columns,
        lines,
        total=line(_("Region"), total),
        caption=_("Municipality"),
        total_is_region=own is not None,
    )
    return table, {"date": date, "median": median}


def _region_total(rows: list[dict]) -> dict:
    declared = sum((r["declared"] for r in rows), Decimal(0))
    inhabitants = sum(r["inhabitants"] or 0 for r in rows)
    per = (declared / inhabitants * THOUSAND).quantize(Decimal("0.01")) if inhabitants else None
    return {
        "declared": declared,
        "clients": sum(r["clients"] for r in rows),
        "inhabitants": inhabitants,
        "per_1000": per,
    }


def dimension_table(
    scope: Scope, dimension: str, *, link: str, lines_link: bool = False, limit: int | None = None
) -> Table:
    """Sums per provider, municipality, segment or product, largest first, with the scope's total.
    A row links to the provider's or municipality's page (``link="detail"``) or to the overview
    filtered on it; its declared amount to the lines behind it."""
    rows = by(scope, dimension)
    names = _names(scope, dimension, [r["key"] for r in rows], link)
    lines = []
    for r in rows[:limit] if limit else rows:
        label, target = names.get(r["key"], (str(r["key"]), ""))
        links = {"declared": lines_url(scope, **_as_filter(dimension, r["key"]))} if lines_link else {}
        lines.append(line(label, r, url=target, links=links))
    columns = [*spend_columns(), Column("rejection_rate", _("Rejected %"), "percent")]
    titles = {
        "provider": (_("Per provider"), _("Provider")),
        "municipality": (_("Per municipality"), _("Municipality")),
        "segment": (_("Per segment"), _("Segment")),
        "product": (_("Per product"), _("Product")),
    }
    total = line(_("Total"), totals(scope)) if not limit or len(rows) <= limit else None
    title, caption = titles[dimension]
    return Table(dimension, title, columns, lines, total=total, caption=caption)


def _as_filter(dimension: str, key) -> dict:
    if dimension == "product":
        return {"product": key[1]}
    return {dimension: key}


def _names(scope: Scope, dimension: str, keys: list, link: str) -> dict:
    """Each key's label and where it leads."""
    if dimension == "provider" and link == "detail":
        return {
            p.pk: (p.name, url("provider", scope, p.pk, provider=None)) for p in Provider.objects.filter(pk__in=keys)
        }
    if dimension == "municipality":
        found = Municipality.objects.filter(pk__in=keys)
        return {m.pk: (m.name, url("municipality", scope, m.slug, municipality=None)) for m in found}
    if dimension == "provider":
        found = Provider.objects.filter(pk__in=keys)
    elif dimension == "segment":
        found = Segment.objects.filter(pk__in=keys)
    else:
        return {k: (f"{k[0]}/{k[1]}", url("overview", scope, product=k[1])) for k in keys}
    return {o.pk: (str(o), url("overview", scope, **{dimension: o.pk})) for o in found}


def change_table(scope: Scope, current: Table, *, suppressed: bool) -> Table:
    """The providers whose declared amount changed most against the same period last year; a
    provider hidden in either year is left out (the table has no total to recompute it from)."""
    before = Table("vorig", "", [], [line("", r) for r in by(scope.previous(), "provider")])
    before.total = line("", totals(scope.previous()))
    before.suppressed(suppressed)
    was = {ln.row.key: ln.row for ln in before.lines}
    now = {ln.row.key: ln.row for ln in current.lines}
    names = dict(Provider.objects.filter(pk__in=set(now) | set(was)).values_list("pk", "name"))
    changes = []
    for key in set(now) | set(was):
        if (key in now and now[key].hidden) or (key in was and was[key].hidden):
            continue
        this = now[key].values["declared"] if key in now else Decimal(0)
        then = was[key].values["declared"] if key in was else Decimal(0)
        clients = now[key].clients if key in now else 0
        changes.append((this - then, key, Row(key, clients, {"before": then, "now": this, "change": this - then})))
    changes.sort(key=lambda c: (-abs(c[0]), c[1]))
    lines = [
        Line(names.get(key, str(key)), row, url("provider", scope, key, provider=None)) for _c, key, row in changes[:10]
    ]
    columns = [
        Column("before", _("Same period last year")),
        Column("now", _("This period")),
        Column("change", _("Change")),
    ]
    return Table("verandering", _("Largest change per provider"), columns, lines, caption=_("Provider"))


def bars_of(
    table: Table, key: str, chart_id: str, title: str, *, value_format: str = "money", ordered: bool = False
) -> dict:
    """A bar per line of the table (``ordered``: largest value first, hidden ones last); only its
    title when every bar is hidden (the page says so instead)."""
    if all_hidden(table, key) and any(ln.row.hidden for ln in table.lines):
        return {"title": title, "hidden": True}
    lines = table.lines
    if ordered:
        lines = sorted(lines, key=lambda ln: (ln.row.shown(key) is None, -(ln.row.shown(key) or 0)))
    bars = [Bar(ln.label, ln.row.shown(key), ln.url, ln.highlighted) for ln in lines]
    return bar_chart(
        chart_id,
        title,
        _("Horizontal bars; the table beside the chart gives the same figures."),
        bars,
        hidden_label=_("not shown"),
        value_format=value_format,
    )
