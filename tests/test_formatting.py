from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from portal.templatetags.portal import money, number, percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.56"), "€\u00a01.234,56"),
        (Decimal("-1234.5"), "€\u00a0-1.234,50"),
        (Decimal("0"), "€\u00a00,00"),
        (Decimal("779740"), "€\u00a0779.740,00"),
        ("1000000.005", "€\u00a01.000.000,01"),
        (None, ""),
        ("geen getal", ""),
    ],
)
def test_money(value, expected):
    assert money(value) == expected


def test_percent_and_number():
    assert percent(Decimal("36")) == "36,00\u00a0%"
    assert percent(Decimal("7.125"), 1) == "7,1\u00a0%"
    assert number(103785) == "103.785"


def test_dates_are_dutch_day_month_year():
    import datetime

    with translation.override("nl"):
        assert formats.date_format(datetime.date(2025, 12, 31)) == "31-12-2025"
        template = Template('{{ d|date:"SHORT_DATE_FORMAT" }}')
        assert template.render(Context({"d": datetime.date(2026, 1, 1)})) == "01-01-2026"
