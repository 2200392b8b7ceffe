from django.contrib import admin

from audit.reference_admin import ReferenceDataAdmin, ReferenceDataInline
from municipalities.models import Municipality, PopulationCount


class PopulationCountInline(ReferenceDataInline):
    model = PopulationCount
    ordering = ["-reference_date"]


@admin.register(Municipality)
class MunicipalityAdmin(ReferenceDataAdmin):
    list_display = ["name", "cbs_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "cbs_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PopulationCountInline]


@admin.register(PopulationCount)
class PopulationCountAdmin(ReferenceDataAdmin):
    list_display = ["municipality", "reference_date", "inhabitants", "source"]
    list_filter = ["reference_date", "municipality__region"]
    search_fields = ["municipality__name", "source"]
    date_hierarchy = "reference_date"
