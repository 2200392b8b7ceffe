from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from access.policy import Capability, any_role_required, requires
from contracts.visibility import get_invoice_for_user
from portal.uploads import InMemoryUploadHandler, upload_too_large
from traffic.forms import MessageImportForm
from traffic.imports import MAX_BYTES, import_upload
from traffic.models import DeclarationReturn

ANSWER_LINES_SHOWN = 1000


@csrf_exempt  # the upload handlers are set before the CSRF check reads the body; csrf_protect checks it
@requires(Capability.IMPORT_MESSAGES)
@require_http_methods(["GET", "POST"])
def message_import(request: HttpRequest) -> HttpResponse:
    # A message names clients: it is read in memory only, never written to a temporary file.
    request.upload_handlers = [InMemoryUploadHandler(request)]
    return _message_import(request)


@csrf_protect
def _message_import(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST" and upload_too_large(request, MAX_BYTES):
        form = MessageImportForm({}, {})  # refused before it is read: the limit, not "required"
        form.full_clean()
        form.errors["file"] = form.error_class([_("The file is larger than 100 MB.")])
    else:
        form = MessageImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = import_upload(upload.name, upload.read(), by=request.user)
    return render(request, "traffic/message_import.html", {"form": form, "result": result})


@require_GET
@any_role_required
def declaration_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipality's answer (325) to a declaration: whoever sees the invoice sees its answer."""
    invoice, _can_edit = get_invoice_for_user(request.user, pk)
    answer = get_object_or_404(DeclarationReturn.objects.select_related("imported_by"), invoice=invoice)
    lines = answer.lines.select_related("invoice_line").order_by("invoice_line_id")
    return render(
        request,
        "traffic/declaration_answer.html",
        {"invoice": invoice, "answer": answer, "lines": lines[:ANSWER_LINES_SHOWN], "count": lines.count()},
    )
