"""Shared fixtures: the region's reference data and one user per role."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from access.policy import Role
from entity.models import MunicipalityContact
from municipalities.models import Municipality
from tests.factories import PASSWORD, UserFactory
from tests.subjects import OTHER_SUBJECTS, ROLE_SUBJECTS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--expect-db",
        choices=["sqlite", "postgresql"],
        default=None,
        help="Fail unless the tests really run on this database.",
    )


def pytest_report_header(config: pytest.Config) -> str:
    from django.db import connection

    return f"database vendor: {connection.vendor} (DATABASE_URL {'set' if os.environ.get('DATABASE_URL') else 'unset'})"


@pytest.fixture(scope="session", autouse=True)
def _expected_database(request: pytest.FixtureRequest) -> None:
    from django.db import connection

    expected = request.config.getoption("--expect-db")
    if expected and connection.vendor != expected:
        pytest.exit(f"Expected the tests to run on {expected}, but they run on {connection.vendor}.", returncode=3)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached list totals must not leak from one test's (rolled back) data into another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path) -> None:
    """Uploaded decisions go to a directory of the test, never into the checkout."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2 is slow by design; the tests do not test it, they log in a lot."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def region(db) -> dict[str, Municipality]:
    """The fourteen municipalities, modules 1 and 2, memberships and counts (the real demo data)."""
    call_command("load_demo", "--reference-only", verbosity=0, stdout=open(os.devnull, "w"))
    return {m.slug: m for m in Municipality.objects.all()}


def _user(username: str, *roles: Role, **extra):
    return UserFactory(username=username, roles=[r.value for r in roles], **extra)


@pytest.fixture
def staff_user(db):
    return _user("medewerker", Role.STAFF)


@pytest.fixture
def manager_user(db):
    return _user("leidinggevende", Role.MANAGER, is_staff=True)


@pytest.fixture
def db_user(db):
    return _user("db-lid", Role.DAILY_BOARD, Role.GENERAL_BOARD)


@pytest.fixture
def ab_user(db):
    return _user("ab-lid", Role.GENERAL_BOARD)


@pytest.fixture
def kwartiermaker_user(db):
    return _user("kwartiermaker", Role.KWARTIERMAKER)


@pytest.fixture
def contact_weert(region):
    user = _user("contact-weert", Role.CONTACT)
    MunicipalityContact.objects.create(user=user, municipality=region["weert"])
    return user


@pytest.fixture
def contact_venlo(region):
    user = _user("contact-venlo", Role.CONTACT)
    MunicipalityContact.objects.create(user=user, municipality=region["venlo"])
    return user


@pytest.fixture
def norole_user(db):
    return _user("zonder-rol")


@pytest.fixture
def users(request, db):
    """Every role by name, for permission matrices (made in this order, as the pks show)."""
    fixtures = dict(ROLE_SUBJECTS[role] for role in Role) | OTHER_SUBJECTS
    return {name: request.getfixturevalue(fixture) for name, fixture in fixtures.items()}


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


__all__ = ["PASSWORD"]


@pytest.fixture
def colleague(db):
    """A second member of staff, for four eyes."""
    return _user("collega", Role.STAFF)


@pytest.fixture
def youth(region):
    """Segment 1 youth care in module 1, a provider and a contract 2024-2027 in which Weert (DVO
    until 2025, member from 2026) and Venlo take part."""
    import datetime
    from decimal import Decimal

    from contracts.models import ServiceAgreement
    from entity.models import Module
    from tests.factories import ContractFactory, ProviderFactory, SegmentFactory

    segment = SegmentFactory(
        code="JGD-S1", name="Segment 1 jeugdhulp", law="jeugdwet", module=Module.objects.get(number=1)
    )
    agreement = ServiceAgreement.objects.create(
        municipality=region["weert"],
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        annual_fee=Decimal("42500.00"),
    )
    agreement.segments.add(segment)
    provider = ProviderFactory(name="Zorggroep Maasland", agb_code="65656055", kvk_number="12345678")
    contract = ContractFactory(
        reference="JGD-2024-001", provider=provider, segment=segment, municipalities=[region["weert"], region["venlo"]]
    )
    return {"segment": segment, "provider": provider, "contract": contract}
