"""The spending monitor's SVG charts: geometry, valid XML, accessible names, black-and-white cues."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from lxml import etree

from monitor.charts import (
    BAR_VALUE,
    BAR_WIDTH,
    Bar,
    Series,
    bar_chart,
    format_value,
    nice_ticks,
    trend_chart,
    truncate,
)

SVG = "{http://www.w3.org/2000/svg}"
NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


def render(template: str, chart: dict) -> etree._Element:
    return etree.fromstring(render_to_string(f"monitor/{template}.html", {"chart": chart}).encode())


def months_from(year: int, month: int, count: int) -> list[datetime.date]:
    return [datetime.date(year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1, 1) for i in range(count)]


def sample_bars() -> list[Bar]:
    return [
        Bar("Venlo", Decimal("1000.00"), url="/monitor/venlo/"),
        Bar("Horst aan de Maas", Decimal("500.00"), url="/monitor/horst/?jaar=2025&kind=a", highlighted=True),
        Bar("Beesel", None, url="/monitor/beesel/"),
        Bar("Bergen (L.)", Decimal("-250.00")),
    ]


def by_label(chart: dict) -> dict[str, dict]:
    return {bar["full_label"]: bar for bar in chart["bars"]}


# ---------------------------------------------------------------------------------------- bars


def test_largest_bar_fills_the_room_and_others_scale():
    chart = bar_chart("c", "T", "D", [Bar("a", Decimal(800)), Bar("b", Decimal(200)), Bar("c", Decimal(0))])
    a, b, c = chart["bars"]
    room = BAR_WIDTH - chart["plot_left"] - BAR_VALUE
    assert a["x"] == chart["zero_x"] == chart["plot_left"]
    assert a["width"] == pytest.approx(room, abs=0.1)
    assert b["width"] == pytest.approx(room / 4, abs=0.1)
    assert c["rect"] and c["width"] == 0


def test_negative_bar_goes_left_of_the_zero_axis():
    bars = by_label(bar_chart("c", "T", "D", sample_bars()))
    chart = bar_chart("c", "T", "D", sample_bars())
    negative, positive = bars["Bergen (L.)"], bars["Venlo"]
    assert negative["x"] + negative["width"] == pytest.approx(chart["zero_x"], abs=0.1)
    assert negative["x"] < chart["zero_x"] == positive["x"]
    assert negative["value_anchor"] == "end" and negative["value_x"] < negative["x"]
    # The scale is shared: 250 is a quarter of 1000.
    assert negative["width"] == pytest.approx(positive["width"] / 4, abs=0.1)
    # Room for the amount left of the longest negative bar, right of the names.
    assert chart["plot_left"] - BAR_VALUE == chart["label_x"] + 8


def test_hidden_value_draws_no_rect_but_the_hidden_label():
    chart = bar_chart("c", "T", "D", sample_bars(), hidden_label="< 5 cliënten")
    svg = render("_bar_chart", chart)
    rects = svg.findall(f".//{SVG}rect")
    assert len(rects) == 1 + 3  # the white background and three bars
    link = svg.find(".//s:a[@href='/monitor/beesel/']", NS)
    assert link.find(f"{SVG}rect") is None
    assert "< 5 cliënten" in [t.text for t in link.findall(f"{SVG}text")]
    assert link.find(f"{SVG}title").text == "Beesel: < 5 cliënten"


def test_hidden_value_without_a_label_says_not_shown():
    chart = bar_chart("c", "T", "D", [Bar("a", None)])
    assert chart["bars"][0]["value_text"] == gettext("not shown")


def test_bar_chart_is_valid_xml_with_accessible_name_and_every_link():
    svg = render("_bar_chart", bar_chart("spend", "Uitgaven & baten", "Staven <per> gemeente", sample_bars()))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "group"  # links inside role="img" would be hidden from screen readers
    assert svg.get("aria-labelledby") == "spend-title"
    assert svg.get("aria-describedby") == "spend-desc"
    assert svg.find(f"{SVG}title").get("id") == "spend-title"
    assert svg.find(f"{SVG}title").text == "Uitgaven & baten"
    assert svg.find(f"{SVG}desc").get("id") == "spend-desc"
    assert svg.find(f"{SVG}desc").text == "Staven <per> gemeente"
    links = svg.findall(".//s:a", NS)
    assert [a.get("href") for a in links] == ["/monitor/venlo/", "/monitor/horst/?jaar=2025&kind=a", "/monitor/beesel/"]
    assert all(a.get("class") == "chart-link" for a in links)
    # Each link is named by its title: the full name and the figure.
    assert links[0].find(f"{SVG}title").text == "Venlo: €\u00a01.000,00"
    # The Content-Security-Policy blocks inline CSS: no <style> element, no style attribute.
    markup = render_to_string("monitor/_bar_chart.html", {"chart": bar_chart("x", "T", "D", sample_bars())})
    assert "<style" not in markup and " style=" not in markup


def test_bar_chart_without_links_is_an_image_labelled_by_title_and_desc():
    svg = render("_bar_chart", bar_chart("plain", "T", "D", [Bar("a", Decimal(1))]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "plain-title plain-desc"
    assert svg.find(".//s:a", NS) is None


def test_ids_are_unique_per_chart_on_a_page():
    page = "<div>" + "".join(
        render_to_string("monitor/_bar_chart.html", {"chart": bar_chart(name, "T", "D", sample_bars())})
        for name in ("first", "second")
    )
    page += render_to_string("monitor/_trend_chart.html", {"chart": trend_chart("third", "T", "D", [], [])}) + "</div>"
    ids = etree.fromstring(page.encode()).xpath("//@id")
    assert ids == ["first-title", "first-desc", "second-title", "second-desc", "third-title", "third-desc"]


def test_invalid_chart_id_is_refused():
    with pytest.raises(ValueError):
        bar_chart("1 two", "T", "D", [])


def test_highlighted_bar_is_solid_black_with_a_bold_marked_name():
    svg = render("_bar_chart", bar_chart("c", "T", "D", sample_bars()))
    link = svg.find(".//s:a[@href='/monitor/horst/?jaar=2025&kind=a']", NS)
    assert link.find(f"{SVG}rect").get("fill") == "#000"
    label = link.find(f"{SVG}text")
    assert label.text == "▶ Horst aan de Maas" and label.get("font-weight") == "bold"
    other = svg.find(".//s:a[@href='/monitor/venlo/']/s:rect", NS)
    assert other.get("fill") == "#d0d0d0" and other.get("stroke") == "#000"


def test_long_label_is_shortened_with_the_full_name_in_the_title():
    name = "Gemeente met een bijzonder lange naam die niet in de ruimte links past"
    svg = render("_bar_chart", bar_chart("c", "T", "D", [Bar(name, Decimal(5))]))
    group = svg.find(f"{SVG}g")
    label = group.find(f"{SVG}text").text
    assert label.endswith("…") and len(label) < len(name)
    assert group.find(f"{SVG}title").text == f"{name}: €\u00a05,00"
    assert truncate("Venlo", 100) == "Venlo"


@pytest.mark.parametrize(
    ("value", "value_format", "text"),
    [
        (Decimal("1234.56"), "money", "€\u00a01.234,56"),
        (Decimal("-1234.5"), "money", "€\u00a0-1.234,50"),
        (Decimal("103785"), "number", "103.785"),
        (Decimal("12.34"), "percent", "12,3\u00a0%"),
    ],
)
def test_values_are_formatted_the_dutch_way(value, value_format, text):
    assert format_value(value, value_format) == text


def test_unknown_value_format_is_refused():
    with pytest.raises(ValueError):
        bar_chart("c", "T", "D", [Bar("a", Decimal(1))], value_format="euro")


def test_coordinates_are_not_localized():
    svg = render_to_string("monitor/_bar_chart.html", {"chart": bar_chart("c", "T", "D", sample_bars())})
    rect = etree.fromstring(svg.encode()).find(".//s:a/s:rect", NS)
    assert float(rect.get("x")) > 0 and float(rect.get("width")) > 0  # "123,4" would raise


# -------------------------------------------------------------------------------------- trend


def trend_sample() -> dict:
    months = months_from(2024, 11, 14)  # nov 2024 .. dec 2025
    first = [Decimal(1000 * i) for i in range(14)]
    second = [Decimal(500)] * 3 + [None] * 2 + [Decimal(700)] * 4 + [None] + [Decimal(900)] * 4
    third = [None] * 13 + [Decimal(-300)]
    series = [Series("Jeugdhulp", first), Series("Wmo", second), Series("Beschermd wonen", third)]
    return trend_chart("trend", "Uitgaven per maand", "Drie lijnen", months, series)


def points(polyline: etree._Element) -> list[str]:
    return polyline.get("points").split()


def test_trend_points_match_the_values_and_gaps_split_the_line():
    svg = render("_trend_chart", trend_sample())
    groups = svg.findall(f"{SVG}g")
    assert len(groups) == 3
    lines = [g.findall(f"{SVG}polyline") for g in groups]
    assert [len(runs) for runs in lines] == [1, 3, 1]
    assert [len(points(p)) for p in lines[1]] == [3, 4, 4]
    assert [sum(len(points(p)) for p in runs) for runs in lines] == [14, 11, 1]
    # One marker per value, plus one in the legend.
    assert [len(g.findall(f"{SVG}path")) for g in groups] == [15, 12, 2]


def test_trend_y_axis_starts_at_zero_or_below_and_x_runs_left_to_right():
    chart = trend_sample()
    first = [tuple(map(float, p.split(","))) for p in chart["series"][0]["runs"][0].split()]
    assert first[0] == (chart["left"], chart["gridlines"][1]["y"])  # 0 sits on the second gridline
    assert first[-1][0] == chart["right"]
    assert [x for x, _ in first] == sorted(x for x, _ in first)
    assert [y for _, y in first] == sorted((y for _, y in first), reverse=True)  # rising values go up
    labels = [g["label"] for g in chart["gridlines"]]
    assert labels == ["€\u00a0-5.000", "€\u00a00", "€\u00a05.000", "€\u00a010.000", "€\u00a015.000"]


def test_legend_names_dash_patterns_and_markers_are_distinct():
    chart = trend_sample()
    svg = render("_trend_chart", chart)
    assert [t.text for t in svg.xpath("//s:g/s:text", namespaces=NS)] == ["Jeugdhulp", "Wmo", "Beschermd wonen"]
    legend_lines = svg.xpath("//s:g/s:line", namespaces=NS)
    dashes = [line.get("stroke-dasharray") for line in legend_lines]
    assert len(set(dashes)) == 3
    for group, dash in zip(svg.findall(f"{SVG}g"), dashes, strict=True):
        assert {p.get("stroke-dasharray") for p in group.findall(f"{SVG}polyline")} == {dash}
    assert [s["marker"] for s in chart["series"]] == ["circle", "square", "triangle"]
    shapes = {re.sub(r"-?[0-9.]+", "", s["legend_marker"]) for s in chart["series"]}
    assert len(shapes) == 3


def test_a_series_can_bring_its_own_dash_pattern():
    chart = trend_chart("t", "T", "D", months_from(2025, 1, 2), [Series("a", [Decimal(1), Decimal(2)], dash="1 1")])
    assert chart["series"][0]["dash"] == "1 1"


def test_x_labels_per_quarter_in_dutch():
    svg = render("_trend_chart", trend_sample())
    labels = [" ".join(t.itertext()) for t in svg.xpath("/s:svg/s:text", namespaces=NS)]
    labels = [" ".join(label.split()) for label in labels if not label.startswith("€")]
    assert labels == ["jan 2025", "apr 2025", "jul 2025", "okt 2025"]
    ticks = trend_chart("t", "T", "D", months_from(2025, 2, 2), [])["x_ticks"]
    assert [(t["month"], t["labelled"]) for t in ticks] == [("feb", True), ("mrt", False)]


def test_trend_chart_is_valid_xml_with_accessible_name():
    svg = render("_trend_chart", trend_sample())
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "trend-title trend-desc"
    assert svg.find(f"{SVG}title").text == "Uitgaven per maand"
    assert svg.find(f"{SVG}desc").get("id") == "trend-desc"


def test_thirty_six_months_and_an_empty_chart_render():
    months = months_from(2023, 1, 36)
    chart = trend_chart("t", "T", "D", months, [Series("a", [Decimal(i * 1000) for i in range(36)])])
    assert len(render("_trend_chart", chart).xpath("/s:svg/s:text/s:tspan", namespaces=NS)) == 2 * 12
    empty = render("_trend_chart", trend_chart("e", "T", "D", [], []))
    assert [t.text for t in empty.findall(f"{SVG}text")] == [gettext("No figures to show")]


def test_series_must_fit_the_months_and_stay_readable():
    months = months_from(2025, 1, 2)
    with pytest.raises(ValueError):
        trend_chart("t", "T", "D", months, [Series("a", [Decimal(1)])])
    with pytest.raises(ValueError):
        trend_chart("t", "T", "D", months, [Series(str(i), [None, None]) for i in range(5)])


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 100, [0, 25, 50, 75, 100]),
        (0, 101, [0, 50, 100, 150]),
        (0, 12_345, [0, 5_000, 10_000, 15_000]),
        (-300, 13_000, [-5_000, 0, 5_000, 10_000, 15_000]),
        (0, 0, [0, 1, 2, 3, 4]),
        (Decimal("0.4"), Decimal("0.6"), [0, 1]),
    ],
)
def test_nice_ticks_are_whole_euros(low, high, ticks):
    assert nice_ticks(Decimal(low), Decimal(high)) == [Decimal(t) for t in ticks]
