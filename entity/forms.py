from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A native date picker; its value is ISO (yyyy-mm-dd), which the Dutch input formats accept."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReferenceDateForm(forms.Form):
    datum = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        help_text=_("Show the participants on this date."),
        error_messages={"invalid": _("Enter a valid date, for example 01-01-2026.")},
    )

    def date_or(self, default: datetime.date) -> datetime.date:
        return self.cleaned_data["datum"] if self.is_bound and self.is_valid() else default
