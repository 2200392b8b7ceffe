"""How an entry reads on the history page: field labels and values in Dutch."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditEntry
from portal.templatetags.portal import format_decimal, money


@dataclass
class FieldChange:
    label: str
    old: str | None  # None: not shown (a create has no old value, a delete no new one)
    new: str | None


@dataclass
class HistoryRow:
    entry: AuditEntry
    subject: str  # empty for the page's own object; else the row it is about (a tariff line)
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return self.entry.actor_name or _("system")


def display(model_field: models.Field | None, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field is None or model_field.is_relation:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    try:
        if isinstance(model_field, models.DateTimeField):
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return f"{moment:%d-%m-%Y %H:%M}"
        if isinstance(model_field, models.DateField):
            return f"{datetime.date.fromisoformat(value):%d-%m-%Y}"
        if isinstance(model_field, models.DecimalField):
            if (model_field.max_digits, model_field.decimal_places) == (14, 2):  # the portal's money fields
                return money(Decimal(value))
            return format_decimal(Decimal(value), model_field.decimal_places)
    except (TypeError, ValueError, InvalidOperation):
        pass
    return str(value)


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since: its name and raw values still show
        return None


def history_rows(entries, content_type: ContentType, object_id: str) -> list[HistoryRow]:
    page_model = content_type.model_class()
    content_type_id = content_type.pk
    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        own = entry.content_type_id == content_type_id and entry.object_id == object_id
        kind = model._meta.verbose_name if model else entry.content_type.model
        subject = "" if own else f"{kind}: {entry.object_repr}"
        row = HistoryRow(entry, subject)
        for name, pair in (entry.changes or {}).items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            f = _field(model, name)
            if not own and f is not None and f.is_relation and f.related_model is page_model:
                continue  # "budget: this budget" on the budget's own page says nothing
            if entry.action == AuditAction.TRANSITION and entry.note and name == "status":
                continue  # the note already says "gecontroleerd → goedgekeurd"
            label = str(f.verbose_name) if f is not None else name
            row.changes.append(
                FieldChange(
                    label,
                    None if entry.action == AuditAction.CREATE else display(f, old),
                    None if entry.action == AuditAction.DELETE else display(f, new),
                )
            )
        rows.append(row)
    return rows
