"""The URL of an object's history page, for those who may see it; empty for everyone else, so a
template shows no link that leads to 403."""

from __future__ import annotations

from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from access.policy import Capability, can

register = template.Library()


@register.simple_tag(takes_context=True)
def history_url(context, obj) -> str:
    request = context.get("request")
    if obj is None or obj.pk is None or request is None or not can(request.user, Capability.READ_HISTORY):
        return ""
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("audit:history", args=[f"{content_type.app_label}.{content_type.model}", obj.pk])
