"""What the 301 and 325 imports share: the parties of a message and its dates and amounts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from contracts.imports import ImportProblem
from contracts.models import Provider
from municipalities.lookup import MunicipalityLookup
from municipalities.models import Municipality
from portal.textfiles import FIRST_YEAR, LAST_YEAR

BATCH = 2000


def parties(code: str, agb: str) -> tuple[Municipality, Provider] | list[ImportProblem]:
    """The municipality that sent a 301 or 325 and the provider it is addressed to, or why not."""
    municipality = MunicipalityLookup().find(f"GM{code}")
    provider = Provider.objects.filter(agb_code=agb).first()
    problems = []
    if municipality is None:
        problems.append(
            ImportProblem(
                0,
                "",
                _("The sender (municipality code %(code)s) is not a municipality known to the portal.")
                % {"code": code},
            )
        )
    if provider is None:
        problems.append(
            ImportProblem(
                0, "", _("The receiver (AGB code %(agb)s) is not a provider known to the portal.") % {"agb": agb}
            )
        )
    return problems or (municipality, provider)


def message_date(text: str | None) -> datetime.date | None:
    """An xs:date as a date; None for a time zone or a year outside what the portal stores."""
    try:
        value = datetime.date.fromisoformat(text or "")
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR and len(text or "") == 10 else None


def cents(text: str | None, debit_credit: str | None = "D") -> Decimal:
    sign = -1 if debit_credit == "C" else 1
    return (Decimal(sign * int(text)) / 100).quantize(Decimal("0.01"))


def date_problem(line: int, element: str) -> ImportProblem:
    return ImportProblem(
        line,
        element,
        _("the date has a time zone or lies outside %(first)d–%(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
    )
