"""Writing the trail. Signal handlers (`audit.signals`) record every save and delete of a
tracked model; the paths that bypass signals (conditional status updates, bulk imports, copied
lines) call `record_transition` or `record_created` themselves, inside their own transaction,
so a rolled-back change leaves no entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from audit.context import current_user
from audit.models import AuditAction, AuditEntry
from audit.registry import Tracked, comparable, parent_of, tracked_fields, tracked_models

BATCH = 1000
REPR_MAX = 300


def actor_name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:REPR_MAX]


def _spec(model: type[models.Model]) -> Tracked:
    return tracked_models().get(model, Tracked())


def _text(target: models.Model) -> str:
    # A user reads as the person ("Sanne Jacobs"), as the actor does, not as a login name.
    return actor_name(target) if isinstance(target, AbstractBaseUser) else str(target)


def _related_text(field: models.Field, instance: models.Model | None, value, cache: dict | None = None) -> str:
    """A relation as its str(): from the object already loaded on the instance, else from the
    database (a deleted target is shown by its id)."""
    if instance is not None and field.is_cached(instance) and getattr(instance, field.attname) == value:
        return _text(getattr(instance, field.name))
    if cache is not None and value in cache:
        return _text(cache[value])
    target = field.related_model._base_manager.filter(pk=value).first()
    return _text(target) if target is not None else f"#{value}"


def stored(field: models.Field, value, instance: models.Model | None = None, cache: dict | None = None):
    """What the trail keeps of a value: the comparable form, a relation as its text."""
    value = comparable(field, value)
    if value is None or not field.is_relation:
        return value
    return _related_text(field, instance, value, cache)


def values_of(instance: models.Model) -> dict[str, Any]:
    """Every tracked field's comparable value, by attribute name (``contract_id``)."""
    return {f.attname: comparable(f, getattr(instance, f.attname)) for f in tracked_fields(type(instance))}


def _filled(instance: models.Model, fields=None, caches: dict | None = None) -> dict[str, Any]:
    result = {}
    for f in fields or tracked_fields(type(instance)):
        value = getattr(instance, f.attname)
        if value is None or value == "" or (isinstance(value, FieldFile) and not value.name):
            continue
        result[f.name] = stored(f, value, instance, (caches or {}).get(f.name))
    return result


def _repr(instance: models.Model) -> str:
    """The object as it reads; a value not converted yet (a date given as text to ``create``)
    is read back as stored."""
    try:
        return str(instance)
    except (TypeError, ValueError):
        stored_row = type(instance)._base_manager.filter(pk=instance.pk).first()
        return str(stored_row) if stored_row is not None else f"{type(instance)._meta.verbose_name} #{instance.pk}"


def _entry(
    instance: models.Model, action: str, changes: dict, *, by: Any = None, note: str = "", at=None
) -> AuditEntry:
    model = type(instance)
    parent = parent_of(instance, _spec(model))
    return AuditEntry(
        at=at or timezone.now(),
        actor=by,
        actor_name=actor_name(by),
        action=action,
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(instance.pk),
        object_repr=_repr(instance)[:REPR_MAX],
        parent_content_type=ContentType.objects.get_for_model(parent[0]) if parent else None,
        parent_object_id=str(parent[1]) if parent else "",
        changes=changes,
        note=note,
    )


def record_create(instance: models.Model, *, by: Any = None, note: str = "") -> AuditEntry:
    by = by if by is not None else current_user()
    entry = _entry(instance, AuditAction.CREATE, {k: [None, v] for k, v in _filled(instance).items()}, by=by, note=note)
    entry.save()
    return entry


def diff(instance: models.Model, before: dict[str, Any], fields=None) -> dict[str, list]:
    """Field name -> [old, new] for the tracked fields whose value differs from ``before`` (a row
    as `values()` gives it, by attribute name)."""
    changes = {}
    for f in fields or tracked_fields(type(instance)):
        if f.attname not in before:
            continue
        old = comparable(f, before[f.attname])
        new = comparable(f, getattr(instance, f.attname))
        if old != new:
            changes[f.name] = [stored(f, old) if old is not None else None, stored(f, new, instance)]
    return changes


def record_update(instance: models.Model, before: dict[str, Any], *, by: Any = None, fields=None) -> AuditEntry | None:
    """An entry for what changed, or nothing when a save changed nothing."""
    return _record_changes(instance, diff(instance, before, fields), by)


def deletion_entry(instance: models.Model) -> AuditEntry:
    """Built before the row goes (its relations can still be read), saved after."""
    changes = {k: [v, None] for k, v in _filled(instance).items()}
    return _entry(instance, AuditAction.DELETE, changes, by=current_user())


def status_note(model: type[models.Model], old: str, new: str, reason: str = "") -> str:
    labels = dict(model._meta.get_field("status").flatchoices)
    note = f"{labels.get(old, old)} → {labels.get(new, new)}"
    return f"{note}: {reason}" if reason else note


def record_transition(
    instance: models.Model, changes: dict[str, tuple[Any, Any]], *, by: Any, reason: str = ""
) -> AuditEntry:
    """A change made with a conditional ``UPDATE`` (which sends no signal): call it only after
    the update changed the row, in the same transaction. ``changes`` maps field names to
    (old, new) values as the model holds them."""
    model = type(instance)
    kept = {}
    for name, (old, new) in changes.items():
        f = model._meta.get_field(name)
        old_value, new_value = stored(f, old), stored(f, new)
        if old_value != new_value:
            kept[name] = [old_value, new_value]
    note = ""
    if "status" in changes:
        note = status_note(model, *changes["status"], reason=reason)
    elif reason:
        note = reason
    by = by if by is not None else current_user()
    entry = _entry(instance, AuditAction.TRANSITION, kept, by=by, note=note)
    entry.save()
    return entry


def record_created(
    instances: Iterable[models.Model], *, by: Any = None, note: str = "", with_values: bool = True
) -> int:
    """Create entries for rows saved with ``bulk_create`` (no signals), in batches; relations
    that are not loaded on the objects are read once per field, not once per row.

    ``with_values=False`` records that the row was made, by whom and when, without its field
    values: for imports of thousands of rows whose values stay on the row itself (every later
    change records the old value, so the state at creation can still be read back)."""
    instances = [i for i in instances if is_tracked_instance(i)]
    if not instances:
        return 0
    by = by if by is not None else current_user()
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for instance in instances:
        if instance.pk is None:
            raise ValueError("record_created needs saved objects (with their primary key)")
        by_model[type(instance)].append(instance)
    now = timezone.now()
    entries = []
    for model, rows in by_model.items():
        caches = {}
        for f in tracked_fields(model) if with_values else ():
            if f.is_relation:
                missing = {getattr(r, f.attname) for r in rows if not f.is_cached(r)} - {None}
                if missing:
                    caches[f.name] = f.related_model._base_manager.in_bulk(missing)
        for row in rows:
            changes = {k: [None, v] for k, v in _filled(row, caches=caches).items()} if with_values else {}
            entries.append(_entry(row, AuditAction.CREATE, changes, by=by, note=note, at=now))
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
    return len(entries)


def is_tracked_instance(instance: models.Model) -> bool:
    return type(instance) in tracked_models()


def record_links(instance: models.Model, before: dict[str, list[str]], after: dict[str, list[str]], *, by: Any = None):
    """Many-to-many links changed through a form (a DVO's segments, a programme's joining
    municipalities): signals see them one add or remove at a time, this one entry shows the
    whole list before and after. ``before``/``after`` map field names to the linked objects' text."""
    changes = {
        name: ["; ".join(before.get(name, [])) or None, "; ".join(after[name]) or None]
        for name in after
        if sorted(before.get(name, [])) != sorted(after[name])
    }
    return _record_changes(instance, changes, by)


def _record_changes(instance: models.Model, changes: dict, by: Any) -> AuditEntry | None:
    """One update entry for ``changes`` (field: [before, after]); none when nothing changed."""
    if not changes:
        return None
    entry = _entry(instance, AuditAction.UPDATE, changes, by=by if by is not None else current_user())
    entry.save()
    return entry
