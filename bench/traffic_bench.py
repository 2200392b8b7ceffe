"""`make bench`, message traffic: a region's worth of 301/323/325 traffic in PostgreSQL, and the
import of large messages timed in a fresh process each (run by bench/run.py with DATABASE_URL set on
a database that has the demo reference data, users and providers: `load_demo --invoices 0`).

    python bench/traffic_bench.py fill --lines N --allocations N --clients N --years 5
    python bench/traffic_bench.py files DIR --sizes 10000,100000
    python bench/traffic_bench.py import KIND FILE        (KIND: 323, 301, 325; one import, one process;
                                                           --no-monitor, --rollback: see import_variant)
    python bench/traffic_bench.py rebuild                 (the monitor's figures recounted, timed)

Every sub-command prints one JSON object on its last line.

The fill is deterministic (seeded): Python draws 300,000 test citizen numbers (eleven-proof) and
turns them into keys with portal.pseudonyms.client_key under the bench's CLIENT_PSEUDONYM_KEY, then
draws one "assignment" per client: provider, municipality, law, product, start month and number of
declared lines. These go to PostgreSQL with COPY (psycopg2 copy_expert); the allocations, invoices,
lines, steps and returns are expanded from them on the server (INSERT … SELECT with
generate_series), which is much faster than sending five million rows over the socket.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from contracts.models import (  # noqa: E402
    Contract,
    ContractParticipation,
    FundingVariant,
    InvoiceLedger,
    Law,
    ProcurementProcedure,
    Provider,
    Segment,
    TariffLine,
    add_months,
)
from municipalities.models import Municipality  # noqa: E402
from portal.pseudonyms import client_key, pseudonym_secret  # noqa: E402

SEED = 15
FIRST_MONTH = datetime.date(2021, 1, 1)  # before the demo contracts (2023 on): one contract fits
YOUTH_SHARE = 0.55
UNLINKED_SHARE = 0.02  # lines on an allocation the portal never received (rejected, 9338)
RANDOM_REJECTED = 20  # per mille of the other lines rejected (0611 tariff / 8021 reference repeated)
IMPORT_MONTH = datetime.date(2022, 6, 1)  # the period of the generated import files
# The bench's own contracts: one per provider per law over the whole window, all fourteen take part.
TRAFFIC_SEGMENTS = {Law.YOUTH: "JGD-S1", Law.WMO: "WMO-OND"}
PRODUCTS = {  # law -> [(category, code, unit, tariff, (min volume, max volume))]
    Law.YOUTH: [
        ("45", "45A03", "04", "62.50", (2, 40)),
        ("45", "45A04", "04", "75.00", (2, 30)),
        ("45", "45A10", "14", "1450.00", (1, 1)),
    ],
    Law.WMO: [("02", "02A01", "04", "58.20", (2, 24)), ("02", "02A02", "04", "66.40", (2, 16))],
}


# --- Clients --------------------------------------------------------------------------------------


def test_bsns(count: int, seed: int = SEED) -> list[str]:
    """``count`` distinct nine-digit numbers that pass the eleven-proof, the same for the same seed."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    out, prefix = [], 10_000_000 + seed * 1_000_003 % 50_000_000
    while len(out) < count:
        digits = f"{prefix:08d}"
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check <= 9:
            out.append(digits + str(check))
        prefix += 1
    return out


def client_keys(count: int) -> tuple[list[str], list[str]]:
    secret = pseudonym_secret()
    bsns = test_bsns(count)
    return bsns, [client_key(b, secret) for b in bsns]


# --- The fill ---------------------------------------------------------------------------------------


def traffic_contracts(providers: list[Provider], years: int) -> dict[tuple[int, str], Contract]:
    """One contract per provider per law over the whole window, with all municipalities."""
    end = add_months(FIRST_MONTH, 12 * years) - datetime.timedelta(days=1)
    segments = {law: Segment.objects.get(code=code) for law, code in TRAFFIC_SEGMENTS.items()}
    contracts = {}
    for i, provider in enumerate(providers):
        for law, segment in segments.items():
            contracts[provider.pk, law] = Contract(
                reference=f"TRAF-{segment.code}-{i + 1:02d}",
                provider=provider,
                segment=segment,
                title=f"Berichtenverkeer {segment.name} – {provider.name}",
                procedure=ProcurementProcedure.OPEN_REGISTRATION,
                funding_variant=FundingVariant.EFFORT,
                start_date=FIRST_MONTH,
                end_date=end,
                notice_months=3,
                notice_date=add_months(end, -3),
            )
    Contract.objects.bulk_create(contracts.values())
    municipalities = list(Municipality.objects.all())
    ContractParticipation.objects.bulk_create(
        ContractParticipation(contract=c, municipality=m) for c in contracts.values() for m in municipalities
    )
    TariffLine.objects.bulk_create(
        TariffLine(contract=c, product_category=cat, product_code=code, unit=unit, tariff=tariff)
        for (_p, law), c in contracts.items()
        for cat, code, unit, tariff, _v in PRODUCTS[law]
    )
    return contracts


def _spread(total: int, count: int, rng: random.Random) -> list[int]:
    """``total`` split over ``count`` parts of varying size (0.25–1.75 of the mean), exactly."""
    weights = [rng.uniform(0.25, 1.75) for _ in range(count)]
    scale = total / sum(weights)
    parts = [int(w * scale) for w in weights]
    for i in range(total - sum(parts)):
        parts[i % count] += 1
    return parts


def assignments(args, keys: list[str], contracts: dict, months: int):
    """One row per assignment (an allocated product of one client): the stored allocations first,
    then the ones the portal never received. Tab-separated, for COPY."""
    rng = random.Random(SEED)
    providers = sorted({p for p, _law in contracts})
    provider_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(providers))]
    municipalities = list(Municipality.objects.order_by("pk"))
    inhabitants = [m.inhabitants_on(datetime.date(2025, 1, 1)) or 1 for m in municipalities]
    unlinked_lines = round(args.lines * UNLINKED_SHARE)
    unlinked = max(1, args.clients - args.allocations) if unlinked_lines else 0
    counts = _spread(args.lines - unlinked_lines, args.allocations, rng) + _spread(unlinked_lines, unlinked, rng)
    for idx, lines in enumerate(counts):
        stored = idx < args.allocations
        provider = rng.choices(providers, provider_weights)[0]
        municipality = rng.choices(municipalities, inhabitants)[0]
        law = Law.YOUTH if rng.random() < YOUTH_SHARE else Law.WMO
        category, code, unit, tariff, (low, high) = rng.choice(PRODUCTS[law])
        per_month = max(1, -(-lines // months))
        span = max(1, -(-lines // per_month))
        first = rng.randrange(months - span + 1)
        yield (
            "\t".join(
                map(
                    str,
                    (
                        idx,
                        100_000_000 + idx,
                        keys[idx % len(keys)],
                        "t" if stored else "f",
                        provider,
                        municipality.pk,
                        law,
                        contracts[provider, law].pk,
                        category,
                        code,
                        unit,
                        tariff,
                        rng.randint(low, high),
                        first,
                        span,
                        per_month,
                        lines,
                    ),
                )
            )
            + "\n"
        )


class LineStream(io.TextIOBase):
    """A file-like view of an iterator of lines, for copy_expert without a copy in memory."""

    def __init__(self, lines) -> None:
        self._lines, self._buffer = iter(lines), ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._buffer) < size:
            chunk = "".join(line for _i, line in zip(range(2000), self._lines, strict=False))
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    readline = read


ASSIGNMENT_TABLE = """
CREATE UNLOGGED TABLE bench_assignment (
  idx int PRIMARY KEY, number varchar(9), client_key varchar(32), stored boolean, provider_id bigint,
  municipality_id bigint, law varchar(10), contract_id bigint, category varchar(2), code varchar(5),
  unit varchar(2), tariff numeric(12, 2), volume int, first_month int, months int, per_month int, lines int)
"""

# Month m of the window as a date: (first day).
MONTH = "(date %(first)s + make_interval(months => {m}))::date"

ALLOCATIONS_SQL = (
    """
INSERT INTO traffic_allocation (law, number, client_key, product_category, product_code, allocated_on,
  start_date, end_date, volume, unit, frequency, budget, change_reason, message_identification, message_date,
  imported_at, municipality_id, provider_id)
SELECT law, number, client_key, category, code, start - 7, start,
  (date %(first)s + make_interval(months => first_month + months))::date - 1, volume, unit, '4', NULL, '',
  'A' || idx, start - 7, start - 7, municipality_id, provider_id
FROM (SELECT *, """
    + MONTH.format(m="first_month")
    + """ AS start FROM bench_assignment WHERE stored) a
ORDER BY idx
"""
)

INVOICES_SQL = (
    """
INSERT INTO contracts_invoice (invoice_number, invoice_date, due_date, period_start, period_end, amount,
  declaration_reference, status, rejection_reason, source, registered_at, contract_id, municipality_id,
  registered_by_id, provider_id, law)
SELECT 'D' || substr(m.cbs_code, 3) || to_char(month, 'YYYYMM'), (month + interval '1 month')::date + 5,
  (month + interval '1 month')::date + 35, month, (month + interval '1 month')::date - 1, total,
  'M' || substr(m.cbs_code, 3) || to_char(month, 'YYMM') || (provider_id %% 1000),
  CASE WHEN month >= %(received_from)s THEN 'received' ELSE 'paid' END, '', '323',
  (month + interval '1 month')::date + 5, contract_id, municipality_id, %(registrant)s, provider_id, law
FROM (SELECT provider_id, contract_id, municipality_id, law, month, sum(amount) AS total
      FROM (SELECT provider_id, contract_id, municipality_id, law, greatest(1, volume - k %% 3) * tariff AS amount,
              """
    + MONTH.format(m="first_month + k / per_month")
    + """ AS month
            FROM bench_assignment, generate_series(0, lines - 1) k) l
      GROUP BY provider_id, contract_id, municipality_id, law, month) s
JOIN municipalities_municipality m ON m.id = s.municipality_id
ORDER BY month, provider_id, municipality_id, law
"""
)

LINES_SQL = (
    """
INSERT INTO contracts_invoiceline (reference_number, assignment_number, product_category, product_code,
  period_start, period_end, volume, unit, tariff, amount, invoice_id, client_key)
SELECT 'P' || a.idx || '-' || k, a.number, a.category, a.code, i.period_start, i.period_end,
  greatest(1, a.volume - k %% 3), a.unit, a.tariff, greatest(1, a.volume - k %% 3) * a.tariff, i.id, a.client_key
FROM bench_assignment a
CROSS JOIN generate_series(0, a.lines - 1) k
JOIN contracts_invoice i ON i.provider_id = a.provider_id AND i.law = a.law
  AND i.municipality_id = a.municipality_id AND i.source = '323'
  AND i.period_start = """
    + MONTH.format(m="a.first_month + k / a.per_month")
    + """
ORDER BY i.id, a.idx, k
"""
)

# Checks that the amounts of the invoices (summed from the assignments) are the sums of their lines.
AMOUNTS_CHECK_SQL = """
SELECT count(*) FROM contracts_invoice i
LEFT JOIN (SELECT invoice_id, sum(amount) AS total FROM contracts_invoiceline GROUP BY invoice_id) s
  ON s.invoice_id = i.id
WHERE i.source = '323' AND i.amount IS DISTINCT FROM s.total
"""

STEPS_SQL = """
INSERT INTO contracts_invoicetransition (from_status, to_status, at, reason, by_id, invoice_id)
SELECT f, t, i.registered_at + make_interval(days => n * 5), '', CASE WHEN n = 3 THEN %(registrant)s
  ELSE %(colleague)s END, i.id
FROM contracts_invoice i
CROSS JOIN (VALUES (1, 'received', 'checked'), (2, 'checked', 'approved'), (3, 'approved', 'paid')) s(n, f, t)
WHERE i.status = 'paid' AND i.source = '323'
ORDER BY i.id, n
"""

# Which lines the municipality rejects: those on an allocation it never sent (9338), and about
# RANDOM_REJECTED per mille of the others, chosen by a hash of the line's id.
REJECTED = """
SELECT l.id, l.invoice_id, l.amount,
  CASE WHEN al.id IS NULL THEN '9338' WHEN l.id %% 2 = 0 THEN '0611' ELSE '8021' END AS code
FROM contracts_invoiceline l
JOIN contracts_invoice i ON i.id = l.invoice_id AND i.source = '323'
LEFT JOIN traffic_allocation al ON al.municipality_id = i.municipality_id AND al.law = i.law
  AND al.number = l.assignment_number
WHERE al.id IS NULL OR (l.id * 2654435761) %% 1000 < %(random_rejected)s
"""

RETURNS_SQL = (
    """
CREATE TEMP TABLE bench_rejected AS """
    + REJECTED
    + """;
INSERT INTO traffic_declarationreturn (message_identification, message_date, declared, granted, return_codes,
  REFUSED_COLUMN imported_at, imported_by_id, invoice_id)
SELECT 'R' || i.id, i.invoice_date + 10, i.amount, i.amount - coalesce(r.rejected, 0),
  coalesce(r.codes, '0200'), REFUSED_VALUE i.invoice_date + 10, %(registrant)s, i.id
FROM contracts_invoice i
LEFT JOIN (SELECT invoice_id, sum(amount) AS rejected, string_agg(DISTINCT code, ' ' ORDER BY code) AS codes
           FROM bench_rejected GROUP BY invoice_id) r ON r.invoice_id = i.id
WHERE i.source = '323'
ORDER BY i.id;
INSERT INTO traffic_returnline (accepted, return_codes, declaration_return_id, invoice_line_id)
SELECT false, r.code, d.id, r.id
FROM bench_rejected r JOIN traffic_declarationreturn d ON d.invoice_id = r.invoice_id
ORDER BY r.id;
DROP TABLE bench_rejected;
"""
)


def returns_sql() -> str:
    """RETURNS_SQL for this schema: no answer of the fill refuses a declaration as a whole (the
    `refused` flag, where the schema has it; Django sets no column default)."""
    from traffic.models import DeclarationReturn

    has_flag = any(f.name == "refused" for f in DeclarationReturn._meta.get_fields())
    sql = RETURNS_SQL.replace("REFUSED_COLUMN ", "refused, " if has_flag else "")
    return sql.replace("REFUSED_VALUE ", "false, " if has_flag else "")


TABLES = [
    "traffic_allocation",
    "contracts_invoice",
    "contracts_invoiceline",
    "contracts_invoicetransition",
    "traffic_declarationreturn",
    "traffic_returnline",
]


def fill(args) -> dict:
    timings: dict[str, float] = {}

    def step(name: str, fn, *a):
        start = time.perf_counter()
        result = fn(*a)
        timings[name] = round(time.perf_counter() - start, 1)
        print(f"  {name}: {timings[name]} s", file=sys.stderr, flush=True)
        return result

    months = 12 * args.years
    staff = list(User.objects.filter(username__in=["medewerker", "medewerker2"]).order_by("username"))
    params = {
        "first": FIRST_MONTH,
        "registrant": staff[0].pk,
        "colleague": staff[1].pk,
        "received_from": add_months(FIRST_MONTH, months - 2),
        "random_rejected": RANDOM_REJECTED,
    }
    _bsns, keys = step("client keys (HMAC of test BSNs)", client_keys, args.clients)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The rows are consistent by construction: no per-row foreign-key trigger (Django's are
        # deferred, and five million queued checks at COMMIT take minutes). Bench database only.
        cursor.execute("SET LOCAL session_replication_role = replica")
        providers = list(Provider.objects.order_by("pk"))
        contracts = step("contracts", traffic_contracts, providers, args.years)
        rows = step("draw assignments", list, assignments(args, keys, contracts, months))  # no query during COPY
        cursor.execute(ASSIGNMENT_TABLE)
        step("COPY assignments", cursor.copy_expert, "COPY bench_assignment FROM STDIN", LineStream(rows))
        for name, sql in (
            ("allocations", ALLOCATIONS_SQL),
            ("invoices", INVOICES_SQL),
            ("declaration lines", LINES_SQL),
            ("invoice steps", STEPS_SQL),
            ("returns", returns_sql()),
        ):
            step(name, cursor.execute, sql, params)
        cursor.execute("DROP TABLE bench_assignment")
        cursor.execute(AMOUNTS_CHECK_SQL)
        if cursor.fetchone()[0]:
            raise SystemExit("an invoice amount differs from the sum of its lines")
        step("spending totals, ledger", _totals)
    # The monitor's figures: the fill's lines arrive in bulk, past the import's signals, so they are
    # counted once here (a one-off recount of every line); planner statistics of the new rows first.
    step("ANALYZE before the monitor's recount", _analyze)
    step("monitor figures (monitor.figures.rebuild)", _monitor_rebuild)
    timings["total"] = round(sum(timings.values()), 1)
    return {
        "timings": timings,
        "monitor_rebuild_s": timings["monitor figures (monitor.figures.rebuild)"],
        "monitor_rows": _monitor_rows(),
        **counts(),
        "providers": len(providers),
        "years": args.years,
        "first_month": f"{FIRST_MONTH:%m-%Y}",
    }


def _totals() -> None:
    from contracts.services import rebuild_spending_totals

    rebuild_spending_totals()
    InvoiceLedger.bump()


def _analyze() -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")  # fixed names


def _monitor_rebuild() -> None:
    from monitor.figures import rebuild

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        rebuild()


def _monitor_rows() -> dict[str, int]:
    from monitor.models import ClientYear, MonthFigure

    return {"monitor_monthfigure": MonthFigure.objects.count(), "monitor_clientyear": ClientYear.objects.count()}


def rebuild_only() -> dict:
    """`rebuild`: the monitor's figures recounted from every line of an already filled database."""
    start = time.perf_counter()
    _monitor_rebuild()
    return {"monitor_rebuild_s": round(time.perf_counter() - start, 1), "monitor_rows": _monitor_rows()}


def counts() -> dict:
    with connection.cursor() as cursor:
        rows = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # fixed names
            rows[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(DISTINCT client_key) FROM contracts_invoiceline")
        clients_declared = cursor.fetchone()[0]
        cursor.execute("SELECT count(DISTINCT client_key) FROM traffic_allocation")
        clients_allocated = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(declared), 0), coalesce(sum(granted), 0) FROM traffic_declarationreturn")
        declared, granted = cursor.fetchone()
    return {
        "rows": rows,
        "clients_declared": clients_declared,
        "clients_allocated": clients_allocated,
        "declared": str(declared),
        "granted": str(granted),
    }


# --- Import files -----------------------------------------------------------------------------------

HEADER_323 = """<?xml version="1.0" encoding="UTF-8"?>
<jw323:Bericht xmlns:ijw="http://www.istandaarden.nl/ijw/3_2/basisschema/schema" \
xmlns:jw323="http://www.istandaarden.nl/ijw/3_2/jw323/schema">
<jw323:Header><jw323:BerichtCode>490</jw323:BerichtCode><jw323:BerichtVersie>3</jw323:BerichtVersie>\
<jw323:BerichtSubversie>2</jw323:BerichtSubversie><jw323:Afzender>{agb}</jw323:Afzender>\
<jw323:Ontvanger>{cbs}</jw323:Ontvanger><jw323:BerichtIdentificatie><ijw:Identificatie>{message_id}\
</ijw:Identificatie><ijw:Dagtekening>{date}</ijw:Dagtekening></jw323:BerichtIdentificatie><jw323:XsdVersie>\
<ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie>\
</jw323:XsdVersie></jw323:Header>
<jw323:Declaratie><jw323:DeclaratieNummer>{number}</jw323:DeclaratieNummer><jw323:DeclaratiePeriode>\
<ijw:Begindatum>{start}</ijw:Begindatum><ijw:Einddatum>{end}</ijw:Einddatum></jw323:DeclaratiePeriode>\
<jw323:DeclaratieDagtekening>{date}</jw323:DeclaratieDagtekening><jw323:TotaalIngediendBedrag>\
<ijw:TotaalBedrag>{total}</ijw:TotaalBedrag><ijw:DebetCredit>D</ijw:DebetCredit></jw323:TotaalIngediendBedrag>
<jw323:Clienten>
"""
PERFORMANCE_323 = (
    "<jw323:Prestatie><jw323:ProductReferentie><ijw:ReferentieNummer>{ref}</ijw:ReferentieNummer>"
    "</jw323:ProductReferentie><jw323:ToewijzingNummer>{number}</jw323:ToewijzingNummer><jw323:ProductCategorie>"
    "{category}</jw323:ProductCategorie><jw323:ProductCode>{code}</jw323:ProductCode><jw323:ProductPeriode>"
    "<ijw:Begindatum>{start}</ijw:Begindatum><ijw:Einddatum>{end}</ijw:Einddatum></jw323:ProductPeriode>"
    "<jw323:GeleverdVolume>{volume}</jw323:GeleverdVolume><jw323:Eenheid>{unit}</jw323:Eenheid><jw323:ProductTarief>"
    "{tariff}</jw323:ProductTarief><jw323:IngediendBedrag><ijw:Bedrag>{amount}</ijw:Bedrag><ijw:DebetCredit>D"
    "</ijw:DebetCredit></jw323:IngediendBedrag></jw323:Prestatie>\n"
)


def import_target() -> tuple[Provider, Municipality, list[tuple]]:
    """The busiest provider and municipality of youth traffic, and their allocations."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT provider_id, municipality_id FROM traffic_allocation WHERE law = %s "
            "GROUP BY provider_id, municipality_id ORDER BY count(*) DESC, provider_id, municipality_id LIMIT 1",
            [Law.YOUTH],
        )
        provider_id, municipality_id = cursor.fetchone()
        cursor.execute(
            "SELECT number, client_key, product_category, product_code, unit, coalesce(volume, 1) "
            "FROM traffic_allocation WHERE municipality_id = %s AND law = %s ORDER BY id",
            [municipality_id, Law.YOUTH],
        )
        allocations = cursor.fetchall()
    return Provider.objects.get(pk=provider_id), Municipality.objects.get(pk=municipality_id), allocations


def performances_323(size: int, allocations: list[tuple], bsn_of: dict[str, str], tag: str):
    """(bsn, performance XML, amount in cents) for ``size`` lines: each allocation's client in turn
    with a few lines on it, so clients repeat as in a real monthly declaration."""
    tariffs = {code: int(round(float(t) * 100)) for law in PRODUCTS for _c, code, _u, t, _v in PRODUCTS[law]}
    end = add_months(IMPORT_MONTH, 1) - datetime.timedelta(days=1)
    per_client = -(-size // len(allocations))
    n = 0
    for number, key, category, code, unit, volume in allocations:
        for j in range(per_client):
            if n == size:
                return
            volume_j = max(1, volume - j % 3)
            amount = volume_j * tariffs[code]
            yield (
                bsn_of[key],
                PERFORMANCE_323.format(
                    ref=f"{tag}-{n}",
                    number=number,
                    category=category,
                    code=code,
                    start=IMPORT_MONTH,
                    end=end,
                    volume=volume_j,
                    unit=unit,
                    tariff=tariffs[code],
                    amount=amount,
                ),
                amount,
            )
            n += 1


def write_323(path: Path, size: int, clients: int) -> dict:
    provider, municipality, allocations = import_target()
    bsns, keys = client_keys(clients)
    bsn_of = dict(zip(keys, bsns, strict=True))
    tag = f"B{size // 1000}K{int(time.time()) % 100_000:05d}"  # new on every run: OP349
    lines = list(performances_323(size, allocations, bsn_of, tag))
    end = add_months(IMPORT_MONTH, 1) - datetime.timedelta(days=1)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            HEADER_323.format(
                agb=provider.agb_code,
                cbs=municipality.cbs_number,
                message_id=tag,
                number=tag,
                start=IMPORT_MONTH,
                end=end,
                date=end + datetime.timedelta(days=6),
                total=sum(a for _b, _x, a in lines),
            )
        )
        previous = None
        for bsn, xml, _amount in lines:
            if bsn != previous:
                if previous is not None:
                    out.write("</jw323:Prestaties></jw323:Client>\n")
                out.write(f"<jw323:Client><jw323:Bsn>{bsn}</jw323:Bsn><jw323:Prestaties>\n")
                previous = bsn
            out.write(xml)
        out.write("</jw323:Prestaties></jw323:Client>\n</jw323:Clienten></jw323:Declaratie></jw323:Bericht>\n")
    return {
        "kind": "323",
        "lines": size,
        "path": str(path),
        "bytes": path.stat().st_size,
        "number": tag,
        "provider": provider.name,
        "municipality": municipality.name,
        "allocations": len(allocations),
    }


def _head(kind: str, sender: str, receiver: str, message_id: str, date, extra: str = "") -> str:
    """The opening of a JW301/JW325 message up to the end of its header (prefixes as in the 323)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<m:Bericht xmlns:ijw="http://www.istandaarden.nl/ijw/3_2/'
        f'basisschema/schema" xmlns:m="http://www.istandaarden.nl/ijw/3_2/jw{kind}/schema">\n<m:Header>'
        f"<m:BerichtCode>{ {'301': 436, '325': 491}[kind] }</m:BerichtCode><m:BerichtVersie>3</m:BerichtVersie>"
        f"<m:BerichtSubversie>2</m:BerichtSubversie><m:Afzender>{sender}</m:Afzender><m:Ontvanger>{receiver}"
        f"</m:Ontvanger><m:BerichtIdentificatie><ijw:Identificatie>{message_id}</ijw:Identificatie><ijw:Dagtekening>"
        f"{date}</ijw:Dagtekening></m:BerichtIdentificatie><m:XsdVersie><ijw:BasisschemaXsdVersie>1.0.0"
        f"</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></m:XsdVersie>{extra}"
        "</m:Header>\n"
    )


ALLOCATED_301 = (
    "<m:ToegewezenProduct><m:ToewijzingNummer>{number}</m:ToewijzingNummer><m:Product><ijw:Categorie>45"
    "</ijw:Categorie><ijw:Code>45A03</ijw:Code></m:Product><m:Toewijzingsdatum>{date}</m:Toewijzingsdatum>"
    "<m:Toewijzingstijd>09:00:00</m:Toewijzingstijd><m:Ingangsdatum>{start}</m:Ingangsdatum><m:Einddatum>{end}"
    "</m:Einddatum><m:Omvang><ijw:Volume>{volume}</ijw:Volume><ijw:Eenheid>04</ijw:Eenheid><ijw:Frequentie>4"
    "</ijw:Frequentie></m:Omvang></m:ToegewezenProduct>\n"
)


def write_301(path: Path, size: int, clients: int) -> dict:
    """One JW301 (one client, as the standard has it) with ``size`` allocated products, new numbers
    above the fill's: the municipality and provider of the 323 files."""
    provider, municipality, _allocations = import_target()
    bsns, _keys = client_keys(min(clients, 1000))
    tag = f"T{size // 1000}K{int(time.time()) % 100_000:05d}"
    first = 800_000_000 + (int(time.time()) % 1000) * 150_000  # new numbers on every run
    end = add_months(IMPORT_MONTH, 12) - datetime.timedelta(days=1)
    with path.open("w", encoding="utf-8") as out:
        out.write(_head("301", municipality.cbs_number, provider.agb_code, tag, IMPORT_MONTH - datetime.timedelta(7)))
        out.write(
            f"<m:Client><m:Bsn>{bsns[0]}</m:Bsn><m:Geboortedatum><ijw:Datum>2012-03-04</ijw:Datum></m:Geboortedatum>"
            "<m:Geslacht>1</m:Geslacht><m:Naam><ijw:Geslachtsnaam><ijw:Achternaam>Bench</ijw:Achternaam>"
            "</ijw:Geslachtsnaam><ijw:Voorletters>T</ijw:Voorletters><ijw:NaamGebruik>1</ijw:NaamGebruik></m:Naam>"
            "<m:Contactgegevens><m:Contact><m:Soort>01</m:Soort></m:Contact></m:Contactgegevens><m:ToegewezenProducten>\n"
        )
        for n in range(size):
            out.write(
                ALLOCATED_301.format(
                    number=first + n,
                    date=IMPORT_MONTH - datetime.timedelta(7),
                    start=IMPORT_MONTH,
                    end=end,
                    volume=2 + n % 30,
                )
            )
        out.write("</m:ToegewezenProducten></m:Client>\n</m:Bericht>\n")
    return {"kind": "301", "lines": size, "path": str(path), "bytes": path.stat().st_size, "number": tag}


def write_325(path: Path, declaration: Path, rejected_per_mille: int = 40) -> dict:
    """The JW325 answer to a generated JW323 file: every performance answered (0200, or a rejection
    code for about 4 % of them), the totals adding up."""
    from lxml import etree

    ns = {
        "m": "http://www.istandaarden.nl/ijw/3_2/jw323/schema",
        "b": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema",
    }
    root = etree.parse(str(declaration)).getroot()
    header, answer = root.find("m:Header", ns), root.find("m:Declaratie", ns)
    number = answer.findtext("m:DeclaratieNummer", namespaces=ns)
    declared = int(answer.findtext("m:TotaalIngediendBedrag/b:TotaalBedrag", namespaces=ns))
    clients, rejected, n = [], 0, 0
    for client in answer.iterfind("m:Clienten/m:Client", ns):
        parts = []
        for performance in client.iterfind("m:Prestaties/m:Prestatie", ns):
            refused = (n * 2654435761) % 1000 < rejected_per_mille
            amount = int(performance.findtext("m:IngediendBedrag/b:Bedrag", namespaces=ns))
            rejected += amount if refused else 0
            body = etree.tostring(performance, encoding="unicode").split(">", 1)[1].rsplit("</", 1)[0]
            body = body.replace("jw323:", "m:").replace(' xmlns:jw323="' + ns["m"] + '"', "")
            body = body.replace(' xmlns:ijw="' + ns["b"] + '"', "")
            code = "0611" if refused else "0200"
            parts.append(
                f"<m:Prestatie>{body}<m:RetourCodes><m:RetourCode>{code}</m:RetourCode></m:RetourCodes></m:Prestatie>\n"
            )
            n += 1
        bsn = client.findtext("m:Bsn", namespaces=ns)
        clients.append(
            f"<m:Client><m:Bsn>{bsn}</m:Bsn><m:Prestaties>\n{''.join(parts)}</m:Prestaties>"
            "<m:RetourCodes><m:RetourCode>0200</m:RetourCode></m:RetourCodes></m:Client>\n"
        )
    message_id = header.findtext("m:BerichtIdentificatie/b:Identificatie", namespaces=ns)
    date = header.findtext("m:BerichtIdentificatie/b:Dagtekening", namespaces=ns)
    extra = (
        f"<m:DeclaratieIdentificatie><ijw:Identificatie>{message_id}</ijw:Identificatie><ijw:Dagtekening>{date}"
        "</ijw:Dagtekening></m:DeclaratieIdentificatie><m:XsdVersieDeclaratie><ijw:BasisschemaXsdVersie>1.0.0"
        "</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></m:XsdVersieDeclaratie>"
        "<m:RetourCodes><m:RetourCode>0200</m:RetourCode></m:RetourCodes>"
    )
    sender, receiver = header.findtext("m:Ontvanger", namespaces=ns), header.findtext("m:Afzender", namespaces=ns)
    with path.open("w", encoding="utf-8") as out:
        out.write(_head("325", sender, receiver, "R" + message_id[1:], date, extra))
        out.write(
            f"<m:DeclaratieAntwoord><m:DeclaratieNummer>{number}</m:DeclaratieNummer><m:TotaalIngediendBedrag>"
            f"<ijw:TotaalBedrag>{declared}</ijw:TotaalBedrag><ijw:DebetCredit>D</ijw:DebetCredit>"
            f"</m:TotaalIngediendBedrag><m:TotaalToegekendBedrag><ijw:TotaalBedrag>{declared - rejected}"
            "</ijw:TotaalBedrag><ijw:DebetCredit>D</ijw:DebetCredit></m:TotaalToegekendBedrag><m:Clienten>\n"
        )
        out.writelines(clients)
        out.write(
            "</m:Clienten><m:RetourCodes><m:RetourCode>0200</m:RetourCode></m:RetourCodes>"
            "</m:DeclaratieAntwoord>\n</m:Bericht>\n"
        )
    return {
        "kind": "325",
        "lines": n,
        "path": str(path),
        "bytes": path.stat().st_size,
        "number": number,
        "rejected_lines": sum(1 for i in range(n) if (i * 2654435761) % 1000 < rejected_per_mille),
    }


# --- One import, measured -------------------------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def run_import(kind: str, path: Path, *, direct: bool) -> dict:
    """One import in this (fresh) process: wall time and peak RSS, above the baseline after setup.
    ``direct`` skips the 20 MB size check of import_declaration_message (import_declaration)."""
    from contracts.imports.declarations import import_declaration, import_declaration_message
    from contracts.imports.messages import MessageType

    user = User.objects.get(username="medewerker")
    User.objects.filter(pk=user.pk).exists()  # the connection is open before the baseline
    baseline = rss_mb()
    data = path.read_bytes()
    with_file = rss_mb()
    start = time.perf_counter()
    if kind == "323" and direct == "traffic":  # the traffic page: 100 MB, no 20 MB check
        from traffic.imports import import_message

        result = import_message(data, by=user)
    elif kind == "323" and direct:
        result = import_declaration(data, MessageType("JW323"), by=user)
    elif kind == "323":
        result = import_declaration_message(data, by=user)
    else:
        from traffic.imports import import_message

        result = import_message(data, by=user)
    seconds = time.perf_counter() - start
    problems = [str(p) for p in getattr(result, "problems", [])[:3]]
    return {
        "kind": kind,
        "path": str(path),
        "bytes": len(data),
        "seconds": round(seconds, 2),
        "ok": not problems,
        "problems": problems,
        "baseline_mb": round(baseline, 1),
        "with_file_mb": round(with_file, 1),
        "peak_mb": round(rss_mb(), 1),
        "direct": direct,
    }


class Rollback(Exception):
    pass


def _without_monitor() -> None:
    """The monitor's receivers disconnected: the import as it ran before the monitor existed."""
    from contracts import signals
    from monitor import signals as monitor_signals

    signals.lines_added.disconnect(monitor_signals.count_new_lines)
    signals.lines_before_change.disconnect(monitor_signals.take_out)
    signals.lines_after_change.disconnect(monitor_signals.put_back)


def import_variant(kind: str, path: Path, *, direct, monitor: bool = True, rollback: bool = False) -> dict:
    """run_import with or without the monitor's maintenance in the import's transaction, and
    committed or rolled back after the clock stopped (so the same file can be imported again)."""
    if not monitor:
        _without_monitor()
    if rollback:
        try:
            with transaction.atomic():
                out = run_import(kind, path, direct=direct)
                raise Rollback
        except Rollback:
            pass
    else:
        out = run_import(kind, path, direct=direct)
    return {**out, "monitor": monitor, "rolled_back": rollback}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fill")
    p.add_argument("--lines", type=int, default=5_000_000)
    p.add_argument("--allocations", type=int, default=200_000)
    p.add_argument("--clients", type=int, default=300_000)
    p.add_argument("--years", type=int, default=5)
    sub.add_parser("rebuild", help="recount the monitor's figures from every line")
    p = sub.add_parser("file323")
    p.add_argument("path", type=Path)
    p.add_argument("--lines", type=int, required=True)
    p.add_argument("--clients", type=int, default=300_000)
    p = sub.add_parser("file301")
    p.add_argument("path", type=Path)
    p.add_argument("--lines", type=int, required=True)
    p.add_argument("--clients", type=int, default=300_000)
    p = sub.add_parser("file325")
    p.add_argument("path", type=Path)
    p.add_argument("declaration", type=Path)
    p = sub.add_parser("import")
    p.add_argument("kind", choices=["323", "301", "325"])
    p.add_argument("path", type=Path)
    p.add_argument("--direct", action="store_true")
    p.add_argument("--traffic", action="store_true", help="a 323 through traffic.imports.import_message")
    p.add_argument("--no-monitor", action="store_true", help="without the monitor's figures kept in step")
    p.add_argument("--rollback", action="store_true", help="roll the import back after timing it")
    arguments = parser.parse_args()
    if arguments.command == "fill":
        print(json.dumps(fill(arguments)))
    elif arguments.command == "rebuild":
        print(json.dumps(rebuild_only()))
    elif arguments.command == "file323":
        print(json.dumps(write_323(arguments.path, arguments.lines, arguments.clients)))
    elif arguments.command == "file301":
        print(json.dumps(write_301(arguments.path, arguments.lines, arguments.clients)))
    elif arguments.command == "file325":
        print(json.dumps(write_325(arguments.path, arguments.declaration)))
    elif arguments.command == "import":
        how = "traffic" if arguments.traffic else arguments.direct
        variant = {"monitor": not arguments.no_monitor, "rollback": arguments.rollback}
        print(json.dumps(import_variant(arguments.kind, arguments.path, direct=how, **variant)))
