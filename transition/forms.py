from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entity.forms import DateInput
from municipalities.models import Region
from portal.uploads import clean_pdf_upload
from transition.models import (
    Assessment,
    ChecklistItem,
    Framework,
    GoNoGoDecision,
    Milestone,
    ProgressReport,
    Risk,
)

DATE_ERROR = {"invalid": _("Enter a valid date, for example 01-01-2026.")}
PDF_WIDGET = forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = [
            "name",
            "responsible",
            "planned_start",
            "planned_end",
            "per_municipality",
            "status",
            "done_on",
            "evidence",
            "evidence_file",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "done_on": DateInput(),
            "evidence_file": PDF_WIDGET,
        }
        help_texts = {"evidence_file": _("The decision or document as a PDF, at most 10 MB. Optional.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("planned_start", "planned_end", "done_on"):
            self.fields[name].error_messages.update(DATE_ERROR)

    def clean_evidence_file(self):
        return clean_pdf_upload(self.cleaned_data.get("evidence_file"))

    def clean(self):
        cleaned = super().clean()
        done = cleaned.get("status") == "done"
        if done and not (cleaned.get("evidence") or "").strip() and not cleaned.get("evidence_file"):
            self.add_error("evidence", _("Give the evidence: the decision or document that shows it is done."))
        return cleaned


class StepsForm(forms.Form):
    """Per municipality: when it took the step, and the evidence."""

    def __init__(self, *args, steps, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        today = timezone.localdate()
        for step in self.steps:
            self.fields[f"done_{step.pk}"] = forms.DateField(
                label=_("Done on (%(name)s)") % {"name": step.municipality.name},
                required=False,
                widget=DateInput(),
                error_messages=DATE_ERROR,
                validators=[],
            )
            self.fields[f"evidence_{step.pk}"] = forms.CharField(
                label=_("Evidence (%(name)s)") % {"name": step.municipality.name}, required=False, max_length=300
            )
            self.initial[f"done_{step.pk}"] = step.done_on
            self.initial[f"evidence_{step.pk}"] = step.evidence
        self.today = today

    def rows(self):
        return [(s, self[f"done_{s.pk}"], self[f"evidence_{s.pk}"]) for s in self.steps]

    def clean(self):
        cleaned = super().clean()
        for step in self.steps:
            done = cleaned.get(f"done_{step.pk}")
            if done and done > self.today:
                self.add_error(f"done_{step.pk}", _("The date done cannot lie in the future."))
        return cleaned


class InventoryForm(forms.Form):
    """The staffing of each function in each region, in one form."""

    FIELDS = (
        ("fte", _("FTE")),
        ("people", _("people")),
        ("vacancies", _("vacancies (FTE)")),
        ("hired_fte", _("hired (FTE)")),
    )

    def __init__(self, *args, inventory, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inventory = inventory
        for row in inventory.rows:
            for code, line in row.lines.items():
                region = Region(code).label
                for name, label in self.FIELDS:
                    key = f"{name}_{row.function.pk}_{code}"
                    text = f"{label} – {row.function.name} – {region}"
                    if name == "people":
                        field = forms.IntegerField(label=text, min_value=0, max_value=999, required=False)
                    else:
                        field = forms.DecimalField(
                            label=text,
                            min_value=Decimal(0),
                            max_digits=6,
                            decimal_places=2,
                            required=False,
                            localize=True,
                        )
                    field.widget.attrs.update({"inputmode": "decimal", "class": "num", "size": 5})
                    self.fields[key] = field
                    self.initial[key] = getattr(line, name) if line else None

    def table(self):
        """Rows of (function, [(region label, [bound fields])])."""
        return [
            (
                row.function,
                [
                    (Region(code).label, [self[f"{name}_{row.function.pk}_{code}"] for name, _label in self.FIELDS])
                    for code in row.lines
                ],
            )
            for row in self.inventory.rows
        ]

    def values(self) -> dict:
        result = {}
        for row in self.inventory.rows:
            for code in row.lines:
                figures = {name: self.cleaned_data.get(f"{name}_{row.function.pk}_{code}") for name, _l in self.FIELDS}
                result[(row.function.pk, code)] = {
                    "fte": figures["fte"] or Decimal(0),
                    "people": figures["people"] or 0,
                    "vacancies": figures["vacancies"] or Decimal(0),
                    "hired_fte": figures["hired_fte"] or Decimal(0),
                }
        return result


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = ["kind", "description", "probability", "impact", "owner", "measure", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "measure": forms.Textarea(attrs={"rows": 3})}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["title", "basis", "done_on", "note"]
        widgets = {"done_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].error_messages.update(DATE_ERROR)


class FrameworkForm(forms.ModelForm):
    class Meta:
        model = Framework
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class AssessmentForm(forms.Form):
    """The assessment of every go/no-go criterion."""

    def __init__(self, *args, criteria, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"assessment_{c.pk}"] = forms.ChoiceField(
                label=_("Assessment: %(criterion)s") % {"criterion": c.text}, choices=Assessment.choices
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=_("Explanation: %(criterion)s") % {"criterion": c.text},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )
            self.initial[f"assessment_{c.pk}"] = c.assessment
            self.initial[f"note_{c.pk}"] = c.note

    def rows(self):
        return [(c, self[f"assessment_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]


class DecisionForm(forms.ModelForm):
    class Meta:
        model = GoNoGoDecision
        fields = ["decided_on", "body", "outcome", "note"]
        widgets = {"decided_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].error_messages.update(DATE_ERROR)


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
