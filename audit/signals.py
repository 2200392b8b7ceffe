"""Generic handlers: every save and delete of a tracked model leaves an entry. The row before
the save is read in pre_save (one query, only for an existing row); the entry is written in
post_save, inside the caller's transaction when there is one."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from audit import services
from audit.registry import tracked_fields, tracked_models

BEFORE = "_audit_before"
DELETION = "_audit_deletion"


def _fields(sender, update_fields):
    fields = tracked_fields(sender)
    if update_fields is not None:
        fields = tuple(f for f in fields if f.name in update_fields or f.attname in update_fields)
    return fields


def before_save(sender, instance, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance.__dict__[BEFORE] = None
        return
    attnames = [f.attname for f in _fields(sender, update_fields)]
    instance.__dict__[BEFORE] = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()


def after_save(sender, instance, created: bool, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
    if raw:  # fixtures load rows as they were; they are not changes
        return
    before = instance.__dict__.pop(BEFORE, None)
    if created or before is None:
        services.record_create(instance)
    else:
        services.record_update(instance, before, fields=_fields(sender, update_fields))


def before_delete(sender, instance, **kwargs: Any) -> None:
    instance.__dict__[DELETION] = services.deletion_entry(instance)


def after_delete(sender, instance, **kwargs: Any) -> None:
    entry = instance.__dict__.pop(DELETION, None) or services.deletion_entry(instance)
    entry.save()


def connect() -> None:
    for model in tracked_models():
        uid = f"audit:{model._meta.label}"
        pre_save.connect(before_save, sender=model, dispatch_uid=uid)
        post_save.connect(after_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(before_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(after_delete, sender=model, dispatch_uid=uid)
