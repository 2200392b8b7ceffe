"""The two kinds of page in /beheer/ (the Django admin).

- A record of a workflow or a freeze (invoices and their steps, budgets, accounts, decisions,
  votes, issued reports, the audit trail, downloads) is shown and never added, changed or
  deleted there, by anyone, superusers included: it changes only through its workflow in the
  portal, where the four-eyes rule, the freeze and the decision path hold. `ReadOnlyAdmin`,
  `ReadOnlyInline`.
- Reference data (municipalities, counts, modules, memberships, seats, contacts, segments,
  providers, DVOs, frames …) is edited there, but only through the model's complete validation
  (`full_clean()`, also of the fields the form does not show: `FullyValidatedForm`) and with every
  change in the audit trail. `ReferenceDataAdmin`, `ReferenceDataInline` are in
  `audit/reference_admin.py`: recording the trail is the audit app's, and these shared helpers
  sit below it.

`tests/test_admin_registry.py` lists every registered admin with what each role may do, so a new
registration fails until someone decides which kind it is.
"""

from __future__ import annotations

from collections.abc import Callable

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
