"""Which programmes and progress reports a user sees, and whether the user may change them.

Internal roles see every programme; a contact those of its municipality's modules and the one it
joins (its own steps and the issued reports); 404 for the rest. The kwartiermaker steers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from access.policy import AnyUser, Capability, can
from municipalities.visibility import own_municipality
from transition.models import Programme, ProgressReport


def visible_programmes(user: AnyUser) -> QuerySet[Programme]:
    if can(user, Capability.SEE_WHOLE_REGION):
        return Programme.objects.all()
    own = own_municipality(user)
    if own is None:
        return Programme.objects.none()
    members = Programme.objects.filter(module__memberships__municipality=own)
    return (members | Programme.objects.filter(joining=own)).distinct()


def get_programme_for_user(user: AnyUser, pk: int) -> tuple[Programme, bool]:
    try:
        programme = visible_programmes(user).select_related("module").get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404(_("No such programme.")) from None
    return programme, can(user, Capability.STEER_PROGRAMME)


def visible_reports(user: AnyUser) -> QuerySet[ProgressReport]:
    """Issued reports for everyone who sees the programme; drafts for the kwartiermaker only."""
    reports = ProgressReport.objects.filter(programme__in=visible_programmes(user))
    return reports if can(user, Capability.STEER_PROGRAMME) else reports.filter(issued_on__isnull=False)


def get_report_for_user(user: AnyUser, pk: int) -> tuple[ProgressReport, bool]:
    try:
        report = visible_reports(user).select_related("programme", "issued_by").get(pk=pk)
    except ProgressReport.DoesNotExist:
        raise Http404(_("No such report.")) from None
    return report, can(user, Capability.STEER_PROGRAMME) and not report.is_issued
