"""Each monitor page as one dict of tables, charts and facts (the views render it or export one
of its tables). ``suppressed``: the viewer sees one municipality, small numbers are hidden."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from monitor import analysis
from monitor.pages import (
    bars_of,
    change_table,
    dimension_table,
    kpi_table,
    lines_url,
    month_label,
    municipality_table,
    spend_columns,
    suppress_trend,
    trend_chart_of,
    trend_table,
    url,
)
from monitor.queries import Distribution, Scope, by, totals
from monitor.suppression import THRESHOLD, Row
from monitor.tables import Column, Line, Table, line
from portal.templatetags.portal import money


@dataclass(frozen=True)
class Viewer:
    suppressed: bool  # sees one municipality: small numbers hidden
    own: int | None  # that municipality
    sees_lines: bool  # may open the declared lines behind a figure


def overview(scope: Scope, viewer: Viewer) -> dict:
    kpi = kpi_table(scope, lines_link=viewer.sees_lines, region=viewer.suppressed).suppressed(viewer.suppressed)
    trend = trend_table(scope)
    if viewer.suppressed:
        suppress_trend(trend, scope)
    municipalities, population = municipality_table(scope, own=viewer.own)
    municipalities.suppressed(viewer.suppressed)
    providers = dimension_table(scope, "provider", link="detail", lines_link=viewer.sees_lines).suppressed(
        viewer.suppressed
    )
    tables = [
        kpi,
        trend,
        municipalities,
        providers,
        change_table(scope, providers, suppressed=viewer.suppressed),
        dimension_table(scope, "segment", link="filter", lines_link=viewer.sees_lines).suppressed(viewer.suppressed),
        dimension_table(scope, "product", link="filter", lines_link=viewer.sees_lines).suppressed(viewer.suppressed),
    ]
    charts = {
        "trend": trend_chart_of(trend),
        "municipalities": bars_of(
            municipalities, "per_1000", "chart-per-1000", _("Declared per 1,000 inhabitants"), ordered=True
        ),
        "providers": bars_of(_top(providers, 10), "declared", "chart-providers", _("The ten largest providers")),
    }
    population["note"] = _("Inhabitants on %(date)s, the budget's reference date.") % {
        "date": population["date"].strftime("%d-%m-%Y")
    }
    if population["median"] is not None:
        population["note"] += " " + _("The region's median: %(median)s per 1,000 inhabitants.") % {
            "median": money(population["median"])
        }
    return {"tables": {t.name: t for t in tables}, "charts": charts, "population": population, "viewer": viewer}


def _top(table: Table, count: int) -> Table:
    return Table(table.name, table.title, table.columns, table.lines[:count])


def month_table(scope: Scope) -> Table:
    """The scope's year per month with the year's total (suppressed against each other)."""
    columns = [*spend_columns(), Column("volume_per_client", _("Volume per client"), "number")]
    lines = [line(month_label(r["key"]), r) for r in by(scope, "month")]
    return Table("maanden", _("Per month"), columns, lines, total=line(_("Total"), totals(scope)), caption=_("Month"))


def tariff_table(scope: Scope, viewer: Viewer) -> Table:
    """Average price per unit against the contract's tariff, per contract and product."""
    rows = analysis.price_against_tariff(scope)
    clients = {(r["key"][0], r["key"][1], r["key"][2]): r["clients"] for r in by(scope, "contract_product")}
    lines = []
    for r in rows:
        r["clients"] = clients.get((r["contract_id"], r["product_category"], r["product_code"]), 0)
        label = f"{r['contract__reference']} · {r['product_category']}/{r['product_code']} ({r['unit_label']})"
        links = {}
        if viewer.sees_lines and r["above_tariff_lines"]:
            target = lines_url(scope, "above_tariff", product=r["product_code"])
            links = {"above_tariff": target, "above_tariff_lines": target}
        lines.append(line(label, r, links=links))
    columns = [
        Column("volume", _("Volume"), "number"),
        Column("declared", _("Declared")),
        Column("price", _("Average price per unit")),
        Column("tariff", _("Contract tariff"), public=True),
        Column("above_tariff_lines", _("Lines above the tariff"), "number"),
        Column("above_tariff", _("Above the tariff")),
    ]
    table = Table("tarief", _("Price against the contract's tariff"), columns, lines, caption=_("Contract and product"))
    return table.suppressed(viewer.suppressed)


def codes_table(scope: Scope, viewer: Viewer) -> Table:
    rows = analysis.return_codes(scope)
    lines = [
        Line(f"{r['code']} {r['meaning']}".strip(), Row(r["code"], r["clients"], {"lines": r["lines"]})) for r in rows
    ]
    table = Table(
        "retourcodes",
        _("Most frequent return codes"),
        [Column("lines", _("Rejected lines"), "number")],
        lines,
        caption=_("Return code"),
    )
    return table.suppressed(viewer.suppressed)


def distribution_tables(scope: Scope, viewer: Viewer) -> list[Table]:
    """Cost per client in ten groups (for one municipality: the mean per group, and only when each
    group holds at least 5 clients), and the ten highest client totals (internal roles only)."""
    distribution = Distribution.of(scope)
    deciles = distribution.deciles()
    if viewer.suppressed and (len(distribution.totals) < 10 * THRESHOLD):
        deciles = []
    columns = [Column("mean", _("Mean per client"))]
    if not viewer.suppressed:
        columns = [Column("low", _("From")), Column("high", _("Up to")), *columns]
    lines = [Line(_("Group %(n)s") % {"n": d["decile"]}, Row(d["decile"], d["clients"], d)) for d in deciles]
    tables = [
        Table(
            "decielen",
            _("Cost per client in ten groups"),
            [Column("clients", _("Clients"), "number"), *columns],
            lines,
            caption=_("Group (1 = lowest)"),
        )
    ]
    if not viewer.suppressed:
        top = [
            Line(_("Client %(n)s") % {"n": i}, Row(i, 1, {"total": t})) for i, t in enumerate(distribution.highest(), 1)
        ]
        tables.append(
            Table(
                "hoogste",
                _("The ten highest client totals"),
                [Column("total", _("Declared"))],
                top,
                caption=_("Anonymous client"),
            )
        )
    return tables


def small(count: int, viewer: Viewer) -> str | int:
    """A count of clients or allocations as a viewer of one municipality may see it."""
    if viewer.suppressed and 0 < count < THRESHOLD:
        return _("< %(threshold)s") % {"threshold": THRESHOLD}
    return count


def detail(scope: Scope, viewer: Viewer, *, per: str) -> dict:
    """A provider's page (per municipality) or a municipality's page (per provider)."""
    kpi = kpi_table(scope, lines_link=viewer.sees_lines, region=viewer.suppressed).suppressed(viewer.suppressed)
    months = month_table(scope).suppressed(viewer.suppressed)
    breakdown = dimension_table(scope, per, link="detail", lines_link=viewer.sees_lines).suppressed(viewer.suppressed)
    idle_count, idle = analysis.idle_allocations(scope, timezone.localdate())
    uptake = analysis.uptake(scope)
    tables = [
        kpi,
        months,
        breakdown,
        tariff_table(scope, viewer),
        codes_table(scope, viewer),
        *distribution_tables(scope, viewer),
    ]
    charts = {"months": bars_of(months, "declared", "chart-months", _("Declared per month"))}
    facts = {
        "idle_count": small(idle_count, viewer),
        "idle": [] if viewer.suppressed else idle,
        "uptake": uptake,
        "uptake_shown": not viewer.suppressed or uptake.budget_allocations + uptake.volume_allocations >= THRESHOLD,
    }
    return {"tables": {t.name: t for t in tables}, "charts": charts, "facts": facts, "viewer": viewer}


def signals(scope: Scope) -> dict:
    """Providers that deviate from their segment's median, lines above the tariff and lines
    without a known allocation, each linking to the lines behind it (internal roles only)."""
    from contracts.models import Provider, Segment

    found = analysis.deviating_providers(scope)
    names = dict(Provider.objects.filter(pk__in=[s["provider"] for s in found]).values_list("pk", "name"))
    segments = {s.pk: str(s) for s in Segment.objects.filter(pk__in=[s["segment"] for s in found])}
    for signal in found:
        signal["name"] = names.get(signal["provider"], "")
        signal["segment_name"] = segments.get(signal["segment"], "")
        signal["url"] = url("provider", scope, signal["provider"], provider=None)
        signal["lines_url"] = lines_url(scope, "rejected", provider=signal["provider"], segment=signal["segment"])
        signal["all_lines_url"] = lines_url(scope, provider=signal["provider"], segment=signal["segment"])
    tables = {}
    for measure, title in (
        ("above_tariff", _("Declared above the tariff")),
        ("unlinked", _("Declared without a known allocation")),
    ):
        rows = analysis.flagged_lines(scope, measure)
        lines = [
            Line(
                r["provider__name"],
                Row(r["provider_id"], 0, {"lines": r["lines"], "amount": r["amount"]}),
                url("provider", scope, r["provider_id"], provider=None),
                links={"lines": lines_url(scope, measure, provider=r["provider_id"])},
            )
            for r in rows
        ]
        columns = [
            Column("lines", _("Lines"), "number"),
            Column("amount", _("Amount") if measure == "unlinked" else _("Above the tariff")),
        ]
        tables[measure] = Table(measure.replace("_", "-"), title, columns, lines, caption=_("Provider"))
    return {"deviations": found, "tables": tables, "rule": _rule()}


def _rule() -> dict:
    return {
        "cost": analysis.COST_FACTOR,
        "rate": analysis.RATE_FACTOR,
        "margin": analysis.RATE_MARGIN,
        "min_clients": analysis.MIN_CLIENTS,
    }


def comparison(scope: Scope, municipality, *, suppressed: bool) -> dict:
    """The municipality's declared per 1,000 inhabitants against the region's median."""
    from monitor.pages import per_inhabitants

    rows, date = per_inhabitants(scope)
    values = [r["per_1000"] for r in rows if r["per_1000"] is not None]
    own = next((r for r in rows if r["key"] == municipality.pk), None)
    median = statistics.median(values) if values else None
    mine = own["per_1000"] if own else None
    hidden = suppressed and own is not None and 0 < own["clients"] < THRESHOLD
    return {"date": date, "median": median, "own": None if hidden else mine, "hidden": hidden}
