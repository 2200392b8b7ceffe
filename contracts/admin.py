"""Contracts in /beheer/: providers, segments, DVOs and log entries are reference data (validated in
full, recorded in the trail). Contracts are shown, not changed: their rules span several rows
(every participant a member or holder of a DVO on every day, lump-sum key shares adding up to
exactly 100 %) and hold in the portal's contract form. Invoices and their steps are shown, never
changed: they move only through the workflow in the portal, where four eyes hold."""

from django.contrib import admin

from audit.reference_admin import ReferenceDataAdmin
from contracts.models import (
    Contract,
    ContractLogEntry,
    ContractParticipation,
    Invoice,
    InvoiceTransition,
    Provider,
    Segment,
    ServiceAgreement,
    TariffLine,
)
from portal.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Segment)
class SegmentAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "law", "module"]
    list_filter = ["law", "module"]


@admin.register(Provider)
class ProviderAdmin(ReferenceDataAdmin):
    list_display = ["name", "kvk_number", "agb_code", "contact_name"]
    search_fields = ["name", "kvk_number", "agb_code"]


@admin.register(ServiceAgreement)
class ServiceAgreementAdmin(ReferenceDataAdmin):
    list_display = ["municipality", "start_date", "end_date", "annual_fee"]
    filter_horizontal = ["segments"]


class ParticipationInline(ReadOnlyInline):
    model = ContractParticipation


class TariffInline(ReadOnlyInline):
    model = TariffLine


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "provider", "segment", "start_date", "end_date"]
    list_filter = ["segment", "funding_variant", "procedure"]
    search_fields = ["reference", "title", "provider__name"]
    inlines = [ParticipationInline, TariffInline]
    autocomplete_fields = ["provider"]


@admin.register(ContractLogEntry)
class ContractLogEntryAdmin(ReferenceDataAdmin):
    list_display = ["contract", "kind", "date", "author"]
    list_filter = ["kind"]
    # Whoever writes the entry is its author, as in the portal: nobody writes in another's name.
    readonly_fields = ["author"]

    def fill(self, request, obj: ContractLogEntry) -> None:
        if obj.pk is None:
            obj.author = request.user


class TransitionInline(ReadOnlyInline):
    model = InvoiceTransition
    fields = ["from_status", "to_status", "by", "at", "reason"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Invoices are registered, imported and moved step by step in the portal (four eyes)."""

    list_display = ["invoice_number", "provider", "municipality", "invoice_date", "amount", "status"]
    list_filter = ["status", "municipality"]
    search_fields = ["invoice_number"]
    list_select_related = ["provider", "municipality"]
    inlines = [TransitionInline]
