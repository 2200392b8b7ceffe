"""Import of population counts from a CSV export of CBS StatLine (03759ned or 37230ned).

StatLine exports differ by route: the website writes ``"Regio's";"Perioden";"Bevolking op 1
januari (aantal)"`` with names and periods like ``2024`` or ``2024 januari``, sometimes below a
title line and above a "Bron: CBS" footer; the open-data (OData) CSV writes ``RegioS;Perioden;
BevolkingOp1Januari_1`` with codes such as ``GM0988`` and periods such as ``2024JJ00`` or
``2024MM01``. Both are accepted. The import is all-or-nothing: one bad line and nothing is saved.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from municipalities.lookup import MunicipalityLookup
from municipalities.lookup import normalise as _norm
from municipalities.models import Municipality, PopulationCount
from portal.textfiles import FIRST_YEAR, LAST_YEAR, decode_text, parse_date, read_csv

MONTHS_NL = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
TOTAL_MARKERS = ("totaal", "t001038", "10000", "t001019", "t001180")
FOOTER_PREFIXES = ("bron", "centraal bureau", "©", "(c)", "cbs", "tabeltoelichting")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class LineError:
    line: int  # 0 = the file as a whole
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass(frozen=True)
class ParsedCount:
    line: int
    municipality: Municipality
    reference_date: datetime.date
    inhabitants: int
    provisional: bool


@dataclass
class PopulationImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    unknown_municipalities: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Header:
    region: int
    period: int
    population: int
    totals: tuple[tuple[int, str], ...]  # other dimension columns that must hold a total


def find_header(cells: list[str]) -> Header | None:
    names = [_norm(c) for c in cells]
    region = period = None
    population: list[int] = []
    others: list[tuple[int, str]] = []
    for i, name in enumerate(names):
        if region is None and (name.startswith("regio") or name in {"gemeente", "gemeentecode"}):
            region = i
        elif period is None and (name.startswith("period") or name in {"jaar", "peildatum"}):
            period = i
        elif "bevolking" in name or "inwoners" in name:
            population.append(i)
        elif name in {"geslacht", "leeftijd", "burgerlijke staat", "burgerlijkestaat"}:
            others.append((i, cells[i].strip()))
    if region is None or period is None or not population:
        return None
    # 03759ned has both "op 1 januari" and "gemiddeld"; 37230ned "aan het begin van de periode".
    preferred = [i for i in population if "1 januari" in names[i] or "1januari" in names[i]
                 or "begin" in names[i]]
    return Header(region, period, (preferred or population)[0], tuple(others))


def parse_period(value: str) -> tuple[datetime.date, bool] | None:
    """The reference date a period stands for, and whether CBS marked it provisional (*)."""
    text = _norm(value)
    provisional = "*" in text or "voorlopig" in text
    text = text.replace("*", "").replace("voorlopig", "").strip()
    date = None
    if m := re.fullmatch(r"(\d{4})(?:jj00)?", text):
        date = (int(m[1]), 1)
    elif m := re.fullmatch(r"(\d{4})mm(\d{2})", text):
        date = (int(m[1]), int(m[2]))
    elif m := re.fullmatch(r"(\d{4}) ([a-z]+)", text):
        date = (int(m[1]), MONTHS_NL.get(m[2], 0))
    if date is not None:
        year, month = date
        # Year 0000 or month 13 are typing errors, not a crash.
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return datetime.date(year, month, 1), provisional
        return None
    parsed = parse_date(text)
    return (parsed, provisional) if parsed else None


# More than any municipality could have; larger numbers are a wrong column, and would not fit.
MAX_INHABITANTS = 10_000_000


def parse_inhabitants(value: str) -> int | None:
    """ASCII digits only: str.isdigit() also accepts '²', which int() then refuses."""
    text = re.sub(r"[\s.\u00a0]", "", value.strip())
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > MAX_INHABITANTS:
        return None
    return int(text)


def _parse_row(cells: list[str], header: Header, lookup: MunicipalityLookup) -> ParsedCount | list[str]:
    """One data line: the parsed count, or every reason why it is wrong."""
    width = max(header.region, header.period, header.population) + 1
    if len(cells) < width:
        return [_("too few columns (%(found)d, expected at least %(expected)d).")
                % {"found": len(cells), "expected": width}]
    for i, name in header.totals:
        if i < len(cells) and not _norm(cells[i]).startswith(TOTAL_MARKERS):
            return [_("column '%(column)s' holds '%(value)s'; export the table with totals only.")
                    % {"column": name, "value": cells[i]}]
    region, period, population = (cells[header.region].strip(), cells[header.period].strip(),
                                  cells[header.population].strip())
    municipality, parsed_period, inhabitants = lookup.find(region), parse_period(period), parse_inhabitants(population)
    problems = []
    if municipality is None:
        problems.append(_("unknown municipality '%(name)s'.") % {"name": region})
    if parsed_period is None:
        problems.append(_("period '%(value)s' is not a year, month or date.") % {"value": period})
    if not inhabitants:
        problems.append(_("population '%(value)s' is not a positive whole number.") % {"value": population})
    if problems or municipality is None or parsed_period is None or inhabitants is None:
        return problems
    return ParsedCount(0, municipality, parsed_period[0], inhabitants, parsed_period[1])


def parse_population_csv(data: bytes) -> tuple[list[ParsedCount], list[LineError], list[str]]:
    """Parse every line; return counts, errors and the names of unknown municipalities."""
    if len(data) > MAX_BYTES:
        return [], [LineError(0, _("The file is larger than 5 MB."))], []
    try:
        text = decode_text(data)
    except ValueError as exc:
        return [], [LineError(0, str(exc))], []
    try:
        lines = read_csv(text)
    except ValueError as exc:
        return [], [LineError(0, str(exc))], []
    header: Header | None = None
    lookup = MunicipalityLookup()
    counts: list[ParsedCount] = []
    errors: list[LineError] = []
    unknown: list[str] = []
    seen: dict[tuple[int, datetime.date], int] = {}
    for number, cells in enumerate(lines, start=1):
        filled = [c.strip() for c in cells if c.strip()]
        if not filled:
            continue
        if header is None:
            header = find_header(cells)  # title lines above the header are skipped
            continue
        if len(filled) == 1 and _norm(filled[0]).startswith(FOOTER_PREFIXES):
            continue
        parsed = _parse_row(cells, header, lookup)
        if isinstance(parsed, list):
            errors.extend(LineError(number, message) for message in parsed)
            region = cells[header.region].strip() if len(cells) > header.region else ""
            if region and lookup.find(region) is None and region not in unknown:
                unknown.append(region)
            continue
        key = (parsed.municipality.pk, parsed.reference_date)
        if key in seen:
            errors.append(LineError(number, _("%(municipality)s on %(date)s already appears on line %(line)d.") % {
                "municipality": parsed.municipality, "date": f"{parsed.reference_date:%d-%m-%Y}", "line": seen[key]}))
            continue
        seen[key] = number
        counts.append(ParsedCount(number, parsed.municipality, parsed.reference_date, parsed.inhabitants,
                                  parsed.provisional))
    if header is None:
        errors.insert(0, LineError(0, _("No header line found. Expected columns for the region "
                                        "(\"Regio's\"), the period (\"Perioden\") and the population "
                                        "(\"Bevolking op 1 januari\").")))
    elif not counts and not errors:
        errors.append(LineError(0, _("The file contains no population figures.")))
    return counts, errors, unknown


def import_population_csv(data: bytes, source: str) -> PopulationImportResult:
    """Parse and, only when every line is valid, save all counts in one transaction."""
    counts, errors, unknown = parse_population_csv(data)
    result = PopulationImportResult(errors=errors, unknown_municipalities=unknown)
    if errors:
        return result
    with transaction.atomic():
        existing = {
            (c.municipality_id, c.reference_date): c
            for c in PopulationCount.objects.select_for_update().filter(
                municipality__in={c.municipality for c in counts},
                reference_date__in={c.reference_date for c in counts},
            )
        }
        for parsed in counts:
            suffix = " (" + _("provisional") + ")" if parsed.provisional else ""
            label = source + suffix
            current = existing.get((parsed.municipality.pk, parsed.reference_date))
            if current is None:
                PopulationCount.objects.create(
                    municipality=parsed.municipality, reference_date=parsed.reference_date,
                    inhabitants=parsed.inhabitants, source=label[:255], estimated=False,
                )
                result.created += 1
            elif current.inhabitants == parsed.inhabitants and not current.estimated:
                result.unchanged += 1
            else:
                current.inhabitants, current.source, current.estimated = parsed.inhabitants, label[:255], False
                current.save(update_fields=["inhabitants", "source", "estimated"])
                result.updated += 1
    return result
