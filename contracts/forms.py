from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import transaction
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from contracts.imports import FORMATS
from contracts.models import (
    MESSAGE_FIELDS,
    Contract,
    ContractLogEntry,
    ContractParticipation,
    FundingVariant,
    Invoice,
    InvoiceSource,
    InvoiceStatus,
    TariffLine,
)
from entity.forms import DateInput, FastSelect
from municipalities.models import Municipality
from portal.uploads import clean_data_upload

HUNDRED = Decimal("100.00")


class ContractForm(forms.ModelForm):
    """The contract and, per municipality, whether it takes part and (lump sums) its key share."""

    class Meta:
        model = Contract
        fields = [
            "reference",
            "title",
            "provider",
            "segment",
            "procedure",
            "funding_variant",
            "start_date",
            "end_date",
            "latest_end_date",
            "notice_months",
            "ceiling",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "latest_end_date": DateInput(),
            "ceiling": forms.TextInput(attrs={"inputmode": "decimal"}),
        }
        localized_fields = ["ceiling"]  # accepts 1.234.567,89 as Dutch users write it

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities = list(Municipality.objects.order_by("name"))
        current = (
            {p.municipality_id: p.key_share for p in self.instance.participations.all()} if self.instance.pk else {}
        )
        for m in self.municipalities:
            self.fields[f"takes_part_{m.pk}"] = forms.BooleanField(
                label=m.name, required=False, initial=m.pk in current
            )
            self.fields[f"key_share_{m.pk}"] = forms.DecimalField(
                label=_("Key share of %(name)s (%%)") % {"name": m.name},
                required=False,
                min_value=Decimal(0),
                max_value=HUNDRED,
                max_digits=5,
                decimal_places=2,
                initial=current.get(m.pk),
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "short"}),
            )

    def participation_rows(self):
        return [(m, self[f"takes_part_{m.pk}"], self[f"key_share_{m.pk}"]) for m in self.municipalities]

    def main_fields(self):
        return [self[name] for name in self.Meta.fields]

    def clean(self):
        cleaned = super().clean()
        chosen = [m for m in self.municipalities if cleaned.get(f"takes_part_{m.pk}")]
        if not chosen:
            raise forms.ValidationError(_("Choose at least one participating municipality."))
        segment, start, end = cleaned.get("segment"), cleaned.get("start_date"), cleaned.get("end_date")
        if segment and start and end and start <= end:
            probe = Contract(segment=segment, start_date=start, end_date=end)
            for m in chosen:
                problem = probe.participation_problem(m)
                if problem:
                    self.add_error(f"takes_part_{m.pk}", problem)
        lump_sum = cleaned.get("funding_variant") == FundingVariant.TASK
        shares = {m.pk: cleaned.get(f"key_share_{m.pk}") for m in chosen}
        if lump_sum:
            for m in chosen:
                if shares[m.pk] is None:
                    self.add_error(
                        f"key_share_{m.pk}", _("A lump sum needs a key share for %(name)s.") % {"name": m.name}
                    )
            if all(v is not None for v in shares.values()) and sum(shares.values()) != HUNDRED:
                raise forms.ValidationError(
                    _("The key shares add up to %(sum)s %%, not exactly 100 %%.")
                    % {"sum": f"{sum(shares.values()):.2f}".replace(".", ",")}
                )
        else:
            for m in self.municipalities:
                if cleaned.get(f"key_share_{m.pk}") is not None:
                    self.add_error(f"key_share_{m.pk}", _("Key shares are only for lump-sum contracts."))
        self.chosen_shares = {m: (shares[m.pk] if lump_sum else None) for m in chosen}
        return cleaned

    @transaction.atomic
    def save(self, commit: bool = True) -> Contract:
        contract = super().save(commit=True)
        keep = {m.pk for m in self.chosen_shares}
        contract.participations.exclude(municipality_id__in=keep).delete()
        for municipality, share in self.chosen_shares.items():
            ContractParticipation.objects.update_or_create(
                contract=contract, municipality=municipality, defaults={"key_share": share}
            )
        return contract


TariffLineFormSet = inlineformset_factory(
    Contract,
    TariffLine,
    fields=["product_category", "product_code", "unit", "tariff"],
    widgets={"tariff": forms.TextInput(attrs={"inputmode": "decimal", "class": "short"})},
    localized_fields=["tariff"],  # 85,50 as Dutch users write it
    extra=2,
    can_delete=True,
)


class LogEntryForm(forms.ModelForm):
    class Meta:
        model = ContractLogEntry
        fields = ["kind", "date", "text"]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 4})}


class InvoiceForm(forms.ModelForm):
    """The provider follows from the contract, so the two can never disagree."""

    class Meta:
        model = Invoice
        fields = [
            "contract",
            "municipality",
            "invoice_number",
            "invoice_date",
            "period_start",
            "period_end",
            "amount",
            "declaration_reference",
        ]
        widgets = {
            "invoice_date": DateInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "amount": forms.TextInput(attrs={"inputmode": "decimal"}),
            "contract": FastSelect,
            "municipality": FastSelect,
        }
        localized_fields = ["amount"]  # accepts 1.234,56 and -1234,56

    def __init__(self, *args, contracts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.source == InvoiceSource.MESSAGE:
            for name in MESSAGE_FIELDS & set(self.fields):  # the message is the record
                self.fields[name].disabled = True
                self.fields[name].help_text = _("From the declaration message; a correction is a new message.")
        if contracts is not None:
            self.fields["contract"].queryset = contracts.select_related("provider").order_by("reference")
        self.fields["contract"].label_from_instance = lambda c: f"{c.reference} – {c.provider.name}"

    def clean(self):
        cleaned = super().clean()
        contract, number = cleaned.get("contract"), cleaned.get("invoice_number")
        if contract:
            self.instance.provider = contract.provider
            # OP349: unique per provider per law (the same number under the other law is another one).
            duplicate = Invoice.objects.filter(
                provider=contract.provider, law=contract.segment.law, invoice_number=number
            )
            if number and duplicate.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "invoice_number",
                    _("%(provider)s already has an invoice with number %(number)s.")
                    % {"provider": contract.provider, "number": number},
                )
        return cleaned


class StepForm(forms.Form):
    status = forms.ChoiceField(choices=InvoiceStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for rejection"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BulkStepForm(forms.Form):
    ACTIONS = [
        ("", _("— choose an action —")),
        (InvoiceStatus.CHECKED, _("Mark as checked")),
        (InvoiceStatus.APPROVED, _("Approve")),
        (InvoiceStatus.PAID, _("Mark as paid")),
        (InvoiceStatus.REJECTED, _("Reject")),
    ]
    action = forms.ChoiceField(label=_("Action for the selected invoices"), choices=ACTIONS)
    reason = forms.CharField(label=_("Reason (for rejection)"), required=False, max_length=2000)
    invoice = forms.ModelMultipleChoiceField(
        queryset=Invoice.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one invoice.")},
    )

    def __init__(self, *args, invoices=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if invoices is not None:
            self.fields["invoice"].queryset = invoices


class InvoiceImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A CSV file with the columns below, or a JW323 / WMO323 declaration message (XML). At most 20 MB."),
    )

    def clean_file(self):
        # The types and the size of the registered formats, in the words this page has always used.
        return clean_data_upload(
            self.cleaned_data["file"],
            extensions=FORMATS.extensions,
            max_bytes=FORMATS.max_bytes,
            too_large=_("The file is larger than 20 MB."),
            wrong_type=_("Choose a CSV file (.csv) or a declaration message (.xml)."),
        )
