from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from budgeting.models import BudgetLine, CouncilView, DecisionOutcome, Vote
from entity.forms import DateInput, FastSelect

DECIMAL = {"inputmode": "decimal"}


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = [
            "kind",
            "description",
            "function",
            "salary_scale",
            "fte",
            "cost_per_fte",
            "amount",
            "nature",
            "package",
            "plus_municipality",
        ]
        widgets = {
            "fte": forms.TextInput(attrs=DECIMAL),
            "cost_per_fte": forms.TextInput(attrs=DECIMAL),
            "amount": forms.TextInput(attrs=DECIMAL),
            "plus_municipality": FastSelect,
        }
        localized_fields = ["fte", "cost_per_fte", "amount"]  # 1,66 fte and € 90.000,00 as written in Dutch
        help_texts = {"amount": _("For other costs. A personnel line is computed: FTE × cost per FTE.")}


class DbStepForm(forms.Form):
    STEPS = [
        ("framework", _("Send the framework letter to the councils")),
        ("draft", _("Send the draft budget to the councils")),
        ("propose", _("Propose the budget to the AB")),
        ("province", _("Send the adopted budget to GS")),
    ]
    step = forms.ChoiceField(choices=STEPS, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    ab_meeting_on = forms.DateField(
        label=_("AB meeting that adopts it"),
        required=False,
        widget=DateInput(),
        help_text=_("Only when sending the draft: at least 12 weeks later."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "draft" and not cleaned.get("ab_meeting_on"):
            self.add_error("ab_meeting_on", _("Plan the AB meeting when sending the draft budget."))
        return cleaned


class CouncilViewForm(forms.ModelForm):
    class Meta:
        model = CouncilView
        fields = ["municipality", "opinion", "text", "decided_on"]
        widgets = {"decided_on": DateInput(), "text": forms.Textarea(attrs={"rows": 4}), "municipality": FastSelect}

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
            if len(municipalities) == 1:  # a contact records for its own council: nothing to choose
                self.fields["municipality"].empty_label = None
                self.fields["municipality"].initial = municipalities[0]

    def clean_municipality(self):
        municipality = self.cleaned_data["municipality"]
        if CouncilView.objects.filter(budget=self.instance.budget, municipality=municipality).exists():
            raise forms.ValidationError(_("This council's view has already been recorded."))
        return municipality


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply of the DB"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class DecisionForm(forms.Form):
    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Decision"), choices=DecisionOutcome.choices)
    minutes_reference = forms.CharField(label=_("Minutes reference"), max_length=100)

    def __init__(self, *args, seats=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seats = list(seats)
        for seat in self.seats:
            self.fields[f"vote_{seat.pk}"] = forms.ChoiceField(
                label=f"{seat.person.get_full_name() or seat.person.get_username()} ({seat.municipality})",
                choices=Vote.choices,
                initial=Vote.FOR,
            )

    def votes(self) -> dict[int, str]:
        return {seat.pk: self.cleaned_data[f"vote_{seat.pk}"] for seat in self.seats}

    def vote_fields(self):
        return [self[f"vote_{seat.pk}"] for seat in self.seats]

    def main_fields(self):
        return [self["meeting_on"], self["outcome"], self["minutes_reference"]]
