"""A one-row version token for data that pages cache: whoever changes the data moves the token
in the same transaction, so a cache keyed by it is never older than the data. A fresh random
token, not a counter, so a rolled-back write can never hand out a value a later write uses again."""

from __future__ import annotations

import uuid

from django.db import models


class VersionToken(models.Model):
    version = models.CharField(max_length=32, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.version

    @classmethod
    def bump(cls) -> None:
        token = uuid.uuid4().hex
        if not cls.objects.filter(pk=1).update(version=token):
            cls.objects.update_or_create(pk=1, defaults={"version": token})

    @classmethod
    def current(cls) -> str:
        return cls.objects.filter(pk=1).values_list("version", flat=True).first() or ""
