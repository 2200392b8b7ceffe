"""Import of invoices: one pipeline for every format.

``registry.FORMATS`` lists the formats (CSV, JW323, WMO323); each is one class in its own module
that recognises its uploads, reads them and returns the shared ``ImportResult``. To add a format:
write its class, register it with ``@FORMATS.register``, import its module here, add its
documentation template and mention it in the README (a test checks the page and the README)."""

from contracts.imports.base import ImportFormat, ImportProblem, ImportResult, Upload
from contracts.imports.csv_invoices import CSV_COLUMNS, CsvInvoices, import_invoices_csv
from contracts.imports.declarations import JW323, WMO323, contract_for, import_declaration_message
from contracts.imports.registry import FORMATS


def import_upload(file, *, by) -> ImportResult:
    """Import an uploaded file as the registered format that recognises it."""
    return FORMATS.import_upload(Upload.of(file), by=by)


__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "JW323",
    "WMO323",
    "CsvInvoices",
    "ImportFormat",
    "ImportProblem",
    "ImportResult",
    "Upload",
    "contract_for",
    "import_declaration_message",
    "import_invoices_csv",
    "import_upload",
]
