"""The code lists of the standard with their Dutch meaning, read from the basisschema's
annotations (the schema is the code list): return codes, units, frequencies, reasons of change."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
ACCEPTED = "0200"  # "Geaccepteerd": a performance, client or declaration the municipality accepts


@cache
def code_list(type_name: str, standard: str = "ijw") -> dict[str, str]:
    """code -> Dutch meaning of one enumerated type of the basisschema."""
    schema = etree.parse(str(SCHEMA_DIR / standard / "basisschema.xsd"))
    simple = schema.find(f"xs:simpleType[@name='{type_name}']", XS)
    if simple is None:
        raise LookupError(type_name)
    return {
        e.get("value"): " ".join((e.findtext("xs:annotation/xs:documentation", namespaces=XS) or "").split())
        for e in simple.iterfind(".//xs:enumeration", XS)
    }


def describe(code: str) -> str:
    """A return code's Dutch meaning, or "" for a code the standard does not list."""
    return code_list("LDT_RetourCode").get(code, "")
