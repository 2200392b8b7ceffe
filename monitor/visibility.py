"""Whose figures a user sees on the monitor: the whole region for internal roles; a contact its
own municipality's (the filter is fixed to it, another municipality's URL is 404) and the region's
totals, with small numbers suppressed."""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from access.policy import AnyUser, Capability, can
from entity.models import Module
from monitor.forms import MonitorFilterForm
from monitor.queries import Scope, default_year
from municipalities.models import Municipality
from municipalities.visibility import own_municipality, visible_municipalities


def suppresses(user: AnyUser) -> bool:
    """Whether small numbers are hidden for this user: everyone who does not see the region."""
    return not can(user, Capability.SEE_WHOLE_REGION)


def scope_for(user: AnyUser, params: QueryDict, **fixed) -> tuple[Scope, MonitorFilterForm]:
    """The scope the URL asks for, within what the user may see; ``fixed`` from the path."""
    form = MonitorFilterForm(params, municipalities=visible_municipalities(user))
    if suppresses(user):  # one municipality: another's figures do not exist for this user
        if params.get("municipality") and not visible_municipalities(user).filter(pk=_int(params["municipality"])):
            raise Http404(_("No such municipality."))
        del form.fields["municipality"]
    for name in fixed:  # the page is about this provider or municipality: no choice to offer
        form.fields.pop(name, None)
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    module = data.get("module") or Module.objects.filter(segments__isnull=False).order_by("number").first()
    scope = Scope(
        year=data.get("year") or default_year(),
        from_month=data.get("from_month") or 1,
        to_month=data.get("to_month") or 12,
        module=module.pk if module else None,
        law=data.get("law") or "",
        segment=data["segment"].pk if data.get("segment") else None,
        municipality=data["municipality"].pk if data.get("municipality") else None,
        provider=data["provider"].pk if data.get("provider") else None,
        product=(data.get("product") or "").upper(),
    )
    if scope.from_month > scope.to_month:
        scope = scope.but(from_month=1, to_month=12)
    scope = scope.but(**fixed)
    form.summary = _summary(form, data, scope)
    if suppresses(user):
        own = own_municipality(user)
        if own is None:
            raise Http404(_("No such municipality."))
        if scope.municipality not in (None, own.pk):
            raise Http404(_("No such municipality."))
        scope = scope.but(municipality=own.pk)
    return scope, form


def monitored_municipality(user: AnyUser, slug: str) -> Municipality:
    try:
        return visible_municipalities(user).get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404(_("No such municipality.")) from None


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _summary(form: MonitorFilterForm, data: dict, scope: Scope) -> str:
    """What is chosen, in a few words ("2026 · mrt–jun · Jeugdwet · 45A03") for the filter's summary."""
    parts = [str(scope.year)]
    if not scope.whole_year:
        parts.append(f"{scope.from_month:02d}–{scope.to_month:02d}")
    for name in ("law", "segment", "municipality", "provider", "product"):
        if name in form.fields and data.get(name):
            value = data[name]
            parts.append(str(dict(form.fields[name].choices).get(value, value)) if name == "law" else str(value))
    return " · ".join(parts)
