"""PDF documents from Django templates with WeasyPrint.

Documents are self-contained: their stylesheet is inline in the template and they use the
DejaVu fonts installed with the system packages, so rendering never fetches anything over the
network and never reads a file a URL points at: ``RefusingURLFetcher`` refuses every URL.
"""

from __future__ import annotations

import logging
from functools import cache

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


@cache
def _url_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class RefusingURLFetcher(URLFetcher):
        """WeasyPrint's fetcher (version 70 needs one, a plain function crashes the rendering)
        that refuses every URL: http(s), file, data, anything. WeasyPrint catches the refusal,
        leaves the image or stylesheet out and goes on; the PDF is made all the same."""

        def __init__(self, **kwargs) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False, **kwargs)

        def fetch(self, url: str, headers=None):
            logger.info("PDF rendering refused to fetch %s", url)
            raise ValueError(f"PDF documents fetch nothing: {url}")

    return RefusingURLFetcher


def __getattr__(name: str):
    # The class is made on first use: importing WeasyPrint loads Pango (~0.3 s).
    if name == "RefusingURLFetcher":
        return _url_fetcher_class()
    raise AttributeError(name)


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s, only PDF views pay it

    with translation.override("nl"):
        html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_url_fetcher_class()()).write_pdf()


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
