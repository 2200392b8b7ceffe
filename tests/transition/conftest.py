"""Fixtures of the transition tests: module 1's programme toward 1 January 2026, with the seven
Midden-Limburg municipalities joining, and a helper to add milestones."""

from __future__ import annotations

import datetime

import pytest

from entity.models import Module
from municipalities.models import Municipality
from transition.models import Milestone, Programme

D = datetime.date
MIDDEN = ["leudal", "nederweert", "weert", "echt-susteren", "maasgouw", "roerdalen", "roermond"]
NOORD = ["beesel", "bergen-l", "gennep", "horst-aan-de-maas", "peel-en-maas", "venlo", "venray"]


@pytest.fixture
def programme(region) -> Programme:
    programme = Programme.objects.create(
        name="Aansluiting Midden-Limburg bij module 1", module=Module.objects.get(number=1), goal_date=D(2026, 1, 1)
    )
    programme.joining.set(Municipality.objects.filter(slug__in=MIDDEN))
    return programme


@pytest.fixture
def add_milestone(programme):
    """A milestone of the programme, stored as given (no form, no clean)."""

    def _add(name: str, planned_end: datetime.date, **fields) -> Milestone:
        fields.setdefault("responsible", "kwartiermaker")
        return Milestone.objects.create(programme=programme, name=name, planned_end=planned_end, **fields)

    return _add
