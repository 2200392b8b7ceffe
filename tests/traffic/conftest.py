import pytest

from entity.models import Module
from tests.factories import ContractFactory, SegmentFactory

WEERT, AGB = "0988", "65656055"
BSNS = ["999900006", "999900018", "999900031", "999900043"]  # test numbers, 11-proof


@pytest.fixture
def traffic(youth, region):
    """The youth contract of `youth` (Weert and Venlo) and a Wmo contract of the same provider."""
    segment = SegmentFactory(code="WMO-S2", name="Segment 2 Wmo", law="wmo", module=Module.objects.get(number=1))
    wmo = ContractFactory(
        reference="WMO-2024-001", provider=youth["provider"], segment=segment, municipalities=[region["weert"]]
    )
    return {**youth, "wmo_contract": wmo, "weert": region["weert"]}
