"""List filters; every choice list is limited to what the user may see."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    Contract,
    ContractParticipation,
    ContractStatus,
    FundingVariant,
    Invoice,
    InvoiceStatus,
    Provider,
    Segment,
)
from contracts.visibility import visible_contracts
from entity.forms import DateInput, FastSelect
from municipalities.visibility import visible_municipalities


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", help_text=_("Reference, title or provider."))
    segment = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Segment"), queryset=Segment.objects.all()
    )
    provider = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Provider"), queryset=Provider.objects.all()
    )
    municipality = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Municipality"), method="with_municipality", queryset=None
    )
    funding_variant = django_filters.ChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Funding variant"), choices=FundingVariant.choices
    )
    status = django_filters.ChoiceFilter(
        widget=FastSelect,
        empty_label=_("(all)"),
        label=_("Status"),
        choices=ContractStatus.choices,
        method="with_status",
    )
    ending_within = django_filters.NumberFilter(
        label=_("Ends within (months)"),
        method="ending",
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"min": 0, "max": 120}),
    )

    class Meta:
        model = Contract
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["municipality"].queryset = visible_municipalities(user)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(provider__name__icontains=value)
        )

    def with_municipality(self, queryset, name, value):
        return queryset.filter(
            Exists(ContractParticipation.objects.filter(contract=OuterRef("pk"), municipality=value))
        )

    def with_status(self, queryset, name, value):
        return queryset.with_status(value)

    def ending(self, queryset, name, value):
        return queryset.ending_within(int(value))


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", help_text=_("Invoice number or declaration reference.")
    )
    status = django_filters.ChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Status"), choices=InvoiceStatus.choices
    )
    municipality = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Municipality"), queryset=None
    )
    provider = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Provider"), queryset=Provider.objects.all()
    )
    contract = django_filters.ModelChoiceFilter(
        widget=FastSelect, empty_label=_("(all)"), label=_("Contract"), queryset=None
    )
    period_from = django_filters.DateFilter(
        label=_("Period from"), field_name="period_start", lookup_expr="gte", widget=DateInput()
    )
    period_until = django_filters.DateFilter(
        label=_("Period until"), field_name="period_end", lookup_expr="lte", widget=DateInput()
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="only_overdue", widget=forms.CheckboxInput)
    amount_min = django_filters.NumberFilter(label=_("Amount from (€)"), field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label=_("Amount up to (€)"), field_name="amount", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["municipality"].queryset = visible_municipalities(user)
        self.filters["contract"].queryset = visible_contracts(user).only("pk", "reference", "title")

    def search(self, queryset, name, value):
        return queryset.filter(Q(invoice_number__icontains=value) | Q(declaration_reference__icontains=value))

    def only_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset
