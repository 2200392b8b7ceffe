from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from access.policy import Capability, any_role_required, can, can_change_log_entry, is_internal, requires
from contracts.filters import ContractFilter, InvoiceFilter
from contracts.forms import (
    BulkStepForm,
    ContractForm,
    InvoiceForm,
    InvoiceImportForm,
    LogEntryForm,
    StepForm,
    TariffLineFormSet,
)
from contracts.imports import FORMATS, import_upload
from contracts.models import ContractLogEntry, InvoiceStatus, InvoiceTransitionError
from contracts.services import bulk_move, contract_spending
from contracts.tables import ContractTable, InvoiceTable, TotalsPaginator, invoice_rows
from contracts.visibility import get_contract_for_user, get_invoice_for_user, visible_contracts, visible_invoices
from municipalities.visibility import visible_municipalities
from portal import spreadsheets
from portal.templatetags.portal import money
from portal.uploads import InMemoryUploadHandler, upload_too_large

LINES_SHOWN = 500  # a declaration can hold 100,000 performances
CONTRACT_COLUMNS = [
    ("kenmerk", lambda c: c.reference),
    ("titel", lambda c: c.title),
    ("aanbieder", lambda c: c.provider.name),
    ("segment", lambda c: c.segment.code),
    ("bekostiging", lambda c: c.get_funding_variant_display()),
    ("procedure", lambda c: c.get_procedure_display()),
    ("start", lambda c: c.start_date),
    ("einde", lambda c: c.end_date),
    ("uiterste einde", lambda c: c.latest_end_date),
    ("opzegdatum", lambda c: c.notice_date),
    ("plafond", lambda c: c.ceiling),
    ("status", lambda c: c.status.label),
]
INVOICE_COLUMNS = [
    ("factuurnummer", lambda i: i.invoice_number),
    ("factuurdatum", lambda i: i.invoice_date),
    ("aanbieder", lambda i: i.provider.name),
    ("aanbieder_agb", lambda i: i.provider.agb_code),
    ("gemeente", lambda i: i.municipality.name),
    ("contract", lambda i: i.contract.reference),
    ("periode_van", lambda i: i.period_start),
    ("periode_tot", lambda i: i.period_end),
    ("bedrag", lambda i: i.amount),
    ("vervaldatum", lambda i: i.due_date),
    ("status", lambda i: i.get_status_display()),
    ("declaratiereferentie", lambda i: i.declaration_reference),
]


FILTER_PANEL_SECONDS = 60


def filter_panel(request: HttpRequest, filters) -> str:
    """The rendered filter form, cached for a minute per page, role scope and query string.

    Its dropdowns (120 contracts, 40 providers, the municipalities) cost more than the rest of a
    list page. At worst a contract added in the last minute is missing from the dropdown for
    a moment; what a user submits is still checked against the live data."""
    user = request.user
    if is_internal(user):
        scope = "region"
    else:
        scope = ",".join(str(pk) for pk in visible_municipalities(user).values_list("pk", flat=True))
    query = request.GET.copy()
    for name in ("page", "sort", "export"):
        query.pop(name, None)
    raw = f"{request.path}|{scope}|{get_language()}|{query.urlencode()}"
    key = "filter-panel:" + hashlib.sha256(raw.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string("contracts/_filters.html", {"filter": filters, "request": request})
        cache.set(key, html, FILTER_PANEL_SECONDS)
    return mark_safe(html)  # rendered by our own template, with autoescaping


def _export(request: HttpRequest, queryset, columns, name: str) -> HttpResponse | None:
    kind = request.GET.get("export")
    if kind == "csv":
        return spreadsheets.csv_response(queryset.iterator(chunk_size=2000), columns, name)
    if kind == "xlsx":
        return spreadsheets.xlsx_response(queryset.iterator(chunk_size=2000), columns, name, name)
    return None


@require_GET
@any_role_required
def contract_list(request: HttpRequest) -> HttpResponse:
    contracts = visible_contracts(request.user).select_related("provider", "segment")
    filters = ContractFilter(request.GET or None, queryset=contracts, user=request.user)
    table = ContractTable(filters.qs, order_by=request.GET.get("sort", "reference"))
    download = _export(request, table.data.data, CONTRACT_COLUMNS, "contracten")
    if download:
        return download
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "filter": filters,
            "filter_panel": filter_panel(request, filters),
            "table": table,
            "can_edit": can(request.user, Capability.EDIT_CONTRACTS),
        },
    )


@require_GET
@any_role_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract, can_edit = get_contract_for_user(request.user, pk)
    own = visible_municipalities(request.user)
    spending = contract_spending(contract)
    if not is_internal(request.user):
        spending.rows = [r for r in spending.rows if r.municipality in own]
    log = None
    if can(request.user, Capability.SEE_CONTRACT_LOG):
        # Each entry with whether this user may remove it (a manager any, staff their own).
        entries = contract.log_entries.select_related("author")
        log = [(entry, can_change_log_entry(request.user, entry)) for entry in entries]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "can_edit": can_edit,
            "spending": spending,
            "log": log,
            "log_form": LogEntryForm() if can_edit else None,
            "tariff_lines": contract.tariff_lines.all(),
            "recent_invoices": visible_invoices(request.user)
            .filter(contract=contract)
            .select_related("municipality")
            .order_by("-invoice_date", "-id")[:10],
            "is_internal": is_internal(request.user),
        },
    )


def _contract_form(request: HttpRequest, contract=None) -> HttpResponse:
    form = ContractForm(request.POST or None, instance=contract)
    tariffs = TariffLineFormSet(request.POST or None, instance=form.instance, prefix="tarief")
    if request.method == "POST" and form.is_valid() and tariffs.is_valid():
        with transaction.atomic():
            contract = form.save()
            tariffs.instance = contract
            tariffs.save()
        messages.success(request, _("Contract %(reference)s saved.") % {"reference": contract.reference})
        return redirect(contract)
    return render(request, "contracts/contract_form.html", {"form": form, "tariffs": tariffs, "contract": contract})


@require_http_methods(["GET", "POST"])
@requires(Capability.EDIT_CONTRACTS)
def contract_create(request: HttpRequest) -> HttpResponse:
    return _contract_form(request)


@require_http_methods(["GET", "POST"])
@requires(Capability.EDIT_CONTRACTS)
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract, _can_edit = get_contract_for_user(request.user, pk)
    return _contract_form(request, contract)


@require_POST
@requires(Capability.EDIT_CONTRACTS)
def log_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract, _can_edit = get_contract_for_user(request.user, pk)
    form = LogEntryForm(request.POST)
    if form.is_valid():
        form.instance.contract, form.instance.author = contract, request.user
        form.save()
        messages.success(request, _("Entry added to the contract-management log."))
        return redirect(contract.get_absolute_url() + "#logboek")
    messages.error(
        request,
        _("The entry was not saved: %(errors)s")
        % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
    )
    return redirect(contract.get_absolute_url() + "#logboek")


@require_POST
@requires(Capability.EDIT_CONTRACTS)
def log_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    contract, _can_edit = get_contract_for_user(request.user, pk)
    entry = get_object_or_404(ContractLogEntry, pk=entry_pk, contract=contract)
    if not can_change_log_entry(request.user, entry):
        raise PermissionDenied
    entry.delete()
    messages.success(request, _("Entry removed from the log."))
    return redirect(contract.get_absolute_url() + "#logboek")


@require_GET
@any_role_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = visible_invoices(request.user)
    filters = InvoiceFilter(request.GET or None, queryset=invoices, user=request.user)
    table = InvoiceTable([], order_by=request.GET.get("sort", "-invoice_date"))
    ordered = filters.qs.order_by(*_ordering(table))
    download = _export(
        request, ordered.select_related("provider", "municipality", "contract"), INVOICE_COLUMNS, "facturen"
    )
    if download:
        return download
    paginator = TotalsPaginator(ordered, 25, related=("provider", "municipality", "contract"))
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/invoice_list.html",
        {
            "filter": filters,
            "filter_panel": filter_panel(request, filters),
            "table": table,
            "page": page,
            "paginator": paginator,
            "rows": invoice_rows(page.object_list, selectable=can(request.user, Capability.PROCESS_INVOICES)),
            "can_edit": can(request.user, Capability.REGISTER_INVOICES),
            "bulk_form": BulkStepForm(),
        },
    )


def _ordering(table: InvoiceTable) -> list[str]:
    """The index-backed ORDER BY of the column the user sorts on (default: newest first)."""
    for alias in table.order_by or ("-invoice_date",):
        name = alias.lstrip("-")
        if name in table.columns and table.columns[name].orderable:
            fields = table.columns[name].order_by
            return [f"-{f.lstrip('-')}" if alias.startswith("-") else f for f in fields]
    return ["-invoice_date", "-id"]


@require_GET
@any_role_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice, can_edit = get_invoice_for_user(request.user, pk)
    return render(
        request,
        "contracts/invoice_detail.html",
        {
            "invoice": invoice,
            "can_edit": can_edit,
            "may_register": can(request.user, Capability.REGISTER_INVOICES),
            "steps": invoice.allowed_steps(request.user) if can_edit else [],
            "four_eyes": can_edit
            and invoice.status == InvoiceStatus.CHECKED
            and invoice.registered_by_id == request.user.pk,
            "transitions": invoice.transitions.select_related("by"),
            "lines": invoice.lines.all()[:LINES_SHOWN],
            "line_count": invoice.lines.count(),
            "step_form": StepForm(),
        },
    )


def _invoice_form(request: HttpRequest, invoice=None) -> HttpResponse:
    form = InvoiceForm(request.POST or None, instance=invoice, contracts=visible_contracts(request.user))
    if request.method == "POST" and form.is_valid():
        if invoice is None:
            form.instance.registered_by = request.user
        try:
            with transaction.atomic():
                invoice = form.save()
        except IntegrityError:  # a colleague registered the same number a moment earlier
            form.add_error("invoice_number", _("This provider already has an invoice with this number."))
        else:
            messages.success(request, _("Invoice %(number)s saved.") % {"number": invoice.invoice_number})
            return redirect(invoice)
    return render(request, "contracts/invoice_form.html", {"form": form, "invoice": invoice})


@require_http_methods(["GET", "POST"])
@requires(Capability.REGISTER_INVOICES)
def invoice_create(request: HttpRequest) -> HttpResponse:
    return _invoice_form(request)


@require_http_methods(["GET", "POST"])
@requires(Capability.REGISTER_INVOICES)
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice, _can_edit = get_invoice_for_user(request.user, pk)
    if invoice.status != InvoiceStatus.RECEIVED:
        messages.error(request, _("Only an invoice that has not been checked yet can be changed."))
        return redirect(invoice)
    return _invoice_form(request, invoice)


@require_POST
@requires(Capability.PROCESS_INVOICES)
def invoice_step(request: HttpRequest, pk: int) -> HttpResponse:
    invoice, _can_edit = get_invoice_for_user(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown step."))
        return redirect(invoice)
    try:
        invoice.move_to(form.cleaned_data["status"], by=request.user, reason=form.cleaned_data["reason"])
    except InvoiceTransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Invoice %(number)s is now %(status)s.")
            % {"number": invoice.invoice_number, "status": invoice.get_status_display()},
        )
    return redirect(invoice)


@require_POST
@requires(Capability.PROCESS_INVOICES)
def invoice_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkStepForm(request.POST, invoices=visible_invoices(request.user))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "contracts:invoices"
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    result = bulk_move(
        list(form.cleaned_data["invoice"]),
        form.cleaned_data["action"],
        by=request.user,
        reason=form.cleaned_data["reason"],
    )
    if result.done:
        status = InvoiceStatus(form.cleaned_data["action"]).label
        count = len(result.done)
        messages.success(
            request,
            ngettext(
                "%(count)d invoice is now %(status)s: %(numbers)s.",
                "%(count)d invoices are now %(status)s: %(numbers)s.",
                count,
            )
            % {"count": count, "status": status, "numbers": ", ".join(i.invoice_number for i in result.done)},
        )
    for invoice, reason in result.refused:
        messages.error(request, f"{invoice.invoice_number}: {reason}")
    return redirect(back)


@csrf_exempt  # the upload handlers are set before the CSRF check reads the body; csrf_protect checks it
@require_http_methods(["GET", "POST"])
@requires(Capability.REGISTER_INVOICES)
def invoice_import(request: HttpRequest) -> HttpResponse:
    # A 323 names clients: it is read in memory only, never written to a temporary file.
    request.upload_handlers = [InMemoryUploadHandler(request)]
    return _invoice_import(request)


@csrf_protect
def _invoice_import(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST" and upload_too_large(request, FORMATS.max_bytes):
        form = InvoiceImportForm({}, {})  # refused before it is read: the limit, not "required"
        form.full_clean()
        form.errors["file"] = form.error_class([_("The file is larger than 20 MB.")])
    else:
        form = InvoiceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = import_upload(form.cleaned_data["file"], by=request.user)
        if result.ok:
            messages.success(
                request,
                ngettext(
                    "%(count)d invoice imported, together %(total)s.",
                    "%(count)d invoices imported, together %(total)s.",
                    len(result.created),
                )
                % {"count": len(result.created), "total": money(result.total)},
            )
    return render(request, "contracts/invoice_import.html", {"form": form, "result": result, "formats": FORMATS})
