"""Reference data in /beheer/ (see portal/admin.py for the two kinds of page): every save passes
`full_clean()` and every change, its many-to-many links included, is in the audit trail."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin
from django.db import models

from audit.registry import is_tracked
from audit.services import record_links
from portal.admin import FullyValidatedForm


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data: every save passes `full_clean()`; the trail records who changed what
    (the model's fields through `audit.signals`, its many-to-many links here)."""

    form = FullyValidatedForm

    def fill(self, request, obj: models.Model) -> None:
        """Set the fields the form does not show, before validation and save (override)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"fill": staticmethod(partial(self.fill, request))})

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", self.form)
        form = super().get_changelist_form(request, **kwargs)
        return type(form.__name__, (form,), {"fill": staticmethod(partial(self.fill, request))})

    def save_model(self, request, obj, form, change) -> None:
        self.fill(request, obj)
        # The links as they were, for the trail (read before the form saves the new ones).
        obj.__dict__["_links_before"] = _links(obj, form) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if is_tracked(type(obj)):
            record_links(obj, obj.__dict__.pop("_links_before", {}), _links(obj, form), by=request.user)


class ReferenceDataInline(admin.TabularInline):
    """Rows of reference data edited with their parent (counts with a municipality)."""

    form = FullyValidatedForm
    extra = 0


class ReferenceDataStackedInline(admin.StackedInline):
    form = FullyValidatedForm
    extra = 0


def _links(obj: models.Model, form: forms.ModelForm) -> dict[str, list[str]]:
    """The text of the objects linked through each many-to-many field on the form."""
    if obj.pk is None:
        return {}
    return {
        f.name: [str(o) for o in getattr(obj, f.name).all()] for f in obj._meta.many_to_many if f.name in form.fields
    }
