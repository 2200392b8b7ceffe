"""The two kinds of page in /beheer/ (the Django admin).

- A record of a workflow or a freeze (invoices and their steps, budgets, accounts, decisions,
  votes, issued reports, the audit trail, downloads) is shown and never added, changed or
  deleted there, by anyone, superusers included: it changes only through its workflow in the
  portal, where the four-eyes rule, the freeze and the decision path hold. `ReadOnlyAdmin`,
  `ReadOnlyInline`.
- Reference data (municipalities, counts, modules, memberships, seats, contacts, segments,
  providers, DVOs, frames …) is edited there, but only through the model's complete validation
  (`full_clean()`, also of the fields the form does not show) and with every change in the audit
  trail (`audit.registry` tracks these models; links between them are recorded here).
  `ReferenceDataAdmin`, `ReferenceDataInline`.

`tests/test_admin_registry.py` lists every registered admin with what each role may do, so a new
registration fails until someone decides which kind it is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.models import InlineForeignKeyField
from django.utils.text import capfirst


class ReadOnlyMixin:
    """No add, change or delete for anyone; the view permission still decides who reads."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A record of a workflow or a freeze: readable in /beheer/, changed only by its workflow."""


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """The rows of such a record (lines, steps, votes), shown with it."""

    extra = 0


class FullyValidatedForm(forms.ModelForm):
    """After the usual form and model validation, the whole instance is validated once more with
    `full_clean()`: also the fields the form leaves out (read-only fields, fields set by the admin
    such as "recorded by") and the constraints and `clean()` rules that involve them. An error on
    a field that is not on the form is shown at the top of the form, with the field's name."""

    # Set by the admin per request: fills the fields the form does not show (who, when) before
    # the final validation, exactly as the save will.
    fill: Callable[[models.Model], None] | None = None

    def _post_clean(self) -> None:
        super()._post_clean()
        if self._errors:
            return  # the form already says what is wrong; the complete check follows once it is right
        if self.fill is not None:
            self.fill(self.instance)
        opts = self.instance._meta
        # Computed on save (e.g. a contract's notice date) or the parent of an inline that does
        # not exist yet (Django checks its uniqueness itself).
        exclude = {f.name for f in opts.fields if not f.editable} | {
            name for name, field in self.fields.items() if isinstance(field, InlineForeignKeyField)
        }
        try:
            self.instance.full_clean(exclude=exclude)
        except ValidationError as error:
            self._show(error)

    def _show(self, error: ValidationError) -> None:
        by_field = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
        opts = self.instance._meta
        for name, errors in by_field.items():
            if name in self.fields:
                self.add_error(name, errors)
                continue
            for message in ValidationError(errors).messages:
                if name != NON_FIELD_ERRORS:
                    message = f"{capfirst(opts.get_field(name).verbose_name)}: {message}"
                self.add_error(None, message)


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
        from audit.registry import is_tracked
        from audit.services import record_links

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
        f.name: [str(o) for o in getattr(obj, f.name).all()]
        for f in obj._meta.many_to_many
        if f.name in form.fields
    }
