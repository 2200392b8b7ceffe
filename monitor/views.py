"""The monitor's pages: /monitor/ (overview), a provider, a municipality, the signals and the
declared lines behind a figure. Filters live in the URL; every table exports (?export=<table>)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from access.policy import Capability, can, requires
from contracts.models import Provider
from monitor import reports
from monitor.lines import lines_page
from monitor.queries import remembering
from monitor.reports import Viewer
from monitor.visibility import monitored_municipality, scope_for, suppresses
from municipalities.visibility import own_municipality


def _viewer(user) -> Viewer:
    own = own_municipality(user) if suppresses(user) else None
    return Viewer(suppresses(user), own.pk if own else None, can(user, Capability.SEE_MONITOR_LINES))


def _respond(request: HttpRequest, template: str, page: dict, filename: str, **context) -> HttpResponse:
    """The page, or one of its tables as CSV/XLSX when ?export=<table> asks for it."""
    wanted = request.GET.get("export")
    if wanted:
        tables = {t.name: t for t in page["tables"].values()}
        if wanted not in tables:
            raise Http404
        return tables[wanted].export("xlsx" if request.GET.get("format") == "xlsx" else "csv", filename)
    return render(request, template, {**page, **context})


@require_GET
@requires(Capability.SEE_MONITOR)
def overview(request: HttpRequest) -> HttpResponse:
    scope, form = scope_for(request.user, request.GET)
    with remembering():
        page = reports.overview(scope, _viewer(request.user))
    return _respond(request, "monitor/overview.html", page, f"monitor-{scope.year}", scope=scope, form=form)


@require_GET
@requires(Capability.SEE_MONITOR)
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(Provider, pk=pk)
    scope, form = scope_for(request.user, request.GET, provider=subject.pk)
    with remembering():
        page = reports.detail(scope, _viewer(request.user), per="municipality")
    context = {"scope": scope, "form": form, "provider": subject}
    return _respond(request, "monitor/provider.html", page, f"monitor-{subject.name}-{scope.year}", **context)


@require_GET
@requires(Capability.SEE_MONITOR)
def municipality(request: HttpRequest, slug: str) -> HttpResponse:
    subject = monitored_municipality(request.user, slug)
    scope, form = scope_for(request.user, request.GET, municipality=subject.pk)
    with remembering():
        page = reports.detail(scope, _viewer(request.user), per="provider")
        page["comparison"] = reports.comparison(scope, subject, suppressed=suppresses(request.user))
    context = {"scope": scope, "form": form, "municipality": subject}
    return _respond(request, "monitor/municipality.html", page, f"monitor-{subject.slug}-{scope.year}", **context)


@require_GET
@requires(Capability.SEE_MONITOR_LINES)
def signals(request: HttpRequest) -> HttpResponse:
    scope, form = scope_for(request.user, request.GET)
    with remembering():
        page = reports.signals(scope)
    return _respond(request, "monitor/signals.html", page, f"signalen-{scope.year}", scope=scope, form=form)


@require_GET
@requires(Capability.SEE_MONITOR_LINES)
def lines(request: HttpRequest) -> HttpResponse:
    scope, form = scope_for(request.user, request.GET)
    return lines_page(request, scope, form)
