"""CSV and XLSX downloads of a filtered list: streamed, so a list of 200,000 rows does not
have to fit in memory. CSV is written as Dutch Excel reads it (semicolons, decimal comma)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Column = tuple[str, Callable[[object], object]]


class Figure(Decimal):
    """A Decimal that is not money (a percentage, a key share): no euro sign in the XLSX."""


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable, columns: list[Column], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow([title for title, _get in columns])
        for row in rows:
            yield writer.writerow([_csv_value(get(row)) for _title, get in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


BOLD = Font(bold=True)
MONEY_FORMAT = '"€" #,##0.00'
DATE_FORMAT = "dd-mm-yyyy"


def _xlsx_cell(worksheet, value: object) -> object:
    if isinstance(value, Figure):
        cell = WriteOnlyCell(worksheet, value=Decimal(value))
        cell.number_format = "0.00"
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _xlsx_value(value: object) -> object:
    """Numbers (Decimal too) and dates stay typed for Excel; labels (lazy translations) become text."""
    if value is None or isinstance(value, int | Decimal | datetime.date | str):
        return value
    return str(value)


def xlsx_response(rows: Iterable, columns: list[Column], filename: str, sheet: str) -> HttpResponse:
    """Typed cells in Dutch formats (€ #.##0,00 and dd-mm-jjjj follow Excel's locale), a bold,
    frozen header row and sensible column widths."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, (title, _get) in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(12, len(title) + 4)
    header = []
    for title, _get in columns:
        cell = WriteOnlyCell(worksheet, value=title)
        cell.font = BOLD
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        worksheet.append([_xlsx_cell(worksheet, _xlsx_value(get(row))) for _title, get in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
