"""Import of population counts from a CSV export of CBS StatLine (03759ned or 37230ned).

StatLine exports differ by route: the website writes ``"Regio's";"Perioden";"Bevolking op 1
januari (aantal)"`` with names and periods like ``2024`` or ``2024 januari``, sometimes below a
title line and above a "Bron: CBS" footer; the open-data (OData) CSV writes ``RegioS;Perioden;
BevolkingOp1Januari_1`` with codes such as ``GM0988`` and periods such as ``2024JJ00`` or
``2024MM01``. Both are accepted.

A real export holds more than the portal needs. Every data line is taken, skipped or refused:

* Taken: a row of one of the portal's municipalities on a reference date. A year (``2024``,
  ``2024JJ00``) and January (``2024 januari``, ``2024MM01``) stand for 1 January.
* Skipped, and counted per reason in the result summary (``PopulationImportResult.skipped_summary``):

  - the national total (``Nederland``, ``NL01``), provinces (``Limburg (PV)``, ``PV31`` or a
    province's plain name), parts of the country and COROP areas (``(LD)``, ``(CR)``, ``LD04``,
    ``CR37``);
  - municipalities that are not the portal's: a ``GM`` code, or a name that reads as a place name
    (letters, spaces, hyphens, apostrophes, commas, a short qualifier in brackets such as
    ``Bergen (NH.)``). Their names are listed in the summary, so that a misspelling shows;
  - quarters of the portal's municipalities (``2024 1e kwartaal``, ``2024KW01``);
  - months other than January (and dates other than 1 January) when the file holds any 1 January
    count: a monthly 37230ned export is read for its 1 January counts. A file without any
    1 January count (an export of one month, say ``2026 maart``) is imported on the first of that
    month, as before;
  - a year row beside a January row of the same municipality and year with the same count: both
    are 1 January, the January row is taken. A year row without a January row beside it is taken
    as 1 January (a 03759ned export holds years only).

  Skipped rows are not read further: a "." (not yet published) for Nederland is no error.
* Refused, all-or-nothing (one error and nothing is saved), each with its line number:

  - a region that is neither one of the portal's municipalities nor recognisably a country,
    province, area or municipality: digits or symbols, or a near miss of one of the portal's
    names (one letter off or very alike: ``Wert`` or ``Weerd`` for Weert, ``Bergen`` or
    ``Bergen (L)`` for Bergen (L.)), which is more likely a typing error than another
    municipality. These are listed as unknown municipalities;
  - in a row of the portal's municipalities: a total column (Geslacht, Leeftijd) that does not
    hold the total, a period that is not a year, quarter, month or date, a count that is not a
    positive whole number, a second row for the same municipality and date (the same kind of
    period twice, or a year and a January row with different counts).
"""

from __future__ import annotations

import datetime
import enum
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from municipalities.lookup import REGION_SUFFIX, MunicipalityLookup
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


class SkipReason(enum.Enum):
    """Why a line was skipped; the summary lists them in this order."""

    NATIONAL = "national"
    PROVINCE = "province"
    AREA = "area"
    OTHER_MUNICIPALITY = "municipality"
    QUARTER = "quarter"
    OTHER_MONTH = "month"
    YEAR_BESIDE_JANUARY = "year"

    @property
    def label(self) -> str:
        return str(SKIP_LABELS[self])


SKIP_LABELS = {
    SkipReason.NATIONAL: gettext_lazy("national total"),
    SkipReason.PROVINCE: gettext_lazy("province"),
    SkipReason.AREA: gettext_lazy("part of the country or COROP area"),
    SkipReason.OTHER_MUNICIPALITY: gettext_lazy("municipality outside the region"),
    SkipReason.QUARTER: gettext_lazy("quarter"),
    SkipReason.OTHER_MONTH: gettext_lazy("month other than January"),
    SkipReason.YEAR_BESIDE_JANUARY: gettext_lazy("year beside 1 January"),
}


class PeriodKind(enum.Enum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    DATE = "date"


@dataclass(frozen=True)
class LineError:
    line: int  # 0 = the file as a whole
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: SkipReason
    region: str


@dataclass(frozen=True)
class ParsedCount:
    line: int
    municipality: Municipality
    reference_date: datetime.date
    inhabitants: int
    provisional: bool
    year_row: bool = False


def skip_summary(skipped: list[Skipped]) -> str:
    """'12 rijen overgeslagen: landelijk totaal (2), provincie (2), …', or '' when none were."""
    if not skipped:
        return ""
    counted = Counter(s.reason for s in skipped)
    reasons = ", ".join(f"{reason.label} ({counted[reason]})" for reason in SkipReason if counted[reason])
    return ngettext("%(count)d row skipped: %(reasons)s", "%(count)d rows skipped: %(reasons)s",
                    len(skipped)) % {"count": len(skipped), "reasons": reasons}


@dataclass
class PopulationImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    unknown_municipalities: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def outside_municipalities(self) -> list[str]:
        names = (s.region for s in self.skipped if s.reason is SkipReason.OTHER_MUNICIPALITY)
        return list(dict.fromkeys(names))

    def skipped_summary(self) -> str:
        """What was skipped and why, in one paragraph for the page after the import."""
        text = skip_summary(self.skipped)
        if not text:
            return ""
        names = self.outside_municipalities
        if not names:
            return text + "."
        shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
        return text + ". " + _("Municipalities outside the region: %(names)s.") % {"names": shown}


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


# --- regions ----------------------------------------------------------------------------------

REGION_PATTERNS = (
    (SkipReason.NATIONAL, re.compile(r"nederland(?: \((?:land|nl)\))?|nl\d{2}")),
    (SkipReason.PROVINCE, re.compile(r"pv\d{2}|.+ \((?:pv|provincie)\)")),
    (SkipReason.AREA, re.compile(r"(?:ld|cr)\d{2}|.+ \((?:ld|cr|landsdeel|corop(?:-?gebied)?)\)")),
    (SkipReason.OTHER_MUNICIPALITY, re.compile(r"gm\d{4}")),
)
# Groningen and Utrecht are left out: without "(PV)" they are as much the municipality.
PROVINCE_NAMES = frozenset({
    "drenthe", "flevoland", "friesland", "fryslân", "gelderland", "limburg", "noord-brabant",
    "noord-holland", "overijssel", "zeeland", "zuid-holland",
})
PLACE_NAME = re.compile(r"(?:'s-)?[^\W\d_](?:[^\W\d_]|[ ,.'’-])*(?: \([^\W\d_]{1,8}\.?\))?")
QUALIFIER = re.compile(r"\s*\(([^)]*)\)$")
NEAR_MISS = 0.85  # "Horst a.d. Maas" 0.81 is no near miss, "Nederweerd" 0.9 is; the real "Eersel"/Beesel 0.83


class RegionReader:
    """Tells a row's region: one of the portal's municipalities, a reason to skip it, or None."""

    def __init__(self) -> None:
        self.lookup = MunicipalityLookup()
        self.portal = [_split(_norm(m.name)) for m in set(self.lookup.by_key.values())]
        self.seen: dict[str, Municipality | SkipReason | None] = {}  # an export repeats each region

    def read(self, value: str) -> Municipality | SkipReason | None:
        if value not in self.seen:
            self.seen[value] = self._read(value)
        return self.seen[value]

    def _read(self, value: str) -> Municipality | SkipReason | None:
        municipality = self.lookup.find(value)
        if municipality is not None:
            return municipality
        text = _norm(value)
        for reason, pattern in REGION_PATTERNS:
            if pattern.fullmatch(text):
                return reason
        if text in PROVINCE_NAMES:
            return SkipReason.PROVINCE
        if 2 <= len(text) <= 60 and PLACE_NAME.fullmatch(text) and not self.near_miss(text):
            return SkipReason.OTHER_MUNICIPALITY
        return None

    def near_miss(self, text: str) -> bool:
        """A spelling of one of the portal's municipalities rather than another municipality."""
        base, qualifier = _split(REGION_SUFFIX.sub("", text))
        for portal_base, portal_qualifier in self.portal:
            if base == portal_base:
                if not qualifier or qualifier == portal_qualifier:
                    return True
            elif _one_edit(base, portal_base) or SequenceMatcher(None, base, portal_base).ratio() >= NEAR_MISS:
                return True
        return False


def _one_edit(a: str, b: str) -> bool:
    """One letter added, dropped or changed: 'Weerd' for Weert (a ratio of only 0.8)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i:] == b[i + 1 :] if len(a) < len(b) else a[i + 1 :] == b[i + 1 :]


def _split(name: str) -> tuple[str, str]:
    """'bergen (l.)' -> ('bergen', 'l'): the name and its qualifier's letters."""
    match = QUALIFIER.search(name)
    if match is None:
        return name, ""
    return name[: match.start()], re.sub(r"[^\w]", "", match[1])


# --- periods ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    date: datetime.date  # the first day of the period
    provisional: bool

    @property
    def first_january(self) -> bool:
        return (self.date.month, self.date.day) == (1, 1)


PERIOD_PATTERNS = (
    (PeriodKind.YEAR, re.compile(r"(\d{4})(?:jj00)?")),
    (PeriodKind.MONTH, re.compile(r"(\d{4})mm(\d{2})")),
    (PeriodKind.QUARTER, re.compile(r"(\d{4}) ?kw(\d{2})")),
    (PeriodKind.QUARTER, re.compile(r"(\d{4}) (\d)e kwartaal")),
    (PeriodKind.MONTH, re.compile(r"(\d{4}) ([a-z]+)")),
)


def _period_start(text: str) -> tuple[PeriodKind, int, int] | None:
    """The kind, year and first month of a CBS period, unchecked; None if it is not one."""
    for kind, pattern in PERIOD_PATTERNS:
        if m := pattern.fullmatch(text):
            number = m[2] if m.lastindex == 2 else "1"
            if kind is PeriodKind.QUARTER:
                return kind, int(m[1]), 3 * int(number) - 2 if 1 <= int(number) <= 4 else 0
            return kind, int(m[1]), int(number) if number.isdigit() else MONTHS_NL.get(number, 0)
    return None


def read_period(value: str) -> Period | None:
    """The period a CBS label or a date stands for, and whether CBS marked it provisional (*)."""
    text = _norm(value)
    provisional = "*" in text or "voorlopig" in text
    text = text.replace("*", "").replace("voorlopig", "").strip()
    start = _period_start(text)
    if start is None:
        parsed = parse_date(text)
        return Period(PeriodKind.DATE, parsed, provisional) if parsed else None
    kind, year, month = start
    # Year 0000 or month 13 are typing errors, not a crash.
    if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
        return Period(kind, datetime.date(year, month, 1), provisional)
    return None


def parse_period(value: str) -> tuple[datetime.date, bool] | None:
    """The reference date a period stands for (a quarter stands for none), and whether provisional."""
    period = read_period(value)
    if period is None or period.kind is PeriodKind.QUARTER:
        return None
    return period.date, period.provisional


# More than any municipality could have; larger numbers are a wrong column, and would not fit.
MAX_INHABITANTS = 10_000_000


def parse_inhabitants(value: str) -> int | None:
    """ASCII digits only: str.isdigit() also accepts '²', which int() then refuses."""
    text = re.sub(r"[\s.\u00a0]", "", value.strip())
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > MAX_INHABITANTS:
        return None
    return int(text)


# --- lines ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A row of one of the portal's municipalities on a readable period, its count not yet read."""

    line: int
    region: str
    municipality: Municipality
    period: Period
    population: str


def _population_problem(value: str) -> str | None:
    if parse_inhabitants(value):
        return None
    return _("population '%(value)s' is not a positive whole number.") % {"value": value}


def _read_row(number: int, cells: list[str], header: Header, regions: RegionReader) -> Candidate | Skipped | list[str]:
    """One data line: a candidate count, a skipped row, or every reason why it is wrong."""
    width = max(header.region, header.period, header.population) + 1
    if len(cells) < width:
        return [_("too few columns (%(found)d, expected at least %(expected)d).")
                % {"found": len(cells), "expected": width}]
    region, period_text, population = (cells[header.region].strip(), cells[header.period].strip(),
                                       cells[header.population].strip())
    found = regions.read(region)
    if isinstance(found, SkipReason):
        return Skipped(number, found, region)
    for i, name in header.totals:
        if i < len(cells) and not _norm(cells[i]).startswith(TOTAL_MARKERS):
            return [_("column '%(column)s' holds '%(value)s'; export the table with totals only.")
                    % {"column": name, "value": cells[i]}]
    period = read_period(period_text)
    if found is not None and period is not None:
        if period.kind is PeriodKind.QUARTER:
            return Skipped(number, SkipReason.QUARTER, region)
        return Candidate(number, region, found, period, population)
    problems = []
    if found is None:
        problems.append(_("unknown municipality '%(name)s'.") % {"name": region})
    if period is None:
        problems.append(_("period '%(value)s' is not a year, quarter, month or date.") % {"value": period_text})
    if problem := _population_problem(population):
        problems.append(problem)
    return problems


@dataclass
class ParsedFile:
    counts: list[ParsedCount] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _read_lines(data: bytes) -> list[list[str]] | LineError:
    if len(data) > MAX_BYTES:
        return LineError(0, _("The file is larger than 5 MB."))
    try:
        return read_csv(decode_text(data))
    except ValueError as exc:
        return LineError(0, str(exc))


def _scan(lines: list[list[str]], parsed: ParsedFile) -> tuple[Header | None, list[Candidate]]:
    """Read every line: header, candidates; skipped lines and errors go into ``parsed``."""
    header: Header | None = None
    regions = RegionReader()
    candidates: list[Candidate] = []
    for number, cells in enumerate(lines, start=1):
        filled = [c.strip() for c in cells if c.strip()]
        if not filled:
            continue
        if header is None:
            header = find_header(cells)  # title lines above the header are skipped
            continue
        if len(filled) == 1 and _norm(filled[0]).startswith(FOOTER_PREFIXES):
            continue
        row = _read_row(number, cells, header, regions)
        if isinstance(row, Candidate):
            candidates.append(row)
        elif isinstance(row, Skipped):
            parsed.skipped.append(row)
        else:
            parsed.errors.extend(LineError(number, message) for message in row)
            region = cells[header.region].strip() if len(cells) > header.region else ""
            if region and regions.read(region) is None and region not in parsed.unknown:
                parsed.unknown.append(region)
    return header, candidates


def _take(candidates: list[Candidate], parsed: ParsedFile) -> list[ParsedCount]:
    """Other months are skipped when the file holds 1 January counts; the rest must have a count."""
    any_first_january = any(c.period.first_january for c in candidates)
    taken = []
    for c in candidates:
        if any_first_january and not c.period.first_january:
            parsed.skipped.append(Skipped(c.line, SkipReason.OTHER_MONTH, c.region))
            continue
        inhabitants = parse_inhabitants(c.population)
        if not inhabitants:
            parsed.errors.append(LineError(c.line, _population_problem(c.population) or ""))
            continue
        taken.append(ParsedCount(c.line, c.municipality, c.period.date, inhabitants, c.period.provisional,
                                 c.period.kind is PeriodKind.YEAR))
    return taken


def _deduplicate(counts: list[ParsedCount], parsed: ParsedFile) -> None:
    """One count per municipality and date. A year row gives way to a January row with the same count."""
    first: dict[tuple[bool, int, datetime.date], ParsedCount] = {}
    # January rows first, so that a year row can be compared with the January row beside it.
    for count in sorted(counts, key=lambda c: (c.year_row, c.line)):
        key = (count.municipality.pk, count.reference_date)
        values = {"municipality": count.municipality, "date": f"{count.reference_date:%d-%m-%Y}"}
        same_kind, january = first.get((count.year_row, *key)), first.get((False, *key))
        if same_kind is not None:
            parsed.errors.append(LineError(count.line, _(
                "%(municipality)s on %(date)s already appears on line %(line)d.") % {**values, "line": same_kind.line}))
            continue
        first[(count.year_row, *key)] = count
        if count.year_row and january is not None:
            if january.inhabitants == count.inhabitants:
                parsed.skipped.append(Skipped(count.line, SkipReason.YEAR_BESIDE_JANUARY, str(count.municipality)))
                continue
            parsed.errors.append(LineError(count.line, _(
                "%(municipality)s on %(date)s also appears on line %(line)d, with a different count (%(count)d).")
                % {**values, "line": january.line, "count": january.inhabitants}))
            continue
        parsed.counts.append(count)


def parse_population_csv(data: bytes) -> ParsedFile:
    """Parse every line: the counts to save, the errors, unknown regions and skipped lines."""
    parsed = ParsedFile()
    lines = _read_lines(data)
    if isinstance(lines, LineError):
        parsed.errors.append(lines)
        return parsed
    header, candidates = _scan(lines, parsed)
    _deduplicate(_take(candidates, parsed), parsed)
    parsed.counts.sort(key=lambda c: c.line)
    parsed.errors.sort(key=lambda e: e.line)
    parsed.skipped.sort(key=lambda s: s.line)
    if header is None:
        parsed.errors.insert(0, LineError(0, _("No header line found. Expected columns for the region "
                                               "(\"Regio's\"), the period (\"Perioden\") and the population "
                                               "(\"Bevolking op 1 januari\").")))
    elif not parsed.counts and not parsed.errors:
        if parsed.skipped:
            parsed.errors.append(LineError(0, _(
                "The file contains no population figures of the portal's municipalities (%(skipped)s).")
                % {"skipped": skip_summary(parsed.skipped)}))
        else:
            parsed.errors.append(LineError(0, _("The file contains no population figures.")))
    return parsed


def import_population_csv(data: bytes, source: str) -> PopulationImportResult:
    """Parse and, only when every line is valid, save all counts in one transaction."""
    parsed = parse_population_csv(data)
    result = PopulationImportResult(errors=parsed.errors, unknown_municipalities=parsed.unknown,
                                    skipped=parsed.skipped)
    if not result.errors:
        _save(parsed.counts, source, result)
    return result


def _save(counts: list[ParsedCount], source: str, result: PopulationImportResult) -> None:
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
