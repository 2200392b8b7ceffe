"""The message traffic in /beheer/: to look things up, never to change them (they come from the
municipalities' messages; a correction is a new message)."""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin, ReadOnlyInline
from traffic.models import Allocation, DeclarationReturn, ReturnLine


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["number", "municipality", "law", "provider", "product_code", "start_date", "end_date"]
    list_filter = ["law", "municipality"]
    search_fields = ["number", "product_code", "provider__name"]


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["invoice_line", "accepted", "return_codes"]


@admin.register(DeclarationReturn)
class DeclarationReturnAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "message_identification", "message_date", "declared", "granted"]
    search_fields = ["invoice__invoice_number", "message_identification"]
    inlines = [ReturnLineInline]
