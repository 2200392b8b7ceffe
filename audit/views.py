"""The history of one object: its own entries and those of the rows that belong to it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from access.policy import Capability, requires
from audit.models import AuditEntry
from audit.presentation import history_rows
from audit.registry import history_models

PER_PAGE = 50


def _content_type(label: str) -> ContentType:
    app_label, _dot, model = label.partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        raise Http404(_("No history for this kind of object.")) from None
    if content_type.model_class() not in history_models():
        raise Http404(_("No history for this kind of object."))
    return content_type


@require_GET
@requires(Capability.READ_HISTORY)
def history(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    content_type = _content_type(model)
    obj = content_type.model_class()._base_manager.filter(pk=pk).first()
    entries = AuditEntry.objects.for_object(content_type, pk).select_related("content_type")
    # A deleted object keeps its history; an id that never had either is unknown.
    latest = entries.filter(content_type=content_type, object_id=str(pk)).first()
    if obj is None and latest is None:
        raise Http404(_("No such object."))
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/history.html",
        {
            "object": obj,
            "title": str(obj) if obj is not None else latest.object_repr,
            "kind": content_type.model_class()._meta.verbose_name,
            "deleted": obj is None,
            "page": page,
            "paginator": page.paginator,
            "rows": history_rows(page.object_list, content_type, str(pk)),
        },
    )
