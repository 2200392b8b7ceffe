import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from entity.models import BoardSeat, Function, Membership, Module, MunicipalityContact
from municipalities.models import Municipality, PopulationCount

MODELS = [Municipality, PopulationCount, Module, Membership, BoardSeat, MunicipalityContact, User]


def snapshot():
    return {m.__name__: sorted(map(str, m.objects.values_list())) for m in MODELS} | {
        "passwords": sorted(User.objects.values_list("password", flat=True))
    }


def test_load_demo_is_idempotent_and_prints_logins(db):
    out = io.StringIO()
    call_command("load_demo", "--allow-demo-users", stdout=out)
    first = snapshot()
    for username in ["medewerker", "leidinggevende", "db", "ab", "kwartiermaker", "weert"]:
        assert username in out.getvalue()
    out = io.StringIO()
    call_command("load_demo", "--allow-demo-users", stdout=out)
    assert "0 rows created" in out.getvalue()
    assert snapshot() == first


def test_demo_logins_work_for_every_role(client, db):
    call_command("load_demo", "--allow-demo-users", stdout=io.StringIO())
    for username in ["medewerker", "leidinggevende", "db", "ab", "kwartiermaker", "weert", "venlo"]:
        # Through the login form: django-axes needs the request, which Client.login() does not pass.
        response = client.post(reverse("login"), {"username": username, "password": "demo-portaal-2026"})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200
        client.logout()
    response = client.post(reverse("login"), {"username": "ab-roermond", "password": "demo-portaal-2026"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_demo_users_need_debug_or_explicit_consent(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known password"):
        call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", "--reference-only", stdout=io.StringIO())
    assert Municipality.objects.count() == 14
    assert not User.objects.exists()


def test_roles_and_functions_come_from_the_migration(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Medewerker",
        "Leidinggevende",
        "Dagelijks bestuur",
        "Algemeen bestuur",
        "Kwartiermaker",
        "Gemeentelijk contactpersoon",
    }
    assert Function.objects.count() == 8


def test_manager_group_can_keep_reference_data_in_admin(db):
    perms = set(Group.objects.get(name="Leidinggevende").permissions.values_list("codename", flat=True))
    assert {"change_membership", "add_populationcount", "change_boardseat", "add_municipalitycontact"} <= perms
