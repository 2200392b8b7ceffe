"""JW301 / WMO301: a municipality allocates products for one client to a provider. Every
allocated product becomes an Allocation; a later message with the same allocation number updates
it (the audit trail records old → new), never a second row."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from audit.context import acting_as
from audit.services import record_created
from contracts.imports import ImportProblem
from contracts.imports.base import batched
from contracts.imports.messages import MessageInvalid, MessageType, elements, text, values
from contracts.models import InvoiceLine
from contracts.signals import changing
from portal.pseudonyms import Pseudonymiser
from traffic.imports.common import BATCH, cents, date_problem, message_date, parties
from traffic.models import Allocation


@dataclass
class Allocated:
    """One ToegewezenProduct as the portal keeps it; ``line`` is where it ends in the message."""

    line: int
    number: str
    client_key: str
    product_category: str
    product_code: str
    allocated_on: object
    start_date: object
    end_date: object
    volume: int | None
    unit: str
    frequency: str
    budget: object
    change_reason: str

    def values(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("line", "number")}


def read(data: bytes, message: MessageType, keys: Pseudonymiser, *, validate: bool = False):
    """The header as a dict, then each allocated product; the BSN becomes its key as it is read."""
    for element in elements(data, message, "Header", "ToegewezenProduct", validate=validate):
        if etree.QName(element).localname == "Header":
            yield {
                "sender": text(element, "m:Afzender", message),
                "receiver": text(element, "m:Ontvanger", message),
                "message_id": text(element, "m:BerichtIdentificatie/b:Identificatie", message),
                "message_date": message_date(text(element, "m:BerichtIdentificatie/b:Dagtekening", message)),
            }
            continue
        try:
            yield _allocated(element, keys)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError):
            if not validate:  # while validating, the schema names the value
                raise


def _allocated(element, keys: Pseudonymiser) -> Allocated:
    found = values(element)
    client = element.getparent().getparent()
    product, size = found.get("Product") or [None], found.get("Omvang") or [None, "", ""]
    budget, end = found.get("Budget"), found.get("Einddatum")
    return Allocated(
        line=element.sourceline or 0,
        number=found["ToewijzingNummer"].strip(),
        client_key=keys((client[0].text or "").strip()),
        product_category=product[0],
        product_code=product[1] if len(product) > 1 else "",
        allocated_on=message_date(found.get("Toewijzingsdatum")),
        start_date=message_date(found.get("Ingangsdatum")),
        end_date=message_date(end) if end else None,
        volume=int(size[0]) if size[0] else None,
        unit=size[1] or "",
        frequency=size[2] or "",
        budget=cents(budget) if budget else None,
        change_reason=found.get("RedenWijziging") or "",
    )


class Refused(Exception):
    def __init__(self, *problems: ImportProblem) -> None:
        super().__init__(problems)
        self.problems = list(problems)


def import_allocations(data: bytes, message: MessageType, keys: Pseudonymiser, *, by) -> tuple[str, list]:
    """(summary, []) when the message is saved; ("", problems) when nothing of it is. Read,
    checked and saved in one pass in one transaction: any problem rolls it all back."""
    try:
        with transaction.atomic(), acting_as(by):
            return _one_pass(data, message, keys, by=by), []
    except MessageInvalid as exc:
        return "", [exc.problem]
    except Refused as exc:
        return "", exc.problems[:50]


def _one_pass(data: bytes, message: MessageType, keys: Pseudonymiser, *, by) -> str:
    items = read(data, message, keys, validate=True)
    header = next(items, None)
    found = parties(header["sender"], header["receiver"]) if isinstance(header, dict) else []
    if isinstance(found, list):
        for _item in items:  # a difference from the schema is said first
            pass
        if not isinstance(header, dict):
            raise MessageInvalid(0, message, "Element 'Header': missing")
        raise Refused(*found)
    municipality, provider = found
    problems = [] if header["message_date"] else [date_problem(0, "Dagtekening")]
    seen: set[str] = set()
    counts = [0, 0, 0]  # new, updated, unchanged
    for batch in batched((item for item in items if isinstance(item, Allocated)), BATCH):
        problems += [p for item in batch for p in _product_problems(item, seen)]
        problems += _other_providers({item.number for item in batch}, municipality, provider, message.law)
        if not problems:
            try:
                with transaction.atomic():
                    saved = _save(batch, header, municipality, provider, message.law, by)
                counts = [a + b for a, b in zip(counts, saved, strict=True)]
            except (DataError, IntegrityError):  # a value the schema names when the stream gets there
                problems.append(ImportProblem(0, "", _("A value in the message cannot be stored.")))
    if problems:
        raise Refused(*problems)
    return ngettext(
        "%(count)d allocation of %(municipality)s to %(provider)s: %(created)d new, %(updated)d updated, "
        "%(unchanged)d unchanged.",
        "%(count)d allocations of %(municipality)s to %(provider)s: %(created)d new, %(updated)d updated, "
        "%(unchanged)d unchanged.",
        sum(counts),
    ) % {
        "count": sum(counts),
        "municipality": municipality,
        "provider": provider,
        "created": counts[0],
        "updated": counts[1],
        "unchanged": counts[2],
    }


def _product_problems(item: Allocated, seen: set[str]) -> list[ImportProblem]:
    problems = []
    for name, element in (("allocated_on", "Toewijzingsdatum"), ("start_date", "Ingangsdatum")):
        if getattr(item, name) is None:
            problems.append(date_problem(item.line, element))
    if item.end_date and item.start_date and item.end_date < item.start_date:
        problems.append(ImportProblem(item.line, "Einddatum", _("the allocation ends before it starts.")))
    if item.number in seen:
        problems.append(
            ImportProblem(
                item.line,
                "ToewijzingNummer",
                _("allocation number %(number)s appears twice in this message.") % {"number": item.number},
            )
        )
    seen.add(item.number)
    return problems


def _other_providers(numbers: set[str], municipality, provider, law: str) -> list[ImportProblem]:
    """An allocation number of this municipality already allocated to another provider."""
    problems = []
    for batch in batched(sorted(numbers), 900):
        taken = Allocation.objects.filter(municipality=municipality, law=law, number__in=batch).exclude(
            provider=provider
        )
        for number, other in taken.values_list("number", "provider__name"):
            problems.append(
                ImportProblem(
                    0,
                    "ToewijzingNummer",
                    _("allocation %(number)s of %(municipality)s is allocated to %(other)s, not to %(provider)s.")
                    % {"number": number, "municipality": municipality, "other": other, "provider": provider},
                )
            )
    return problems


def _save(batch: list[Allocated], header: dict, municipality, provider, law: str, by) -> tuple[int, int, int]:
    numbers = [a.number for a in batch]
    existing = {a.number: a for a in Allocation.objects.filter(municipality=municipality, law=law, number__in=numbers)}
    message = {"message_identification": header["message_id"], "message_date": header["message_date"]}
    new, changed = [], 0
    for item in batch:
        allocation = existing.get(item.number)
        if allocation is None:
            new.append(
                Allocation(
                    municipality=municipality,
                    provider=provider,
                    law=law,
                    number=item.number,
                    **item.values(),
                    **message,
                )
            )
            continue
        if allocation.message_date > header["message_date"]:
            continue  # the portal holds a later message for this allocation: an older one changes nothing
        changes = {k: v for k, v in item.values().items() if getattr(allocation, k) != v}
        if changes:
            for k, v in {**changes, **message}.items():
                setattr(allocation, k, v)
            allocation.save()  # the audit trail records old → new, as this user's doing
            changed += 1
    # Lines that named these numbers before the 301 arrived now have a known allocation.
    declared = InvoiceLine.objects.filter(
        invoice__municipality=municipality, invoice__law=law, assignment_number__in=[a.number for a in new]
    )
    if new and declared.exists():  # the index on the number finds them, or that there are none
        with changing(declared):
            Allocation.objects.bulk_create(new)
    elif new:
        Allocation.objects.bulk_create(new)
    record_created(new, by=by, note=_("imported from message %(id)s") % {"id": header["message_id"]}, with_values=False)
    return len(new), changed, len(batch) - len(new) - changed
