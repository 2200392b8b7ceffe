"""The kwartiermaker's workspace: the programme, milestones with the steps of each municipality,
the function inventory, risks, the staff checklist, the go/no-go decision and the reports.

The kwartiermaker edits; the boards, staff and manager read; a municipality contact sees the
steps of its own municipality and the issued reports (`access.policy`, `transition.visibility`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Capability, any_role_required, can, requires
from municipalities.visibility import own_municipality
from portal.pdf import pdf_response
from portal.storage import private_pdf
from transition import services
from transition.forms import (
    AssessmentForm,
    ChecklistItemForm,
    DecisionForm,
    FrameworkForm,
    InventoryForm,
    MilestoneForm,
    ReportForm,
    RiskForm,
    StepsForm,
)
from transition.models import ChecklistItem, Milestone, ProgressReport, Risk, StaffingChange
from transition.visibility import get_programme_for_user, get_report_for_user, visible_programmes, visible_reports

kwartiermaker_only = requires(Capability.STEER_PROGRAMME)
internal_only = requires(Capability.SEE_WHOLE_PROGRAMME)


@require_GET
@any_role_required
def index(request: HttpRequest) -> HttpResponse:
    programmes = list(visible_programmes(request.user))
    if len(programmes) == 1:
        return redirect(programmes[0].get_absolute_url())
    return render(request, "transition/index.html", {"programmes": programmes})


@require_GET
@any_role_required
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    programme, can_edit = get_programme_for_user(request.user, pk)
    today = timezone.localdate()
    context = {"programme": programme, "can_edit": can_edit, "today": today}
    context["reports"] = visible_reports(request.user).filter(programme=programme)
    if not can(request.user, Capability.SEE_WHOLE_PROGRAMME):
        own = own_municipality(request.user)
        context.update(own=own, own_steps=services.own_steps(programme, own))
        return render(request, "transition/own_steps.html", context)
    late, due = services.attention(programme, today)
    context.update(
        late=late,
        due=due,
        milestones=_milestone_rows(programme, today),
        decision=getattr(programme, "decision", None),
        municipalities=programme.municipalities(),
    )
    return render(request, "transition/programme.html", context)


def _milestone_rows(programme, today) -> list[tuple]:
    counts = services.step_counts(programme)
    return [(m, m.status_on(today), m.status_label(today), counts.get(m.pk)) for m in programme.milestones.all()]


@require_http_methods(["GET", "POST"])
@kwartiermaker_only
def milestone_form(request: HttpRequest, pk: int, milestone_pk: int | None = None) -> HttpResponse:
    programme, _can_edit = get_programme_for_user(request.user, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, programme=programme) if milestone_pk else None
    form = MilestoneForm(request.POST or None, request.FILES or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.instance.programme = programme
            saved = form.save()
            services.ensure_steps(saved)
        messages.success(request, _("Milestone “%(name)s” has been saved.") % {"name": saved.name})
        return redirect(programme.get_absolute_url() + "#mijlpalen")
    return render(
        request, "transition/milestone_form.html", {"programme": programme, "form": form, "milestone": milestone}
    )


@require_GET
@any_role_required
def evidence_file(request: HttpRequest, pk: int, milestone_pk: int) -> FileResponse:
    programme, _can_edit = get_programme_for_user(request.user, pk)
    if not can(request.user, Capability.SEE_WHOLE_PROGRAMME):
        raise Http404(_("No such milestone."))
    milestone = get_object_or_404(Milestone, pk=milestone_pk, programme=programme)
    name = f"bewijsstuk-mijlpaal-{milestone.pk}.pdf"
    return private_pdf(milestone.evidence_file, name, _("No evidence file was attached."))


@require_http_methods(["GET", "POST"])
@kwartiermaker_only
def steps(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    programme, _can_edit = get_programme_for_user(request.user, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, programme=programme, per_municipality=True)
    services.ensure_steps(milestone)
    rows = milestone.steps.select_related("municipality")
    form = StepsForm(request.POST or None, steps=rows)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for step in form.steps:
                step.done_on = form.cleaned_data[f"done_{step.pk}"]
                step.evidence = form.cleaned_data[f"evidence_{step.pk}"]
                step.save(update_fields=["done_on", "evidence"])
        messages.success(request, _("The steps of the municipalities have been saved."))
        return redirect(programme.get_absolute_url() + "#mijlpalen")
    return render(request, "transition/steps.html", {"programme": programme, "milestone": milestone, "form": form})


@require_http_methods(["GET", "POST"])
@internal_only
def staffing(request: HttpRequest, pk: int) -> HttpResponse:
    programme, can_edit = get_programme_for_user(request.user, pk)
    stock = services.inventory(programme)
    data = request.POST if request.method == "POST" else None
    form = InventoryForm(data, inventory=stock) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if not any(name in request.POST for name in form.fields):  # not this form: never wipe the figures
            messages.error(request, _("Nothing was saved: the inventory form was not sent."))
            return redirect("transition:staffing", pk=programme.pk)
        if form.is_valid():
            changed = services.save_inventory(programme, form.values(), by=request.user)
            text = ngettext(
                "The inventory has been saved (%(count)d change).",
                "The inventory has been saved (%(count)d changes).",
                changed,
            )
            messages.success(request, text % {"count": changed})
            return redirect("transition:staffing", pk=programme.pk)
    context = {"programme": programme, "inventory": stock, "form": form, "can_edit": can_edit}
    context["changes"] = StaffingChange.objects.filter(line__programme=programme).select_related(
        "line__function", "by"
    )[:20]
    return render(request, "transition/staffing.html", context)


@require_GET
@internal_only
def risks(request: HttpRequest, pk: int) -> HttpResponse:
    programme, can_edit = get_programme_for_user(request.user, pk)
    context = {"programme": programme, "can_edit": can_edit, "risks": programme.risks.all()}
    context["checklist"] = programme.checklist.all()
    return render(request, "transition/risks.html", context)


def _item_form(request, pk, item_pk, model, form_class, template):
    """Add or change a risk or a checklist step (the kwartiermaker)."""
    programme, _can_edit = get_programme_for_user(request.user, pk)
    item = get_object_or_404(model, pk=item_pk, programme=programme) if item_pk else None
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        form.instance.programme = programme
        form.save()
        messages.success(request, _("Saved."))
        return redirect("transition:risks", pk=programme.pk)
    return render(request, template, {"programme": programme, "form": form, "item": item})


@require_http_methods(["GET", "POST"])
@kwartiermaker_only
def risk_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    return _item_form(request, pk, item_pk, Risk, RiskForm, "transition/item_form.html")


@require_http_methods(["GET", "POST"])
@kwartiermaker_only
def checklist_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    return _item_form(request, pk, item_pk, ChecklistItem, ChecklistItemForm, "transition/item_form.html")


@require_http_methods(["GET", "POST"])
@kwartiermaker_only
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Frameworks, the go/no-go criteria with their assessment, and the decision."""
    programme, _can_edit = get_programme_for_user(request.user, pk)
    assessment = AssessmentForm(request.POST or None, criteria=programme.criteria.all(), prefix="a")
    decided = DecisionForm(request.POST or None, instance=getattr(programme, "decision", None), prefix="d")
    framework = FrameworkForm(prefix="f")
    if request.method == "POST" and assessment.is_valid() and (not _deciding(request) or decided.is_valid()):
        with transaction.atomic():
            for c in assessment.criteria:
                c.assessment = assessment.cleaned_data[f"assessment_{c.pk}"]
                c.note = assessment.cleaned_data[f"note_{c.pk}"].strip()
                c.save(update_fields=["assessment", "note"])
            if _deciding(request):
                decided.instance.programme = programme
                decided.save()
        messages.success(request, _("The go/no-go assessment has been saved."))
        return redirect(programme.get_absolute_url() + "#go-no-go")
    context = {"programme": programme, "assessment": assessment, "decided": decided, "framework": framework}
    return render(request, "transition/decision.html", context)


def _deciding(request: HttpRequest) -> bool:
    """The decision part is filled in (a date is given): it must then be valid."""
    return bool(request.POST.get("d-decided_on"))


@require_POST
@kwartiermaker_only
def framework_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme, _can_edit = get_programme_for_user(request.user, pk)
    form = FrameworkForm(request.POST, prefix="f")
    if form.is_valid():
        form.instance.programme = programme
        form.save()
        messages.success(request, _("The framework has been added."))
    else:
        messages.error(request, _("The framework was not added: give its kind and text."))
    return redirect("transition:decision", pk=programme.pk)


# --- Progress reports ---------------------------------------------------------------------------


@require_POST
@kwartiermaker_only
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    programme, _can_edit = get_programme_for_user(request.user, pk)
    year, quarter = services.next_quarter(programme, timezone.localdate())
    report = ProgressReport.objects.create(programme=programme, year=year, quarter=quarter)
    return redirect(report.get_absolute_url())


@require_http_methods(["GET", "POST"])
@any_role_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report, can_edit = get_report_for_user(request.user, pk)
    form = ReportForm(request.POST or None, instance=report) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("The summary has been saved."))
            return redirect(report.get_absolute_url())
    content = services.content_of(report, timezone.localdate())
    context = {"report": report, "programme": report.programme, "form": form, "can_edit": can_edit}
    context.update(content=content, chart=services.report_timeline(content))
    return render(request, "transition/report.html", context)


@require_POST
@kwartiermaker_only
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report, _can_edit = get_report_for_user(request.user, pk)
    try:
        services.issue_report(report, by=request.user, on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(report)s has been issued; it no longer changes.") % {"report": report})
    return redirect(report.get_absolute_url())


@require_GET
@any_role_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report, _can_edit = get_report_for_user(request.user, pk)
    content = services.content_of(report, timezone.localdate())
    context = {"report": report, "programme": report.programme, "content": content}
    context["chart"] = services.report_timeline(content)
    name = f"voortgangsrapportage-{report.year}-q{report.quarter}.pdf"
    return pdf_response("transition/pdf/report.html", context, name)
