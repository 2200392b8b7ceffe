"""Messages of the traffic built from the schemas (iJw/iWmo release 3.2), for tests and demos:
a JW301/WMO301 allocation, a JW323/WMO323 declaration, a JW325/WMO325 answer. Every builder's
output matches its schema (tests/traffic/test_builders.py); the BSNs are test numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CODES = {"JW301": "436", "WMO301": "414", "JW323": "490", "WMO323": "484", "JW325": "491", "WMO325": "485"}


def _ns(name: str) -> tuple[str, str, str, str]:
    standard = "ijw" if name.startswith("JW") else "iwmo"
    base = f"http://www.istandaarden.nl/{standard}/3_2/basisschema/schema"
    return standard, base, f"http://www.istandaarden.nl/{standard}/3_2/{name.lower()}/schema", name.lower()


def _header(name: str, sender: str, receiver: str, message_id: str, date: str, extra: str = "") -> str:
    _std, _base, _own, p = _ns(name)
    return f"""<{p}:Header><{p}:BerichtCode>{CODES[name]}</{p}:BerichtCode><{p}:BerichtVersie>3</{p}:BerichtVersie>
<{p}:BerichtSubversie>2</{p}:BerichtSubversie><{p}:Afzender>{sender}</{p}:Afzender><{p}:Ontvanger>{receiver}</{p}:Ontvanger>
<{p}:BerichtIdentificatie><b:Identificatie>{message_id}</b:Identificatie><b:Dagtekening>{date}</b:Dagtekening></{p}:BerichtIdentificatie>
<{p}:XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie><b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></{p}:XsdVersie>
{extra}</{p}:Header>"""


def _root(name: str, body: str) -> bytes:
    _std, base, own, p = _ns(name)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{p}:Bericht xmlns:b="{base}" xmlns:{p}="{own}">
{body}
</{p}:Bericht>
""".encode()


def _amount(p: str, tag: str, value: Decimal, total: bool = False) -> str:
    cents = int((abs(value) * 100).to_integral_value())
    inner = "TotaalBedrag" if total else "Bedrag"
    dc = "C" if value < 0 else "D"
    return f"<{p}:{tag}><b:{inner}>{cents}</b:{inner}><b:DebetCredit>{dc}</b:DebetCredit></{p}:{tag}>"


@dataclass
class Product:
    number: str
    category: str = ""  # "" = 45 (youth) or 02 (Wmo)
    code: str = "45A03"
    start: str = "2026-01-01"
    end: str | None = "2026-12-31"
    volume: int | None = 4
    unit: str = "04"
    frequency: str = "2"
    budget_cents: int | None = None
    reason: str | None = None
    allocated_on: str = "2025-12-15"


def allocation(
    name: str,
    municipality: str,
    agb: str,
    bsn: str,
    products: list[Product],
    *,
    message_id: str = "301000001",
    date: str = "2025-12-15",
    surname: str = "Jansen",
    birth: str = "2012-03-04",
) -> bytes:
    """A 301: one client (with the personal data the standard carries) and its products."""
    _std, _base, _own, p = _ns(name)
    items = "".join(_product(p, x) for x in products)
    client = f"""<{p}:Client><{p}:Bsn>{bsn}</{p}:Bsn><{p}:Geboortedatum><b:Datum>{birth}</b:Datum></{p}:Geboortedatum>
<{p}:Geslacht>2</{p}:Geslacht><{p}:Naam><b:Geslachtsnaam><b:Achternaam>{surname}</b:Achternaam></b:Geslachtsnaam>
<b:Voornamen>Anna Maria</b:Voornamen><b:NaamGebruik>1</b:NaamGebruik></{p}:Naam>
<{p}:Contactgegevens><{p}:Contact><{p}:Soort>01</{p}:Soort><{p}:Adres><b:Postcode>6001AB</b:Postcode>
<b:Straatnaam>Markt</b:Straatnaam><b:Plaatsnaam>Weert</b:Plaatsnaam></{p}:Adres></{p}:Contact></{p}:Contactgegevens>
<{p}:ToegewezenProducten>{items}</{p}:ToegewezenProducten></{p}:Client>"""
    return _root(name, _header(name, municipality, agb, message_id, date) + client)


def _category(p: str, category: str) -> str:
    return category or ("45" if p.startswith("jw") else "02")


def _product(p: str, x: Product) -> str:
    parts = [
        f"<{p}:ToewijzingNummer>{x.number}</{p}:ToewijzingNummer>",
        f"<{p}:Product><b:Categorie>{_category(p, x.category)}</b:Categorie><b:Code>{x.code}</b:Code></{p}:Product>",
        f"<{p}:Toewijzingsdatum>{x.allocated_on}</{p}:Toewijzingsdatum><{p}:Toewijzingstijd>10:00:00</{p}:Toewijzingstijd>",
        f"<{p}:Ingangsdatum>{x.start}</{p}:Ingangsdatum>",
    ]
    if x.end:
        parts.append(f"<{p}:Einddatum>{x.end}</{p}:Einddatum>")
    if x.reason:
        parts.append(f"<{p}:RedenWijziging>{x.reason}</{p}:RedenWijziging>")
    if x.volume is not None:
        parts.append(
            f"<{p}:Omvang><b:Volume>{x.volume}</b:Volume><b:Eenheid>{x.unit}</b:Eenheid>"
            f"<b:Frequentie>{x.frequency}</b:Frequentie></{p}:Omvang>"
        )
    if x.budget_cents is not None:
        parts.append(f"<{p}:Budget>{x.budget_cents}</{p}:Budget>")
    return f"<{p}:ToegewezenProduct>{''.join(parts)}</{p}:ToegewezenProduct>"


@dataclass
class Performance:
    bsn: str
    reference: str
    allocation: str
    amount: Decimal
    code: str = "45A03"
    category: str = ""  # "" = 45 (youth) or 02 (Wmo)
    start: str = "2026-04-01"
    end: str = "2026-04-30"
    volume: int = 4
    unit: str = "04"
    tariff_cents: int | None = None
    codes: list[str] = field(default_factory=lambda: ["0200"])  # in a 325


def _performance(p: str, x: Performance, *, answer: bool = False) -> str:
    tariff = f"<{p}:ProductTarief>{x.tariff_cents}</{p}:ProductTarief>" if x.tariff_cents is not None else ""
    codes = "".join(f"<{p}:RetourCode>{c}</{p}:RetourCode>" for c in x.codes)
    return (
        f"<{p}:Prestatie><{p}:ProductReferentie><b:ReferentieNummer>{x.reference}</b:ReferentieNummer>"
        f"</{p}:ProductReferentie><{p}:ToewijzingNummer>{x.allocation}</{p}:ToewijzingNummer>"
        f"<{p}:ProductCategorie>{_category(p, x.category)}</{p}:ProductCategorie>"
        f"<{p}:ProductCode>{x.code}</{p}:ProductCode>"
        f"<{p}:ProductPeriode><b:Begindatum>{x.start}</b:Begindatum><b:Einddatum>{x.end}</b:Einddatum>"
        f"</{p}:ProductPeriode><{p}:GeleverdVolume>{x.volume}</{p}:GeleverdVolume><{p}:Eenheid>{x.unit}</{p}:Eenheid>"
        f"{tariff}{_amount(p, 'IngediendBedrag', x.amount)}"
        + (f"<{p}:RetourCodes>{codes}</{p}:RetourCodes>" if answer else "")
        + f"</{p}:Prestatie>"
    )


def _clients(p: str, performances: list[Performance], *, answer: bool = False) -> str:
    by_client: dict[str, list[Performance]] = {}
    for x in performances:
        by_client.setdefault(x.bsn, []).append(x)
    clients = []
    for bsn, items in by_client.items():
        body = "".join(_performance(p, x, answer=answer) for x in items)
        codes = f"<{p}:RetourCodes><{p}:RetourCode>0200</{p}:RetourCode></{p}:RetourCodes>" if answer else ""
        clients.append(
            f"<{p}:Client><{p}:Bsn>{bsn}</{p}:Bsn><{p}:Prestaties>{body}</{p}:Prestaties>{codes}</{p}:Client>"
        )
    return f"<{p}:Clienten>{''.join(clients)}</{p}:Clienten>"


def declaration(
    name: str,
    agb: str,
    municipality: str,
    number: str,
    performances: list[Performance],
    *,
    message_id: str = "323000001",
    date: str = "2026-05-06",
    start: str = "2026-04-01",
    end: str = "2026-04-30",
    total: Decimal | None = None,
) -> bytes:
    """A 323 from a provider to a municipality."""
    _std, _base, _own, p = _ns(name)
    total = sum((x.amount for x in performances), Decimal("0.00")) if total is None else total
    body = (
        f"<{p}:Declaratie><{p}:DeclaratieNummer>{number}</{p}:DeclaratieNummer><{p}:DeclaratiePeriode>"
        f"<b:Begindatum>{start}</b:Begindatum><b:Einddatum>{end}</b:Einddatum></{p}:DeclaratiePeriode>"
        f"<{p}:DeclaratieDagtekening>{date}</{p}:DeclaratieDagtekening>"
        f"{_amount(p, 'TotaalIngediendBedrag', total, total=True)}{_clients(p, performances)}</{p}:Declaratie>"
    )
    return _root(name, _header(name, agb, municipality, message_id, date) + body)


def answer(
    name: str,
    municipality: str,
    agb: str,
    number: str,
    performances: list[Performance],
    *,
    declared: Decimal,
    granted: Decimal,
    message_id: str = "325000001",
    date: str = "2026-05-20",
    declaration_id: str = "323000001",
) -> bytes:
    """A 325 from a municipality to a provider: the answered (usually the rejected) performances."""
    _std, _base, _own, p = _ns(name)
    extra = (
        f"<{p}:DeclaratieIdentificatie><b:Identificatie>{declaration_id}</b:Identificatie>"
        f"<b:Dagtekening>2026-05-06</b:Dagtekening></{p}:DeclaratieIdentificatie>"
        f"<{p}:XsdVersieDeclaratie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie>"
        f"<b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></{p}:XsdVersieDeclaratie>"
        f"<{p}:RetourCodes><{p}:RetourCode>0200</{p}:RetourCode></{p}:RetourCodes>"
    )
    clients = _clients(p, performances, answer=True) if performances else ""
    body = (
        f"<{p}:DeclaratieAntwoord><{p}:DeclaratieNummer>{number}</{p}:DeclaratieNummer>"
        f"{_amount(p, 'TotaalIngediendBedrag', declared, total=True)}"
        f"{_amount(p, 'TotaalToegekendBedrag', granted, total=True)}{clients}"
        f"<{p}:RetourCodes><{p}:RetourCode>0200</{p}:RetourCode></{p}:RetourCodes></{p}:DeclaratieAntwoord>"
    )
    return _root(name, _header(name, municipality, agb, message_id, date, extra) + body)
