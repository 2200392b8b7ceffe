"""Every CSV and XLSX file the portal writes, and the one rule that makes them safe to open.

Exports are data, never code. A text that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab,
a carriage return or a line feed before one) is what Excel and LibreOffice read as a formula or
a DDE command: an invoice number ``=1+1`` or a contract title ``+cmd|' /C calc'!A0`` must arrive
as the text it is. So:

* CSV: such a text gets a leading apostrophe (``'=1+1``), the convention spreadsheets show as
  text. The imports read a portal file back through :func:`from_csv_cell`, so a text goes out
  and comes back exactly (an apostrophe the text had itself is kept by doubling it).
* XLSX: every text is a string cell, never a formula; a text that looks like one is marked with
  Excel's quote prefix too, so editing the cell does not turn it into a formula either.

Only *text* is neutralised: amounts (Decimal), counts (int) and dates stay typed, so a credit
note of -20,00 is a number in both formats. The CSV is written as Dutch Excel reads it
(semicolons, decimal comma, dd-mm-jjjj, a BOM for UTF-8); the XLSX has Dutch number formats, a
bold frozen header and is written in openpyxl's write-only mode. The CSV download streams, so a
list of 200,000 rows never has to fit in memory.

tests/test_spreadsheets.py fails when a module outside this one writes CSV or XLSX itself.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Column = tuple[str, Callable[[object], object]]

# The first characters that make a spreadsheet evaluate a cell. A carriage return inside a
# quoted CSV field reads back as a line feed (universal newlines), so both are here.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
APOSTROPHE = "'"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel reads UTF-8 only with it


class Figure(Decimal):
    """A Decimal that is not money (a percentage, a key share): no euro sign in the XLSX."""


# --- Text -------------------------------------------------------------------------------------


def _looks_like_formula(text: str) -> bool:
    """Whether ``text``, after any apostrophes it starts with, begins like a formula: those
    apostrophes are then ours to add (writing) or to take off (reading)."""
    return text.lstrip(APOSTROPHE).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``=1+1`` -> ``'=1+1``; also ``'=1+1`` -> ``''=1+1``, so reading back is exact."""
    return APOSTROPHE + text if _looks_like_formula(text) else text


def from_csv_cell(text: str) -> str:
    """The inverse of :func:`neutralise`, for the imports: a file the portal wrote reads back
    as it was. Any other text (``'s-Hertogenbosch``) is left alone."""
    if text.startswith(APOSTROPHE) and _looks_like_formula(text):
        return text[1:]
    return text


# --- CSV --------------------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """One value as Dutch Excel reads it; text neutralised, numbers and dates as such."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return neutralise(str(value))


class _Echo:
    """A file that hands back what is written to it, so csv.writer yields lines one by one."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The header and every row as CSV lines (``;``, ``\\r\\n``), without the BOM."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield writer.writerow([csv_cell(title) for title in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_text(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole (small) CSV file as text, e.g. a template the office fills in and imports."""
    return "".join(csv_lines(header, rows))


def csv_response(rows: Iterable, columns: list[Column], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows``, one column per ``(title, getter)``."""

    def lines() -> Iterator[str]:
        values = ([get(row) for _title, get in columns] for row in rows)
        for number, line in enumerate(csv_lines([title for title, _get in columns], values)):
            yield BOM + line if number == 0 else line

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- XLSX -------------------------------------------------------------------------------------

BOLD = Font(bold=True)
MONEY_FORMAT = '"€" #,##0.00'
DATE_FORMAT = "dd-mm-yyyy"


def _typed_cell(worksheet, value: object, number_format: str) -> object:
    cell = WriteOnlyCell(worksheet, value=value)
    cell.number_format = number_format
    return cell


def _text_cell(worksheet, value: object) -> object:
    """A string cell, never a formula. Characters XML cannot hold (control codes) are dropped,
    rather than making the whole download fail."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text.startswith(FORMULA_STARTS):
        return text  # openpyxl writes a plain str as a string cell unless it starts with '='
    cell = WriteOnlyCell(worksheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_cell(worksheet, value: object) -> object:
    """What to append for ``value``: numbers and dates typed in Dutch formats
    (€ #.##0,00 and dd-mm-jjjj follow Excel's locale), everything else as text."""
    if value is None:
        return None
    if isinstance(value, Figure):
        return _typed_cell(worksheet, Decimal(value), "0.00")
    if isinstance(value, Decimal):
        return _typed_cell(worksheet, value, MONEY_FORMAT)
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.date):
        return _typed_cell(worksheet, value, DATE_FORMAT)
    return _text_cell(worksheet, value)


def _header_cell(worksheet, title: str) -> object:
    cell = xlsx_cell(worksheet, title)
    if not hasattr(cell, "font"):
        cell = WriteOnlyCell(worksheet, value=cell)
    cell.font = BOLD
    return cell


def xlsx_bytes(header: list[str], rows: Iterable[Iterable[object]], sheet: str) -> bytes:
    """A workbook with one sheet: a bold, frozen header row and sensible column widths."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(title)) + 4)
    worksheet.append([_header_cell(worksheet, title) for title in header])
    for row in rows:
        worksheet.append([xlsx_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(rows: Iterable, columns: list[Column], filename: str, sheet: str) -> HttpResponse:
    """An XLSX download of ``rows``, one column per ``(title, getter)``."""
    values = ([get(row) for _title, get in columns] for row in rows)
    response = HttpResponse(
        xlsx_bytes([title for title, _get in columns], values, sheet), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
