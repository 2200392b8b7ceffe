"""The monitor's filters, read from the URL (GET), so a view can be bookmarked and mailed. A value
that is not valid is said in Dutch and left out of the figures, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Law, Provider, Segment
from entity.models import Module
from municipalities.models import Municipality
from portal.textfiles import FIRST_YEAR, LAST_YEAR

MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


class MonitorFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    from_month = forms.TypedChoiceField(label=_("From month"), choices=MONTHS, coerce=int, required=False)
    to_month = forms.TypedChoiceField(label=_("Up to and including month"), choices=MONTHS, coerce=int, required=False)
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.all(), required=False)
    law = forms.ChoiceField(label=_("Law"), choices=[("", _("both laws")), *Law.choices], required=False)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.all(), required=False)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.all(), required=False)
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.all(), required=False)
    product = forms.RegexField(
        label=_("Product code"),
        regex=r"^[0-9A-Za-z]{1,5}\Z",
        required=False,
        error_messages={"invalid": _("A product code has at most 5 letters or digits, for example 45A03.")},
    )

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].error_messages["invalid"] = _("Enter a year, for example 2026.")
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        for name in ("from_month", "to_month"):
            self.fields[name].choices = [("", "—"), *MONTHS]

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("from_month") or 1, data.get("to_month") or 12
        if first > last:
            self.add_error("to_month", _("The period ends before it starts: choose a later month."))
        return data
