"""The messages the tests build match the national schemas, and the written WMO325 schema is
JW325's in the iWmo namespace: it accepts a WMO325 answer and refuses a JW325 one."""

import io
from decimal import Decimal

import pytest
from lxml import etree

from contracts.imports.messages import MESSAGE_TYPES, MessageType, schema
from tests.traffic.builders import Performance, Product, allocation, answer, declaration

PERF = [
    Performance("999900006", "RN001", "10072", Decimal("50.00")),
    Performance("999900018", "RN002", "10073", Decimal("240.00"), codes=["8001", "0611"]),
]


def build(name: str) -> bytes:
    kind = name[-3:]
    if kind == "301":
        return allocation(name, "0988", "65656055", "999900006", [Product("1", budget_cents=1), Product("2", end=None)])
    if kind == "323":
        return declaration(name, "65656055", "0988", "DN001", PERF)
    return answer(name, "0988", "65656055", "DN001", PERF[1:], declared=Decimal("290.00"), granted=Decimal("50.00"))


@pytest.mark.parametrize("name", [t.name for t in MESSAGE_TYPES.values()])
def test_every_built_message_matches_its_schema(name):
    valid = schema(MessageType(name))
    assert valid.validate(etree.parse(io.BytesIO(build(name)))), valid.error_log


def test_the_wmo325_schema_is_jw325_in_the_iwmo_namespace():
    wmo325 = schema(MessageType("WMO325"))
    jw325 = build("JW325")
    assert not wmo325.validate(etree.parse(io.BytesIO(jw325)))
    as_wmo = build("WMO325")
    assert b"<wmo325:BerichtCode>485<" in as_wmo
    assert not wmo325.validate(etree.parse(io.BytesIO(as_wmo.replace(b">485<", b">491<"))))
