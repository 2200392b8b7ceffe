from django.contrib import admin

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


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "law", "module"]
    list_filter = ["law", "module"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kvk_number", "agb_code", "contact_name"]
    search_fields = ["name", "kvk_number", "agb_code"]


@admin.register(ServiceAgreement)
class ServiceAgreementAdmin(admin.ModelAdmin):
    list_display = ["municipality", "start_date", "end_date", "annual_fee"]
    filter_horizontal = ["segments"]


class ParticipationInline(admin.TabularInline):
    model = ContractParticipation
    extra = 0


class TariffInline(admin.TabularInline):
    model = TariffLine
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "provider", "segment", "start_date", "end_date"]
    list_filter = ["segment", "funding_variant", "procedure"]
    search_fields = ["reference", "title", "provider__name"]
    inlines = [ParticipationInline, TariffInline]
    autocomplete_fields = ["provider"]


@admin.register(ContractLogEntry)
class ContractLogEntryAdmin(admin.ModelAdmin):
    list_display = ["contract", "kind", "date", "author"]
    list_filter = ["kind"]


class TransitionInline(admin.TabularInline):
    model = InvoiceTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only here: invoices change only through the workflow in the portal (four eyes)."""

    list_display = ["invoice_number", "provider", "municipality", "invoice_date", "amount", "status"]
    list_filter = ["status", "municipality"]
    search_fields = ["invoice_number"]
    list_select_related = ["provider", "municipality"]
    inlines = [TransitionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
