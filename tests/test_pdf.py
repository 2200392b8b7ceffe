"""PDF documents fetch nothing (issue 13, finding 7b).

WeasyPrint 70 expects a ``URLFetcher``: given a plain function, its first fetch crashed the
rendering (a 500) instead of refusing. The portal's fetcher refuses every URL: no network, no
file read, a PDF all the same."""

from __future__ import annotations

import io
import logging
import socket
import urllib.request

import pytest
from pypdf import PdfReader

from portal.pdf import RefusingURLFetcher, render_pdf

TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Proef</title>
<link rel="stylesheet" href="https://example.invalid/style.css">
<style>@font-face { font-family: Ver; src: url(http://example.invalid/font.woff); }</style>
</head><body>
<h1>Document zonder plaatjes</h1>
<img src="http://example.invalid/x.png" alt="extern">
<img src="file:///etc/passwd" alt="lokaal bestand">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="data">
</body></html>
"""


@pytest.fixture
def template_dir(settings, tmp_path):
    (tmp_path / "proef").mkdir()
    (tmp_path / "proef" / "urls.html").write_text(TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return tmp_path


@pytest.fixture
def no_fetch(monkeypatch):
    """Any attempt to open a connection or a file:// URL fails the test."""
    attempts: list[str] = []

    def connect(*args, **kwargs):
        attempts.append(f"connection {args}")
        raise AssertionError("a PDF opened a network connection")

    def file_open(self, request):
        attempts.append(f"file {request.full_url}")
        raise AssertionError("a PDF read a local file")

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", file_open)
    return attempts


def test_a_template_with_urls_gives_a_pdf_without_fetching(template_dir, no_fetch, caplog):
    caplog.set_level(logging.DEBUG, logger="portal.pdf")
    pdf = render_pdf("proef/urls.html", {})
    assert pdf.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Document zonder plaatjes" in text
    assert no_fetch == []
    refused = [r.getMessage() for r in caplog.records if r.name == "portal.pdf"]
    assert any("http://example.invalid/x.png" in m for m in refused)
    assert any("file:///etc/passwd" in m for m in refused)
    assert all(r.levelno <= logging.INFO for r in caplog.records if r.name == "portal.pdf")


def test_the_fetcher_is_a_weasyprint_fetcher_that_refuses_everything(no_fetch):
    from weasyprint.urls import URLFetcher

    fetcher = RefusingURLFetcher()
    assert isinstance(fetcher, URLFetcher)
    for url in ("http://example.invalid/x.png", "file:///etc/passwd", "data:text/plain,hallo", "ftp://x/y"):
        with pytest.raises(ValueError, match="fetch nothing"):
            fetcher.fetch(url)
        with pytest.raises(ValueError, match="fetch nothing"):
            fetcher.open(url)
    assert no_fetch == []
