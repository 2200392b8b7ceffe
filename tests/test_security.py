"""Production settings pass Django's deploy check, and every response carries the security headers."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "portaal.example.org"}

# Fetches a page with the production settings module as it is loaded from the environment, so the
# test sees what a deployed portal sends (the test process itself runs with DEBUG on).
FETCH = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portaal.example.org")
plain = client.get("/account/inloggen/")
secure = client.get("/account/inloggen/", secure=True)
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "status": secure.status_code, "headers": dict(secure.headers),
    "cookies": {n: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])} for n, c in secure.cookies.items()},
}))
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    # Not the test process's own switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    own = {"DEBUG", "HTTPS", "SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in own}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**environment, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_plain_http_settings_are_refused_by_the_deploy_check():
    """The check must be able to fail: HTTPS=0 (for make run on 127.0.0.1) is not production."""
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION, HTTPS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


@pytest.fixture(scope="module")
def production_response(tmp_path_factory) -> dict:
    # Production serves collected, hashed static files (WhiteNoise's manifest): collect them first.
    static = {"STATIC_ROOT": str(tmp_path_factory.mktemp("static"))}
    collected = _run(["manage.py", "collectstatic", "--noinput", "-v0"], **PRODUCTION, **static)
    assert collected.returncode == 0, collected.stderr
    result = _run(["-c", FETCH], DJANGO_SETTINGS_MODULE="portal.settings", **PRODUCTION, **static)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_http_is_redirected_to_https(production_response):
    assert production_response["plain_status"] == 301
    assert production_response["plain_location"] == "https://portaal.example.org/account/inloggen/"


def test_production_headers(production_response):
    headers = {k.lower(): v for k, v in production_response["headers"].items()}
    assert production_response["status"] == 200
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    csp = _directives(headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'none'"]
    assert "upgrade-insecure-requests" in csp
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]


def test_production_cookies_are_https_only(production_response):
    csrf = production_response["cookies"]["csrftoken"]
    assert csrf["secure"] is True


def test_session_cookie_is_https_only_and_hidden_from_scripts(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    result = _run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)",
        ],
        DJANGO_SETTINGS_MODULE="portal.settings",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["True", "True", "True"]


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("name", ["home", "contracts:invoices", "budgeting:list"])
def test_every_page_has_the_policy_and_no_inline_code(login, users, name):
    """The strict policy holds only if the pages themselves use no inline script or style."""
    response = login(users["staff"]).get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    assert " onclick=" not in html and " onload=" not in html


def test_the_admin_carries_the_policy_too(login, users):
    response = login(users["manager"]).get(reverse("admin:index"))
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_templates_have_no_inline_script_or_style():
    """Every page template, not only those fetched above; PDFs (rendered server-side) may style inline."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "/pdf/" in str(path) or path.name.startswith("pdf_"):
            continue
        text = path.read_text()
        if "<script>" in text or " style=" in text or "<style" in text or " onclick=" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_an_oversized_request_is_refused_before_it_is_read(login, users, settings, region):
    from contracts.models import Invoice

    settings.MAX_REQUEST_BYTES = 1024
    before = Invoice.objects.count()
    upload = SimpleUploadedFile("facturen.csv", b"x" * 4096, content_type="text/csv")
    response = login(users["staff"]).post(reverse("contracts:invoice_import"), {"file": upload})
    assert response.status_code == 413
    assert "Het bestand is te groot" in response.content.decode()
    assert Invoice.objects.count() == before


def test_a_request_within_the_limit_reaches_the_view(login, users, settings, region):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("facturen.csv", b"x" * 4096, content_type="text/csv")
    response = login(users["staff"]).post(reverse("contracts:invoice_import"), {"file": upload})
    assert response.status_code == 200  # the form answers with its own message about the content
