"""A monitor page asks the database the same number of questions whatever the amount of traffic:
it reads the stored figures, never a query per row."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.monitor.conftest import VENLO, bsn
from tests.traffic.builders import Performance, declaration
from tests.traffic.conftest import AGB, WEERT
from traffic.imports import import_message

PAGES = [("overview", ()), ("signals", ()), ("lines", ())]


def count(client, name, *args, query="year=2026") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(f"monitor:{name}", args=args) + f"?{query}").status_code == 200
    return len(queries)


def pages(client, provider, municipality):
    return [
        count(client, "overview"),
        count(client, "provider", provider.pk),
        count(client, "municipality", municipality),
        count(client, "signals"),
        count(client, "lines", query=f"year=2026&provider={provider.pk}&kind=above_tariff"),
    ]


def test_the_number_of_queries_does_not_grow_with_the_traffic(client, staff_user, declared):
    client.force_login(staff_user)
    before = pages(client, declared["provider"], "weert")
    more = [
        Performance(bsn(100 + i), f"X{i:03d}", f"{300 + i}", Decimal("30.00"), code=f"45A0{i % 5}") for i in range(40)
    ]
    for number, municipality in (("DX001", WEERT), ("DX002", VENLO)):
        ids = {"DX001": "323000011", "DX002": "323000012"}
        assert import_message(
            declaration("JW323", AGB, municipality, number, more, message_id=ids[number]), by=staff_user
        ).ok
    after = pages(client, declared["provider"], "weert")
    print("queries per page", before, after)
    assert after == before


def test_clients_per_month_counts_each_client_once(declared, staff_user):
    import datetime

    from monitor.queries import Scope, clients_per_month

    extra = [Performance(bsn(0), "W100", "100", Decimal("10.00"), code="45A04", start="2026-05-01", end="2026-05-31")]
    assert import_message(declaration("JW323", AGB, WEERT, "DW009", extra, message_id="323000019"), by=staff_user).ok
    months = clients_per_month(Scope(year=2026))
    assert months[(datetime.date(2026, 4, 1),)] == 15  # Weert's 3 and Venlo's 12, each once
    assert months[(datetime.date(2026, 5, 1),)] == 1  # one of Weert's clients, another product
    assert months[(datetime.date(2026, 3, 1),)] == 0
