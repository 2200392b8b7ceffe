"""In-process measurements on an already filled database (run by bench/run.py with DATABASE_URL set):
SQL queries per page, totals per municipality per year, and the two imports. Prints one JSON object.

Nothing is left behind: the imports run inside a transaction that is rolled back.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from contracts.imports import import_declaration_message, import_invoices_csv  # noqa: E402
from contracts.models import Contract, Invoice, Provider  # noqa: E402
from contracts.services import compute_totals_per_municipality_year, totals_per_municipality_year  # noqa: E402
from portal.money import MoneySum  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "JW323-example.xml"


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time in ms of ``repeat`` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def query_counts(urls: dict[str, tuple[str, str]]) -> dict[str, int]:
    counts = {}
    for name, (username, url) in urls.items():
        cache.clear()  # every page measured cold: cached totals and filter panels save queries
        client = Client()
        client.force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(queries)
    return counts


class Rollback(Exception):
    pass


def _one_fitting_youth_contract():
    """A segment-1 contract that is the only fit for its provider and one municipality in April 2026."""
    from contracts.imports import contract_for

    april = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
    for contract in Contract.objects.filter(segment__code="JGD-S1", start_date__lte=april[0], end_date__gte=april[1]):
        for participation in contract.participations.select_related("municipality"):
            found, _problem = contract_for(contract.provider, participation.municipality, "jeugdwet", *april, {"45A03"})
            if found == contract:
                return contract, participation.municipality
    raise RuntimeError("no single fitting youth contract in the demo data")


def import_timings() -> dict[str, float]:
    user = User.objects.get(username="medewerker")
    contract = Contract.objects.filter(
        participations__isnull=False, end_date__gte="2026-06-30", start_date__lte="2026-01-01"
    ).first()
    municipality = contract.participations.first().municipality
    header = "aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag\n"
    rows = [
        f"{contract.provider.agb_code};BENCH-{i:06d};06-05-2026;{contract.reference};{municipality.cbs_code};"
        f"01-04-2026;30-04-2026;{i % 5000},{i % 100:02d}"
        for i in range(10_000)
    ]
    csv_data = (header + "\n".join(rows) + "\n").encode()

    # A 323 message with 1,000 performances, for a municipality and provider in the database.
    xml = EXAMPLE.read_text()
    head, rest = xml.split("<jw323:Clienten>", 1)
    client_block = rest.split("</jw323:Clienten>", 1)[0]
    first_client = client_block.split("</jw323:Client>", 1)[0] + "</jw323:Client>"
    perf = first_client.split("<jw323:Prestatie>", 1)[1].split("</jw323:Prestatie>", 1)[0]
    performances = "".join(
        f"<jw323:Prestatie>{perf.replace('RN001', f'RN{i:05d}')}</jw323:Prestatie>" for i in range(1000)
    )
    clients = (
        f"<jw323:Clienten><jw323:Client><jw323:Bsn>999900006</jw323:Bsn><jw323:Prestaties>{performances}"
        f"</jw323:Prestaties></jw323:Client></jw323:Clienten>"
    )
    tail = rest.split("</jw323:Clienten>", 1)[1]
    youth, target = _one_fitting_youth_contract()
    message = head + clients + tail
    message = message.replace("<jw323:Afzender>65656055", f"<jw323:Afzender>{youth.provider.agb_code}")
    message = message.replace("<ijw:TotaalBedrag>79000", f"<ijw:TotaalBedrag>{5000 * 1000}")
    message = message.replace("<jw323:Ontvanger>0384", f"<jw323:Ontvanger>{target.cbs_number}")
    message = message.replace("<jw323:DeclaratieNummer>DN001", "<jw323:DeclaratieNummer>BENCHDN1")
    out = {}
    for name, run in (
        ("csv_10000_lines_s", lambda: import_invoices_csv(csv_data, by=user)),
        ("msg323_1000_lines_s", lambda: import_declaration_message(message.encode(), by=user)),
    ):
        start = time.perf_counter()
        try:
            with transaction.atomic():
                result = run()
                assert result.ok, [str(p) for p in result.problems[:3]]
                raise Rollback
        except Rollback:
            pass
        out[name] = round(time.perf_counter() - start, 3)
    return out


def main() -> None:
    weert = Invoice.objects.values_list("municipality_id", flat=True).first()
    contract = Contract.objects.order_by("-pk").first()
    report = {
        "vendor": connection.vendor,
        "invoices": Invoice.objects.count(),
        "providers": Provider.objects.count(),
    }
    ms, totals = timed(lambda: totals_per_municipality_year())
    report["totals_per_municipality_year_ms"] = round(ms, 1)
    report["totals_rows"] = len(totals)
    ms, computed = timed(lambda: compute_totals_per_municipality_year())
    report["totals_recomputed_ms"] = round(ms, 1)
    assert computed == totals, "kept totals differ from the invoices"
    report["totals_sum"] = str(sum(totals.values(), Decimal(0)))
    year = datetime.date.today().year
    ms, _ = timed(
        lambda: Invoice.objects.filter(municipality_id=weert).in_year(year).costs().aggregate(t=MoneySum("amount"))
    )
    report["total_one_municipality_one_year_ms"] = round(ms, 1)
    if os.environ.get("BENCH_QUERIES") == "1":
        report["queries"] = query_counts(
            {
                "invoice list, page 1": ("medewerker", "/facturen/"),
                "invoice list, filtered": ("medewerker", f"/facturen/?status=paid&municipality={weert}&sort=-amount"),
                "invoice list, page 4001": ("medewerker", "/facturen/?page=4001"),
                "contract list": ("medewerker", "/contracten/"),
                "contract detail": ("medewerker", f"/contracten/{contract.pk}/"),
                "staff home": ("medewerker", "/"),
                "admin changelist": ("leidinggevende", "/beheer/contracts/invoice/"),
            }
        )
        report.update(import_timings())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
