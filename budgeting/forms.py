from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from budgeting.models import (
    ActivityState,
    AllocationMethod,
    AnnualAccounts,
    Budget,
    BudgetLine,
    CouncilView,
    DecisionOutcome,
    PlanActivity,
    PlusPackage,
    Vote,
    VoteTally,
    needs_explanation,
)
from entity.forms import DateInput, FastSelect
from portal.uploads import clean_data_upload, clean_pdf_upload

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
            self.add_error("ab_meeting_on", _("Plan the AB meeting when sending the draft to the councils."))
        return cleaned


class CouncilViewForm(forms.ModelForm):
    class Meta:
        model = CouncilView
        fields = ["municipality", "opinion", "text", "decided_on", "decision_file"]
        widgets = {
            "decided_on": DateInput(),
            "text": forms.Textarea(attrs={"rows": 4}),
            "municipality": FastSelect,
            "decision_file": forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        }
        help_texts = {"decision_file": _("The council's decision as a PDF, at most 10 MB. Optional.")}

    def clean_decision_file(self):
        return clean_pdf_upload(self.cleaned_data.get("decision_file"))

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
    """The AB's decision: the meeting, the outcome, the minutes and every member's vote, which is
    chosen, never pre-filled. The date is held to the rules of the document (see
    `DecidedByTheBoard`), so a wrong date is explained here, next to the field."""

    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Decision"), choices=[("", _("choose the decision")), *DecisionOutcome.choices])
    minutes_reference = forms.CharField(label=_("Minutes reference"), max_length=100)

    def __init__(self, *args, seats=(), document=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seats = list(seats)
        self.document = document
        for seat in self.seats:
            self.fields[f"vote_{seat.pk}"] = forms.ChoiceField(
                label=f"{seat.person.get_full_name() or seat.person.get_username()} ({seat.municipality})",
                choices=Vote.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how this member voted, or absent.")},
            )

    def clean_meeting_on(self):
        on = self.cleaned_data["meeting_on"]
        if self.document is not None:
            errors = self.document.decision_date_errors(on)
            if errors:
                raise forms.ValidationError(errors)
        return on

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"vote_{seat.pk}") for seat in self.seats]
        if cleaned.get("outcome") == DecisionOutcome.ADOPTED and all(chosen):
            if not VoteTally.of(chosen).carries_adoption:
                self.add_error("outcome", _("The votes recorded do not carry an adoption."))
        return cleaned

    def votes(self) -> dict[int, str]:
        return {seat.pk: self.cleaned_data[f"vote_{seat.pk}"] for seat in self.seats}

    def decision(self) -> dict:
        """The arguments of `services.decide` from the cleaned form."""
        data = self.cleaned_data
        return {
            "meeting_on": data["meeting_on"],
            "outcome": data["outcome"],
            "minutes_reference": data["minutes_reference"],
            "votes": self.votes(),
        }

    def chosen_votes(self) -> list[tuple[str, str]]:
        """Each member with the vote chosen, for the confirmation."""
        labels = dict(Vote.choices)
        return [(self.fields[f"vote_{s.pk}"].label, labels[self.cleaned_data[f"vote_{s.pk}"]]) for s in self.seats]

    def outcome_label(self) -> str:
        return dict(DecisionOutcome.choices)[self.cleaned_data["outcome"]]

    def vote_fields(self):
        return [self[f"vote_{seat.pk}"] for seat in self.seats]

    def main_fields(self):
        return [self["meeting_on"], self["outcome"], self["minutes_reference"]]


class AmendmentForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["reason", "needs_council_views"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True


class PlanActivityForm(forms.ModelForm):
    class Meta:
        model = PlanActivity
        fields = ["number", "title", "description", "priority", "quarter", "functions", "deliverables", "budget_lines"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "deliverables": forms.Textarea(attrs={"rows": 3}),
            "functions": forms.CheckboxSelectMultiple,
            "budget_lines": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        budget = self.instance.budget
        self.fields["budget_lines"].queryset = budget.lines.all()
        if not self.instance.pk:
            last = budget.activities.order_by("-number").values_list("number", flat=True).first()
            self.initial.setdefault("number", (last or 0) + 1)

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = self.instance.budget.activities.filter(number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another activity already has number %(number)d.") % {"number": number})
        return number


class PlusPackageForm(forms.ModelForm):
    class Meta:
        model = PlusPackage
        fields = ["municipality", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4}), "municipality": FastSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        budget = self.instance.budget
        self.fields["municipality"].queryset = budget.module.participants_during(budget.year).order_by("name")
        if self.instance.pk:
            self.fields["municipality"].disabled = True

    def clean_municipality(self):
        municipality = self.cleaned_data["municipality"]
        taken = self.instance.budget.plus_packages.filter(municipality=municipality).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("%(name)s already has a plus package in this budget.") % {"name": municipality}
            )
        return municipality


class RealisationForm(forms.Form):
    """The realised amount and explanation of every line, the activities realised and the
    services delivered, on one page."""

    services_delivered = forms.CharField(
        label=_("Services delivered"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )

    def __init__(self, *args, accounts: AnnualAccounts, rows, activities, results, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.activities = activities
        self.initial["services_delivered"] = accounts.services_delivered
        for row in rows:
            pk = row.line.pk
            self.fields[f"amount_{pk}"] = forms.DecimalField(
                label=_("Realised: %(line)s") % {"line": row.line.description},
                max_digits=14,
                decimal_places=2,
                required=False,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
            )
            self.fields[f"explanation_{pk}"] = forms.CharField(
                label=_("Explanation: %(line)s") % {"line": row.line.description},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial[f"amount_{pk}"] = row.realised
            self.initial[f"explanation_{pk}"] = row.explanation
        for activity in activities:
            result = results.get(activity.pk)
            self.fields[f"state_{activity.pk}"] = forms.ChoiceField(
                label=_("Result: %(activity)s") % {"activity": activity},
                choices=[("", _("not yet assessed")), *ActivityState.choices],
                required=False,
            )
            self.fields[f"note_{activity.pk}"] = forms.CharField(
                label=_("Note: %(activity)s") % {"activity": activity},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial[f"state_{activity.pk}"] = result.state if result else ""
            self.initial[f"note_{activity.pk}"] = result.note if result else ""

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            amount: Decimal | None = cleaned.get(f"amount_{row.line.pk}")
            explanation = cleaned.get(f"explanation_{row.line.pk}") or ""
            if amount is not None and needs_explanation(row.budgeted, amount) and not explanation.strip():
                self.add_error(f"explanation_{row.line.pk}", _("The variance is above 10 % or EUR 25,000: explain it."))
        return cleaned

    def line_fields(self):
        return [(row, self[f"amount_{row.line.pk}"], self[f"explanation_{row.line.pk}"]) for row in self.rows]

    def activity_fields(self):
        return [(a, self[f"state_{a.pk}"], self[f"note_{a.pk}"]) for a in self.activities]

    def realised_values(self) -> dict[int, tuple[Decimal | None, str]]:
        return {
            row.line.pk: (self.cleaned_data[f"amount_{row.line.pk}"], self.cleaned_data[f"explanation_{row.line.pk}"])
            for row in self.rows
        }

    def activity_values(self) -> dict[int, tuple[str, str]]:
        return {a.pk: (self.cleaned_data[f"state_{a.pk}"], self.cleaned_data[f"note_{a.pk}"]) for a in self.activities}


class RealisedImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with realised amounts"),
        help_text=_("Columns regel;omschrijving;begroot;gerealiseerd;toelichting, as in the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        # A realisation has a line per budget line: a few hundred lines, far below 5 MB.
        return clean_data_upload(self.cleaned_data.get("file"), extensions=(".csv", ".txt"), max_bytes=5 * 1024 * 1024)


class AccountsStepForm(forms.Form):
    STEPS = [
        ("draft", _("Send the provisional annual accounts to the councils")),
        ("propose", _("Propose the annual accounts to the AB")),
        ("province", _("Send the adopted annual accounts to GS")),
    ]
    step = forms.ChoiceField(choices=STEPS, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=DateInput())


class AllocationBasisForm(forms.Form):
    """Inhabitants on a reference date, or a fixed key per participant summing to exactly 100 %."""

    method = forms.ChoiceField(
        label=_("Basis of the contributions"), choices=AllocationMethod.choices, widget=forms.RadioSelect
    )
    reference_date = forms.DateField(
        label=_("Reference date for the inhabitants"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: 1 January of the year before the budget year."),
        error_messages={"invalid": _("Enter a valid date, for example 01-01-2026.")},
    )

    def __init__(self, *args, budget: Budget, participants, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        key = {k.municipality_id: k.percent for k in budget.key_shares.all()}
        self.initial.update(method=budget.allocation_method, reference_date=budget.allocation_reference_date)
        for m in self.participants:
            self.fields[f"key_{m.pk}"] = forms.DecimalField(
                label=_("Key share %(name)s (%%)") % {"name": m.name},
                required=False,
                max_digits=5,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=Decimal(100),
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "size": 7}),
            )
            self.initial[f"key_{m.pk}"] = key.get(m.pk)

    def key_fields(self):
        return [self[f"key_{m.pk}"] for m in self.participants]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") != AllocationMethod.KEY:
            return cleaned
        total = Decimal(0)
        for m in self.participants:
            value = cleaned.get(f"key_{m.pk}")
            if value is None:
                if f"key_{m.pk}" not in self.errors:
                    self.add_error(f"key_{m.pk}", _("Give the key share of %(name)s.") % {"name": m.name})
                continue
            total += value
        if not self.errors and total != 100:
            raise forms.ValidationError(
                _("The key shares add up to %(total)s %%; they must add up to exactly 100 %%.")
                % {"total": f"{total:.2f}".replace(".", ",")}
            )
        return cleaned

    @property
    def key(self) -> dict:
        return {m: self.cleaned_data[f"key_{m.pk}"] for m in self.participants}


class ScenarioForm(forms.Form):
    voor = forms.DateField(
        label=_("Participants on (before)"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter a valid date, for example 01-01-2026.")},
    )
    na = forms.DateField(
        label=_("Participants on (after)"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter a valid date, for example 01-01-2026.")},
    )


class FinancialFrameForm(forms.Form):
    """The financial frame of each municipality for this module and year; empty: none recorded."""

    def __init__(self, *args, municipalities, frames: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities = list(municipalities)
        for m in self.municipalities:
            self.fields[f"frame_{m.pk}"] = forms.DecimalField(
                label=_("Financial frame %(name)s") % {"name": m.name},
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
            )
            self.initial[f"frame_{m.pk}"] = frames.get(m.pk)

    @property
    def frames(self) -> dict:
        return {m: self.cleaned_data[f"frame_{m.pk}"] for m in self.municipalities}
