"""What every invoice import shares: the problems it reports, the result it returns, the file it
reads and how it saves.

Every import is all-or-nothing: every problem is reported (line, column, reason) and nothing is
saved unless the whole file is right."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, ClassVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.services import record_created
from contracts.models import COST_STATUSES, Invoice, InvoiceLedger, InvoiceLine, InvoiceSource, SpendingTotal
from contracts.signals import added
from portal.bulk import insert_rows

MAX_BYTES = 20 * 1024 * 1024
BATCH = 1000
NO_PSEUDONYM_KEY = gettext_lazy(
    "The portal has no key for client pseudonyms (CLIENT_PSEUDONYM_KEY), so it cannot import messages "
    "that name clients. Ask the administrator to set it; see the README."
)


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 0 = the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = _("Line %(line)d") % {"line": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import of any format returns: the invoices it saved, or why it saved none."""

    created: list[Invoice] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    # The allocation numbers an imported 323 names (the message traffic links them to allocations).
    assignment_numbers: set[str] = field(default_factory=set)

    @classmethod
    def refused(cls, *problems: ImportProblem) -> ImportResult:
        return cls(problems=list(problems))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.created), Decimal("0.00"))

    def per_municipality(self) -> list[tuple[str, int, Decimal]]:
        counts: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
        for invoice in self.created:
            counts[invoice.municipality.name][0] += 1
            counts[invoice.municipality.name][1] += invoice.amount
        return [(name, n, total) for name, (n, total) in sorted(counts.items())]


@dataclass
class Upload:
    """A file to import: its name and its content. What a format reads from it to recognise it is
    kept, so recognising and importing read the content once."""

    name: str
    data: bytes
    _readings: dict[Callable, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, file) -> Upload:
        """An uploaded file (Django's UploadedFile), read into memory: imports are never stored."""
        return cls(file.name, file.read())

    @property
    def looks_like_xml(self) -> bool:
        """Named .xml or saying so in its first bytes, whatever else it holds."""
        return self.name.lower().endswith(".xml") or self.data.lstrip()[:5] == b"<?xml"

    def reading(self, reader: Callable[[bytes], Any]) -> Any:
        """reader(data), worked out once per upload."""
        if reader not in self._readings:
            self._readings[reader] = reader(self.data)
        return self._readings[reader]


class ImportFormat:
    """One kind of file the invoice import takes. A subclass registered with
    ``contracts.imports.registry.FORMATS.register`` is offered on the import page, accepted by its
    form, described on the page and in the README, and chosen for every upload it recognises."""

    name: ClassVar[str]  # as the file world calls it: "CSV", "JW323"
    extensions: ClassVar[tuple[str, ...]]  # lower case, with the dot
    max_bytes: ClassVar[int] = MAX_BYTES
    too_large: ClassVar[str] = gettext_lazy("The file is larger than 20 MB.")
    # The page's section that documents the format; formats that share one are described once.
    documentation: ClassVar[str]

    def recognises(self, upload: Upload) -> bool:
        raise NotImplementedError

    def refusal(self, upload: Upload) -> ImportProblem | None:
        """Why an upload of this format's kind that no format recognises cannot be imported
        (not well-formed, a message of an unknown kind); None when it is not of this kind."""
        return None

    def import_file(self, upload: Upload, *, by) -> ImportResult:
        """Check the whole file; save its invoices, registered by ``by``, only when all is right."""
        raise NotImplementedError


def save_invoice_with_lines(invoice: Invoice, lines: Iterable[tuple], *, count: int) -> None:
    """One declaration with its performances (tuples in the order of LINE_COLUMNS), the lines saved
    in batches as they are read, all in one transaction: an error half-way leaves nothing."""
    with transaction.atomic():
        save_invoices([invoice], lines_count=count)
        for batch in batched(lines, BATCH * 5):
            insert_rows(InvoiceLine, ("invoice_id", *LINE_COLUMNS), [(invoice.pk, *line) for line in batch])
        added(InvoiceLine.objects.filter(invoice=invoice))


LINE_COLUMNS = (
    "client_key",
    "reference_number",
    "assignment_number",
    "product_category",
    "product_code",
    "period_start",
    "period_end",
    "volume",
    "unit",
    "tariff",
    "amount",
)


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _lines_note(invoice: Invoice, count: int) -> str:
    note = str(InvoiceSource(invoice.source).label)
    if count:
        note += ", " + ngettext(
            "imported with %(count)d declared performance",
            "imported with %(count)d declared performances",
            count,
        ) % {"count": count}
    return note


def save_invoices(invoices: list[Invoice], *, lines_count: int = 0, record: bool = True) -> None:
    with transaction.atomic():
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        InvoiceLedger.bump()
        # Imported invoices arrive as "received"; should one ever arrive approved, its total moves.
        SpendingTotal.refresh({(i.municipality_id, i.invoice_date.year) for i in invoices if i.status in COST_STATUSES})
        # bulk_create sends no signals: one create entry per invoice (who, when, which import),
        # in batches in this transaction, so a failed import leaves none. Without the field
        # values: they stay on the invoice and every later change records the old one, and
        # copying them would double the import's time (measured: docs/benchmarks.md).
        if invoices and record:
            record_import(invoices, lines_count)


def record_import(invoices: list[Invoice], lines_count: int = 0) -> None:
    note = _lines_note(invoices[0], lines_count)
    record_created(invoices, by=invoices[0].registered_by, note=note, with_values=False)
