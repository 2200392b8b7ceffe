"""Rows written once and never rewritten (the audit trail, the allocation stored at adoption).

Each model says how it refuses (its own error, in Dutch) and may check new rows before insert."""

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk path rewrites or removes a row; plain inserts are how such a table grows."""

    def refuse(self):
        raise NotImplementedError

    def check_new(self, objs: list) -> None:
        """Refuse new rows that may not be added; by default every insert is fine."""

    def update(self, **kwargs):
        self.refuse()

    def delete(self):
        self.refuse()

    def bulk_update(self, objs, fields, *args, **kwargs):
        self.refuse()

    def update_or_create(self, *args, **kwargs):
        self.refuse()

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            self.refuse()  # an upsert would overwrite what was written
        objs = list(objs)
        self.check_new(objs)
        return super().bulk_create(objs, *args, **kwargs)
