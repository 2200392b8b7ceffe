"""Reading uploaded text files the way Dutch offices write them."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from portal.spreadsheets import from_csv_cell


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, as Excel and StatLine write them."""
    if b"\x00" in data:
        raise ValueError(_("The file is not a text file (UTF-8 or Windows-1252)."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("The file is not a text file (UTF-8 or Windows-1252)."))


def sniff_delimiter(text: str) -> str:
    """The separator used most in the first lines (csv.Sniffer guesses wrong on short files)."""
    lines = [line for line in text.splitlines() if line.strip()][:10]
    return max(";,\t", key=lambda d: sum(line.count(d) for line in lines))


def read_csv(text: str) -> list[list[str]]:
    """Every line of a CSV text as cells, with the separator sniffed; ValueError in Dutch when the
    file is not CSV. Lines may end in \n, \r\n or a lone \r (old Mac exports); the standard
    reader refuses a lone \r and fields over its size limit with csv.Error, which must not be a 500.

    A text the portal neutralised on export (``'=1+1``, see portal.spreadsheets) reads back as
    it was, so a downloaded file can be imported again."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=sniff_delimiter(text))
    try:
        return [[from_csv_cell(cell) for cell in cells] for cells in reader]
    except csv.Error as exc:
        raise ValueError(
            _("Line %(line)d cannot be read as CSV (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from None


# Dates outside these years are typing errors in a business file, and near the ends of the
# calendar a payment term or a period would run past what a date can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _any_date(value: str) -> datetime.date | None:
    text = value.strip()
    for fmt in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_date(value: str) -> datetime.date | None:
    parsed = _any_date(value)
    return parsed if parsed is not None and FIRST_YEAR <= parsed.year <= LAST_YEAR else None


def date_out_of_range(value: str) -> bool:
    """A real date, but in a year parse_date does not accept."""
    return _any_date(value) is not None and parse_date(value) is None


def parse_amount(value: str) -> Decimal | None:
    """'1.234,56', '-1234,56', '1234.56' or '€ 1.234,56' -> Decimal; None when unclear.

    A lone dot followed by exactly three digits ('1.234') is refused: it could be a thousands
    separator or a decimal point, and money must not be guessed."""
    text = value.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not re.fullmatch(r"[-+]?[\d.,]+", text) or not re.search(r"\d", text):
        return None
    if "," in text:
        if text.count(",") > 1 or re.search(r",\d*\.", text):
            return None
        whole, frac = text.split(",")
        if "." in whole and not re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", whole):
            return None
        text = whole.replace(".", "") + "." + frac
    elif text.count(".") > 1 or re.search(r"\.\d{3}$", text):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("1e12"):
        return None
    return amount.quantize(Decimal("0.01"))
