from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from municipalities.models import Municipality


class PortalTable(tables.Table):
    """Accessible tables: column headers with scope, the first cell of a row as row header."""

    caption = _("Table")  # names the scrollable region for screen readers
    show_caption = False

    class Meta:
        template_name = "portal/table.html"
        attrs = {"class": "data-table"}


class MunicipalityTable(PortalTable):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    cbs_code = tables.Column(verbose_name=_("CBS code"))
    region = tables.Column(verbose_name=_("Region"))
    inhabitants = tables.Column(
        verbose_name=_("Inhabitants"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    inhabitants_date = tables.DateColumn(
        verbose_name=_("Reference date"), orderable=False, attrs={"td": {"class": "date"}})
    modules = tables.Column(verbose_name=_("Modules today"), empty_values=(), orderable=False)

    caption = _("Municipalities")

    class Meta(PortalTable.Meta):
        model = Municipality
        fields = ("name", "cbs_code", "region", "inhabitants", "inhabitants_date")
        sequence = ("name", "cbs_code", "region", "inhabitants", "inhabitants_date", "modules")
        per_page = 25
        empty_text = _("No municipalities.")

    def render_inhabitants(self, value: int, record: Municipality) -> str:
        text = f"{value:,}".replace(",", ".")
        if getattr(record, "inhabitants_estimated", False):
            return format_html('{} <span class="badge badge-muted">{}</span>', text, _("estimate"))
        return text

    def render_modules(self, record: Municipality) -> str:
        memberships = getattr(record, "current_memberships", [])
        if not memberships:
            return "—"
        return format_html_join(", ", "{}", ((f"{m.module.number}",) for m in memberships))
