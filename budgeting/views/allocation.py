"""The cost allocation: the table for the office and the boards, a statement per municipality
(page and PDF), CSV/XLSX/ZIP downloads, the basis of a draft, and the joining scenario.

Every URL exists for a budget (``kind="budget"``) and for annual accounts (``kind="accounts"``);
`budgeting.visibility.get_allocation_document_for_user` decides who may see which."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from access.policy import Capability, any_role_required, can, requires
from budgeting import services
from budgeting.forms import AllocationBasisForm, FinancialFrameForm, ScenarioForm
from budgeting.models import DownloadKind, FinancialFrame, StatementDownload
from budgeting.statements import (
    allocation_table,
    document_slug,
    log_download,
    render_statement,
    scenario_context,
    statement_context,
    statement_filename,
    statements_zip,
)
from budgeting.visibility import can_set_allocation_basis, get_allocation_document_for_user, get_budget_for_user
from municipalities.models import Municipality
from municipalities.visibility import get_statement_municipality_for_user, own_municipality
from portal.pdf import pdf_response
from portal.spreadsheets import csv_response, xlsx_response


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _allocation_or_none(document) -> tuple[services.Allocation | None, str | None]:
    try:
        return services.allocation_for(document), None
    except ValidationError as error:
        return None, _error_text(error)


def _statement_row(request: HttpRequest, kind: str, pk: int, slug: str):
    """The document, its allocation (or why it cannot be made) and the row of the municipality;
    404 for a municipality the user may not see or one that pays nothing in this allocation."""
    document = get_allocation_document_for_user(request.user, kind, pk)
    municipality = get_statement_municipality_for_user(request.user, slug)
    allocation, error = _allocation_or_none(document)
    row = allocation.row_for(municipality) if allocation else None
    if row is None and error is None:
        raise Http404(_("This municipality has no statement for this document."))
    return document, allocation, row, error


def _whole_table(request: HttpRequest, kind: str, pk: int):
    if not can(request.user, Capability.SEE_ALLOCATION_TABLE):
        raise PermissionDenied
    document = get_allocation_document_for_user(request.user, kind, pk)
    allocation, error = _allocation_or_none(document)
    if allocation is None:
        messages.error(request, error)
    return document, allocation


def _lines(allocation: services.Allocation | None) -> list:
    if allocation is None:
        return []
    changes = services.changes(allocation)
    pks = [r.municipality.pk for r in allocation.rows]
    return [(r, changes.get(pk), allocation.settlement.get(pk)) for r, pk in zip(allocation.rows, pks, strict=True)]


@require_GET
@any_role_required
def allocation_table_page(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if not can(request.user, Capability.SEE_ALLOCATION_TABLE):
        # A contact goes straight to its own statement; the table shows every participant.
        own = own_municipality(request.user)
        document = get_allocation_document_for_user(request.user, kind, pk)
        if own is None:
            raise PermissionDenied
        return redirect(f"budgeting:{kind}_statement", pk=document.pk, slug=own.slug)
    document, allocation = _whole_table(request, kind, pk)
    budget = document.cycle_budget
    context = {
        "document": document,
        "budget": budget,
        "kind": kind,
        "allocation": allocation,
        "lines": _lines(allocation),
        "may_set_basis": kind == "budget" and can_set_allocation_basis(request.user, budget),
        "downloads": StatementDownload.objects.filter(**{kind: document}).select_related("user", "municipality")[:20]
        if can(request.user, Capability.SEE_STATEMENT_DOWNLOADS)
        else None,
    }
    return render(request, "budgeting/allocation.html", context)


@require_GET
@any_role_required
def statement(request: HttpRequest, pk: int, slug: str, kind: str) -> HttpResponse:
    document, allocation, row, error = _statement_row(request, kind, pk, slug)
    if error:  # e.g. a count is missing: say so, with the way back
        context = {"document": document, "error": error, "kind": kind}
        return render(request, "budgeting/statement_error.html", context)
    context = statement_context(allocation, row)
    context.update(kind=kind, may_see_table=can(request.user, Capability.SEE_ALLOCATION_TABLE))
    context["pdf_name"] = statement_filename(document, row.municipality)
    return render(request, "budgeting/statement.html", context)


@require_GET
@any_role_required
def statement_pdf(request: HttpRequest, pk: int, slug: str, kind: str) -> HttpResponse:
    document, allocation, row, error = _statement_row(request, kind, pk, slug)
    if error:
        return redirect(f"budgeting:{kind}_statement", pk=document.pk, slug=slug)
    pdf = render_statement(allocation, row)
    log_download(request.user, document, DownloadKind.PDF, row.municipality)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(document, row.municipality)}"'
    return response


@require_GET
@any_role_required
def allocation_export(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    document, allocation = _whole_table(request, kind, pk)
    if allocation is None:
        return redirect(f"budgeting:{kind}_allocation", pk=document.pk)
    name = document_slug(document)
    if fmt == "zip":
        response = HttpResponse(statements_zip(allocation), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    else:
        headers, rows = allocation_table(allocation)
        columns = [(title, lambda row, i=i: row[i]) for i, title in enumerate(headers)]
        if fmt == "csv":
            response = csv_response(rows, columns, name)
        else:
            response = xlsx_response(rows, columns, name, _("Cost allocation"))
    log_download(request.user, document, DownloadKind(fmt))
    return response


@require_http_methods(["GET", "POST"])
@requires(Capability.PREPARE_DOCUMENTS)
def allocation_basis(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    if not can_set_allocation_basis(request.user, budget):
        messages.error(request, _("The draft has gone to the councils; its basis no longer changes."))
        return redirect("budgeting:budget_allocation", pk=budget.pk)
    participants = budget.module.participants_during(budget.year).order_by("name")
    form = AllocationBasisForm(request.POST or None, budget=budget, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_allocation_basis(
                budget,
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference_date"],
                key=form.key if form.cleaned_data["method"] == "key" else {},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The basis of the contributions has been saved."))
            return redirect("budgeting:budget_allocation", pk=budget.pk)
    return render(request, "budgeting/allocation_basis.html", {"budget": budget, "form": form})


def _scenario(request: HttpRequest, pk: int):
    if not can(request.user, Capability.SEE_ALLOCATION_TABLE):
        raise PermissionDenied
    budget, _can_edit = get_budget_for_user(request.user, pk)
    before, after = services.default_scenario_dates(budget)
    form = ScenarioForm(request.GET if "voor" in request.GET else None, initial={"voor": before, "na": after})
    if form.is_bound and form.is_valid():
        before, after = form.cleaned_data["voor"], form.cleaned_data["na"]
    scenario, error = None, None
    if not form.is_bound or form.is_valid():
        try:
            scenario = services.joining_scenario(budget, before, after)
        except ValidationError as exc:
            error = _error_text(exc)
    return budget, form, scenario, error


@require_GET
@any_role_required
def scenario(request: HttpRequest, pk: int) -> HttpResponse:
    budget, form, result, error = _scenario(request, pk)
    context = {"budget": budget, "form": form, "scenario": result, "error": error}
    context["may_record_frames"] = can(request.user, Capability.RECORD_FINANCIAL_FRAMES)
    return render(request, "budgeting/scenario.html", context)


@require_GET
@any_role_required
def scenario_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _form, result, error = _scenario(request, pk)
    if result is None:
        messages.error(request, error or _("Enter two valid dates."))
        return redirect("budgeting:scenario", pk=budget.pk)
    log_download(request.user, budget, DownloadKind.SCENARIO)
    name = f"toetredingsscenario-{budget.year}-module-{budget.module.number}-{result.after_date:%Y%m%d}.pdf"
    response = pdf_response("budgeting/pdf/scenario.html", scenario_context(result), name)
    response["Content-Disposition"] = f'attachment; filename="{name}"'  # a download, like the statements
    return response


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_FINANCIAL_FRAMES)
def financial_frames(request: HttpRequest, pk: int) -> HttpResponse:
    budget, _can_edit = get_budget_for_user(request.user, pk)
    municipalities = Municipality.objects.filter(memberships__module=budget.module).distinct().order_by("name")
    frames = services.financial_frames(budget.module, budget.year)
    form = FinancialFrameForm(request.POST or None, municipalities=municipalities, frames=frames)
    if request.method == "POST" and form.is_valid():
        services.save_financial_frames(budget.module, budget.year, form.frames, by=request.user)
        messages.success(request, _("The financial frames have been saved."))
        return redirect("budgeting:scenario", pk=budget.pk)
    recorded = FinancialFrame.objects.filter(module=budget.module, year=budget.year).select_related("recorded_by")
    return render(request, "budgeting/frames.html", {"budget": budget, "form": form, "recorded": recorded})
