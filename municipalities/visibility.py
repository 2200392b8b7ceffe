"""Which municipalities a user sees: the whole region for internal roles, its own for a contact
(a guardian object permission, granted when the contact link is saved); 404 for the rest."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from access.policy import AnyUser, Capability, can
from municipalities.models import Municipality

VIEW_MUNICIPALITY = "municipalities.view_municipality"


def grant_municipality(user: User, municipality: Municipality) -> None:
    assign_perm(VIEW_MUNICIPALITY, user, municipality)


def revoke_municipality(user: User, municipality: Municipality) -> None:
    remove_perm(VIEW_MUNICIPALITY, user, municipality)


def visible_municipalities(user: AnyUser) -> QuerySet[Municipality]:
    if can(user, Capability.SEE_WHOLE_REGION):
        return Municipality.objects.all()
    if can(user, Capability.ACT_FOR_OWN_MUNICIPALITY):
        return get_objects_for_user(user, VIEW_MUNICIPALITY, klass=Municipality, accept_global_perms=False)
    return Municipality.objects.none()


def own_municipality(user: AnyUser) -> Municipality | None:
    """The municipality a contact acts for (None for everyone else)."""
    if not can(user, Capability.ACT_FOR_OWN_MUNICIPALITY):
        return None
    return visible_municipalities(user).order_by("name").first()


def get_municipality_for_user(user: AnyUser, slug: str) -> tuple[Municipality, bool]:
    """The municipality and whether the user may change it; 404 when it is not theirs to see."""
    try:
        municipality = visible_municipalities(user).get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404(_("No such municipality.")) from None
    return municipality, can(user, Capability.MANAGE_REFERENCE_DATA)


def get_statement_municipality_for_user(user: AnyUser, slug: str) -> Municipality:
    """Whose statement: a contact only its own municipality's (another's is 404), like every
    other object of another municipality."""
    return get_municipality_for_user(user, slug)[0]
