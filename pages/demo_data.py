"""Reference and demo data: the fourteen municipalities, their modules and population counts.

Population figures: where a published CBS figure was found, the source names where it was read.
Where none was at hand when this data was made, the count is an estimate rounded to hundreds
and its source says so; replace those with the CBS import (Gemeenten → Inwoners importeren).
"""

from __future__ import annotations

import datetime

ESTIMATE = (
    "Schatting, afgerond op honderdtallen; geen gepubliceerd CBS-cijfer bij invoer. "
    "Vervang via Inwoners importeren (CBS 03759ned)."
)
WIKI = "CBS-cijfer, overgenomen via Wikipedia ({page}); niet in StatLine gecontroleerd."

# name, slug, CBS code, region
MUNICIPALITIES = [
    ("Beesel", "beesel", "GM0889", "NL"),
    ("Bergen (L.)", "bergen-l", "GM0893", "NL"),
    ("Gennep", "gennep", "GM0907", "NL"),
    ("Horst aan de Maas", "horst-aan-de-maas", "GM1507", "NL"),
    ("Peel en Maas", "peel-en-maas", "GM1894", "NL"),
    ("Venlo", "venlo", "GM0983", "NL"),
    ("Venray", "venray", "GM0984", "NL"),
    ("Leudal", "leudal", "GM1640", "MLW"),
    ("Nederweert", "nederweert", "GM0946", "MLW"),
    ("Weert", "weert", "GM0988", "MLW"),
    ("Echt-Susteren", "echt-susteren", "GM1711", "MLO"),
    ("Maasgouw", "maasgouw", "GM1641", "MLO"),
    ("Roerdalen", "roerdalen", "GM1669", "MLO"),
    ("Roermond", "roermond", "GM0957", "MLO"),
]

# slug -> {year: (inhabitants on 1 January, source or None for an estimate)}
POPULATION: dict[str, dict[int, tuple[int, str | None]]] = {
    "beesel": {2023: (13400, None), 2024: (13400, None), 2025: (13400, None)},
    "bergen-l": {2023: (13100, None), 2024: (13151, WIKI.format(page="de: Bergen (Limburg)")), 2025: (13200, None)},
    "gennep": {2023: (17600, None), 2024: (17790, WIKI.format(page="de: Gennep")), 2025: (17900, None)},
    "horst-aan-de-maas": {
        2023: (43400, None),
        2024: (43923, WIKI.format(page="nl: Horst aan de Maas")),
        2025: (44200, None),
    },
    "peel-en-maas": {
        2023: (
            45276,
            "CBS-cijfer, overgenomen via Omroep P&M ('Op 1 januari 2023 had Peel en Maas "
            "45.276 inwoners'); niet in StatLine gecontroleerd.",
        ),
        2024: (45551, WIKI.format(page="de: Peel en Maas")),
        2025: (45900, None),
    },
    "venlo": {
        2023: (103300, None),
        2024: (103785, "CBS StatLine 37230ned, bevolking aan het begin van 2024 januari (voorlopig cijfer)."),
        2025: (104300, None),
    },
    "venray": {2023: (44300, None), 2024: (44668, WIKI.format(page="de: Venray")), 2025: (45000, None)},
    "leudal": {2023: (36000, None), 2024: (36000, None), 2025: (36000, None)},
    "nederweert": {2023: (17400, None), 2024: (17500, None), 2025: (17600, None)},
    "weert": {
        2023: (50600, None),
        2024: (51060, WIKI.format(page="de: Weert")),
        2025: (51378, WIKI.format(page="de: Weert")),
    },
    "echt-susteren": {2023: (31900, None), 2024: (32037, WIKI.format(page="de: Echt-Susteren")), 2025: (32100, None)},
    "maasgouw": {2023: (24300, None), 2024: (24400, None), 2025: (24500, None)},
    "roerdalen": {2023: (20700, None), 2024: (20806, WIKI.format(page="de: Roerdalen")), 2025: (20900, None)},
    "roermond": {2023: (59900, None), 2024: (60749, WIKI.format(page="de: Roermond")), 2025: (61200, None)},
}

MODULES = [
    (
        1,
        "Inkoop, contractbeheer, contractmanagement en datamanagement",
        "Inkoop, contractadministratie, contractmanagement en datamanagement voor Wmo, Jeugd en participatie.",
    ),
    (
        2,
        "Maatschappelijke Opvang, Beschermd Wonen, Bemoeizorg en Preventie",
        "Opvang, beschermd wonen, bemoeizorg en preventie voor de regio Noord- en Midden-Limburg.",
    ),
]

NOORD = ["beesel", "bergen-l", "gennep", "horst-aan-de-maas", "peel-en-maas", "venlo", "venray"]
MIDDEN = ["leudal", "nederweert", "weert", "echt-susteren", "maasgouw", "roerdalen", "roermond"]

# module number, slugs, start date, decision
MEMBERSHIPS = [
    (1, NOORD, datetime.date(2014, 1, 1), "Oprichting MGR sociaal domein Limburg-Noord"),
    (1, MIDDEN, datetime.date(2026, 1, 1), "Toetreding Midden-Limburg tot module 1 (wijziging GR)"),
    (2, NOORD + MIDDEN, datetime.date(2022, 1, 1), "Module 2 voor alle veertien gemeenten"),
]

DEMO_PASSWORD = "demo-portaal-2026"

# username, first name, last name, roles, municipality (contact), is_staff
DEMO_USERS = [
    ("medewerker", "Sanne", "Jacobs", ["Medewerker"], None, False),
    ("medewerker2", "Karin", "Vos", ["Medewerker"], None, False),
    ("leidinggevende", "Mark", "Hendriks", ["Leidinggevende"], None, True),
    ("db", "Peter", "Janssen", ["Dagelijks bestuur", "Algemeen bestuur"], None, False),
    ("ab", "Anja", "Smeets", ["Algemeen bestuur"], None, False),
    ("kwartiermaker", "Ruud", "Verheijen", ["Kwartiermaker"], None, False),
    ("weert", "Linda", "Peeters", ["Gemeentelijk contactpersoon"], "weert", False),
    ("venlo", "Tom", "Willems", ["Gemeentelijk contactpersoon"], "venlo", False),
]

SEATS_FROM = datetime.date(2022, 6, 1)  # after the municipal elections of March 2022
# username -> (municipality, body, position); others get a seat as "Portefeuillehouder <name>".
# As usual in a joint arrangement, one person chairs both boards.
DEMO_SEATS = [
    ("db", "venlo", "AB", "chair"),
    ("db", "venlo", "DB", "chair"),
    ("ab", "weert", "AB", "member"),
]
DAILY_BOARD_MEMBERS = ["roermond", "venray"]
