"""JW301 / WMO301: a municipality allocates products for one client to a provider. Every
allocated product becomes an Allocation; a later message with the same allocation number updates
it (the audit trail records old → new), never a second row."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from audit.context import acting_as
from audit.services import record_created
from contracts.imports import ImportProblem
from contracts.imports.base import batched
from contracts.imports.messages import MessageInvalid, MessageType, elements, text
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
            yield _allocated(element, message, keys)
        except (ValueError, TypeError):
            if not validate:  # while validating, the schema names the value
                raise


def _allocated(element, message: MessageType, keys: Pseudonymiser) -> Allocated:
    client = element.getparent().getparent()
    budget = text(element, "m:Budget", message)
    volume = text(element, "m:Omvang/b:Volume", message)
    return Allocated(
        line=element.sourceline or 0,
        number=text(element, "m:ToewijzingNummer", message),
        client_key=keys(text(client, "m:Bsn", message)),
        product_category=text(element, "m:Product/b:Categorie", message),
        product_code=text(element, "m:Product/b:Code", message),
        allocated_on=message_date(text(element, "m:Toewijzingsdatum", message)),
        start_date=message_date(text(element, "m:Ingangsdatum", message)),
        end_date=message_date(text(element, "m:Einddatum", message)) if text(element, "m:Einddatum", message) else None,
        volume=int(volume) if volume else None,
        unit=text(element, "m:Omvang/b:Eenheid", message),
        frequency=text(element, "m:Omvang/b:Frequentie", message),
        budget=cents(budget) if budget else None,
        change_reason=text(element, "m:RedenWijziging", message),
    )


def import_allocations(data: bytes, message: MessageType, keys: Pseudonymiser, *, by) -> tuple[str, list]:
    """(summary, []) when the message is saved; ("", problems) when nothing of it is."""
    try:
        checked = _check(data, message, keys)
    except MessageInvalid as exc:
        return "", [exc.problem]
    if isinstance(checked, list):
        return "", checked
    header, municipality, provider = checked
    counts = [0, 0, 0]  # new, updated, unchanged
    with transaction.atomic(), acting_as(by):
        products = (item for item in read(data, message, keys) if isinstance(item, Allocated))
        for batch in batched(products, BATCH):
            saved = _save(batch, header, municipality, provider, message.law, by)
            counts = [a + b for a, b in zip(counts, saved, strict=True)]
    summary = ngettext(
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
    return summary, []


def _check(data: bytes, message: MessageType, keys: Pseudonymiser):
    header, problems, seen = None, [], set()
    for item in read(data, message, keys, validate=True):
        if isinstance(item, dict):
            header = item
        else:
            problems += _product_problems(item, seen)
    if header is None:
        raise MessageInvalid(0, message, "Element 'Header': missing")
    if header["message_date"] is None:
        problems.append(date_problem(0, "Dagtekening"))
    found = parties(header["sender"], header["receiver"])
    if isinstance(found, list):
        return found + problems
    municipality, provider = found
    problems += _other_providers(seen, municipality, provider, message.law)
    return problems[:50] or (header, municipality, provider)


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
        changes = {k: v for k, v in item.values().items() if getattr(allocation, k) != v}
        if changes:
            for k, v in {**changes, **message}.items():
                setattr(allocation, k, v)
            allocation.save()  # the audit trail records old → new, as this user's doing
            changed += 1
    Allocation.objects.bulk_create(new)
    record_created(new, by=by, note=_("imported from message %(id)s") % {"id": header["message_id"]}, with_values=False)
    return len(new), changed, len(batch) - len(new) - changed
