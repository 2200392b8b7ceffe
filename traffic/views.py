from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from access.policy import Capability, requires
from portal.uploads import InMemoryUploadHandler
from traffic.forms import MessageImportForm
from traffic.imports import MAX_BYTES, import_upload


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
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + 64 * 1024:
        form = MessageImportForm({}, {})  # refused before it is read: the limit, not "required"
        form.full_clean()
        form.errors["file"] = form.error_class([_("The file is larger than 100 MB.")])
    else:
        form = MessageImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = import_upload(upload.name, upload.read(), by=request.user)
    return render(request, "traffic/message_import.html", {"form": form, "result": result})
