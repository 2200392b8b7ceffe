from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from access.policy import Capability, any_role_required, is_internal, requires
from municipalities.forms import PopulationImportForm
from municipalities.models import Municipality
from municipalities.services import import_population_csv
from municipalities.tables import MunicipalityTable
from municipalities.visibility import get_municipality_for_user, visible_municipalities


@require_GET
@any_role_required
def municipality_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # Memberships and board seats are the entity's (an app above this one): reached through the
    # relations they declare on Municipality, so this app never imports the entity.
    memberships = Municipality.memberships.rel.related_model.objects
    current = memberships.active_on(today).select_related("module").order_by("module__number")
    municipalities = (
        visible_municipalities(request.user)
        .with_inhabitants_on(today)
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_memberships"))
    )
    table = MunicipalityTable(municipalities, order_by="name")
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(request, "municipalities/list.html", {"table": table, "today": today})


@require_GET
@any_role_required
def municipality_detail(request: HttpRequest, slug: str) -> HttpResponse:
    municipality, can_edit = get_municipality_for_user(request.user, slug)
    today = timezone.localdate()
    memberships = municipality.memberships.select_related("module").order_by("module__number", "start_date")
    seats = None
    if is_internal(request.user):
        seats = municipality.board_seats.active_on(today).select_related("person").order_by("body", "position")
    return render(
        request,
        "municipalities/detail.html",
        {
            "municipality": municipality,
            "can_edit": can_edit,
            "counts": municipality.population_counts.order_by("-reference_date"),
            "memberships": [(m, m.is_active_on(today)) for m in memberships],
            "seats": seats,
            "contacts": municipality.contacts.select_related("user") if is_internal(request.user) else None,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.IMPORT_POPULATION)
def population_import(request: HttpRequest) -> HttpResponse:
    form = PopulationImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        source = _("CBS StatLine %(table)s, imported from %(file)s on %(date)s by %(user)s") % {
            "table": form.cleaned_data["table"],
            "file": upload.name[:80],
            "date": timezone.localdate().strftime("%d-%m-%Y"),
            "user": request.user.get_username(),
        }
        result = import_population_csv(upload.read(), source)
        if result.ok:
            messages.success(
                request,
                _(
                    "Imported %(total)d population counts: %(created)d new, "
                    "%(updated)d changed, %(unchanged)d unchanged."
                )
                % {
                    "total": result.total,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            if result.skipped:
                messages.info(request, result.skipped_summary())
            return redirect("municipalities:list")
    return render(request, "municipalities/import.html", {"form": form, "result": result})
