import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from municipalities.models import Municipality, PopulationCount
from tests.factories import MunicipalityFactory, PopulationCountFactory

D = datetime.date


@pytest.mark.parametrize("code", ["GM0988", "GM1894"])
def test_valid_cbs_code(db, code):
    Municipality(name="X", slug="x", cbs_code=code, region="NL").full_clean()


@pytest.mark.parametrize("code", ["0988", "gm0988", "GM988", "GM09888", "GMABCD", "PV0988", "GM0988\n"])
def test_invalid_cbs_code_is_refused(db, code):
    with pytest.raises(ValidationError) as exc:
        Municipality(name="X", slug="x", cbs_code=code, region="NL").full_clean()
    assert "cbs_code" in exc.value.message_dict


def test_invalid_cbs_code_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(name="X", slug="x", cbs_code="GM98", region="NL")


def test_cbs_code_is_unique(db):
    MunicipalityFactory(cbs_code="GM0988")
    with pytest.raises(ValidationError):
        Municipality(name="Ander", slug="ander", cbs_code="GM0988", region="NL").full_clean()


def test_inhabitants_on_uses_the_latest_count_on_or_before_the_date(db):
    town = MunicipalityFactory()
    PopulationCountFactory(municipality=town, reference_date=D(2024, 1, 1), inhabitants=100)
    PopulationCountFactory(municipality=town, reference_date=D(2025, 1, 1), inhabitants=110)
    assert town.inhabitants_on(D(2023, 12, 31)) is None
    assert town.inhabitants_on(D(2024, 1, 1)) == 100
    assert town.inhabitants_on(D(2024, 12, 31)) == 100
    assert town.inhabitants_on(D(2025, 1, 1)) == 110
    assert town.inhabitants_on(D(2030, 1, 1)) == 110
    annotated = Municipality.objects.with_inhabitants_on(D(2024, 6, 1)).get(pk=town.pk)
    assert (annotated.inhabitants, annotated.inhabitants_date) == (100, D(2024, 1, 1))


def test_one_count_per_municipality_and_date(db):
    count = PopulationCountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PopulationCount.objects.create(
            municipality=count.municipality, reference_date=count.reference_date, inhabitants=1, source="dubbel"
        )


def test_demo_data_has_three_counts_per_municipality_with_a_source(region):
    assert len(region) == 14
    for municipality in region.values():
        counts = municipality.population_counts.all()
        assert {c.reference_date for c in counts} == {D(2023, 1, 1), D(2024, 1, 1), D(2025, 1, 1)}
        assert all(c.source for c in counts)
    estimates = PopulationCount.objects.filter(source__startswith="Schatting")
    assert all(c.inhabitants % 100 == 0 for c in estimates), "estimates must not pretend precision"
