"""Dutch presentation of amounts and shares, independent of the active locale settings."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

register = template.Library()


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return ".".join(out)


def format_decimal(value, places: int = 2) -> str:
    try:
        amount = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):f}".partition(".")
    return f"{sign}{_group(whole)}" + (f",{frac}" if places else "")


@register.filter
def datum(value) -> str:
    """A date as 31-12-2025 in a <time> element that never breaks across lines."""
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.strftime("%d-%m-%Y"))


@register.filter
def money(value) -> str:
    """1234.5 -> '€ 1.234,50' (with a non-breaking space); negative: '€ -1.234,50'."""
    text = format_decimal(value, 2) if value not in (None, "") else ""
    return f"€\u00a0{text}" if text else ""


@register.filter
def percent(value, places: int = 2) -> str:
    """12.345 -> '12,35 %'."""
    text = format_decimal(value, int(places)) if value not in (None, "") else ""
    return f"{text}\u00a0%" if text else ""


@register.filter
def number(value) -> str:
    """103785 -> '103.785'."""
    if value is None or value == "":
        return ""
    return format_decimal(value, 0)


@register.filter
def number_nl(value) -> str:
    """1.66 -> '1,66' (a Decimal with its own places, Dutch separators)."""
    if value is None or value == "":
        return ""
    places = max(0, -Decimal(value).as_tuple().exponent)
    return format_decimal(value, places)


@register.filter
def isodate(value) -> str:
    """'2025-06-30' (as stored in an issued report) -> '30-06-2025'."""
    if not value:
        return ""
    try:
        return datetime.date.fromisoformat(str(value)).strftime("%d-%m-%Y")
    except ValueError:
        return str(value)


@register.filter
def money_signed(value) -> str:
    """A change in money with its sign: '€ +1.234,50', '€ -1.234,50', '€ 0,00'."""
    text = money(value)
    if text and value is not None and Decimal(value) > 0:
        return text.replace("€\u00a0", "€\u00a0+", 1)
    return text


@register.filter
def percent_signed(value, places: int = 1) -> str:
    text = percent(value, places)
    if text and value is not None and Decimal(value) > 0:
        return "+" + text
    return text
