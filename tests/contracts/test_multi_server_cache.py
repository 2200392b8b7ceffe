"""Several application servers each keep their own local-memory cache (README, "More than one
application server"). The cached invoice totals are keyed by the ledger version in the database,
so a server never shows a total older than a write made through another server."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from contracts.models import Invoice
from tests.contracts.test_views import invoice_post, text


def server(name: str) -> override_settings:
    """The cache of one application server: a local-memory store of its own."""
    return override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}}
    )


def summary(client, **params) -> str:
    html = text(client.get(reverse("contracts:invoices"), params))
    start = html.index('<p class="result-bar">')
    return html[start : html.index("<span", start)]


@pytest.fixture
def two_servers():
    yield
    for name in ("server-a", "server-b"):
        with server(name):
            cache.clear()


def test_a_write_through_one_server_shows_at_once_on_another(login, users, youth, region, colleague, two_servers):
    client = login(users["staff"])
    with server("server-a"):
        assert "0 facturen" in summary(client)  # server A caches the empty totals
    with server("server-b"):
        client.post(reverse("contracts:invoice_create"), invoice_post(youth, region, amount="100,00"))
        assert "1 factuur, samen €\u00a0100,00" in summary(client)
    with server("server-a"):
        assert "1 factuur, samen €\u00a0100,00" in summary(client)
        assert "1 factuur" in summary(client, status="received")
    invoice = Invoice.objects.get()
    with server("server-b"):
        login(colleague).post(reverse("contracts:invoice_step", args=[invoice.pk]), {"status": "checked"})
    with server("server-a"):
        assert "0 facturen" in summary(client, status="received")
