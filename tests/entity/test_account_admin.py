"""Accounts and second factors in /beheer/ (issue 13, findings 1 and 2).

A manager keeps the office's accounts but never makes a superuser, never hands out permissions
or groups other than the portal roles, never grants or removes the manager role, and never sets
or sees a password. Second factors: a manager sees that a device exists and can remove it, but
never reads its secret, its QR code or the backup codes."""

from __future__ import annotations

from base64 import b32encode

import lxml.html
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.policy import Role
from tests.factories import UserFactory

LOGIN = reverse("login")
NEW_PASSWORD = "een-nieuw-geheim-2026"


def form_values(response, form_id: str) -> dict[str, list[str]]:
    """What a browser would submit from the page's form as it is (unchecked boxes left out)."""
    form = lxml.html.fromstring(response.content.decode()).get_element_by_id(form_id)
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    return values


def errors(response) -> list[str]:
    """The admin's error messages on a page that was sent back."""
    doc = lxml.html.fromstring(response.content.decode())
    found = doc.xpath("//*[contains(@class, 'errornote')] | //ul[contains(@class, 'errorlist')]/li")
    return [e.text_content().strip() for e in found] or [str(response.status_code)]


def password_works(client, username: str, password: str) -> bool:
    client.logout()
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.fixture
def superuser(db):
    return UserFactory(username="beheerder", is_superuser=True, is_staff=True, roles=[])


# --- Finding 1: a manager made anyone superuser and set passwords ----------------------------


def test_a_manager_cannot_make_anyone_superuser_or_give_permissions(login, users):
    staff = users["staff"]
    manager = login(users["manager"])
    url = reverse("admin:auth_user_change", args=[staff.pk])
    data = form_values(manager.get(url), "user_form")
    data |= {
        "first_name": ["Sanne"],
        "email": ["sanne@example.org"],
        "is_superuser": ["on"],
        "is_staff": ["on"],
        "groups": [str(Group.objects.get(name=Role.MANAGER.value).pk)],
        "user_permissions": [str(Permission.objects.get(codename="change_user").pk)],
    }
    response = manager.post(url, data)
    assert response.status_code == 302, errors(response)
    staff.refresh_from_db()
    assert staff.first_name == "Sanne"  # what a manager may change is saved ...
    assert not staff.is_superuser  # ... what it may not is not
    assert not staff.user_permissions.exists()
    assert set(staff.groups.values_list("name", flat=True)) == {Role.STAFF.value}


def test_the_account_form_has_no_privilege_or_password_fields(login, users):
    manager = login(users["manager"])
    for url in [reverse("admin:auth_user_change", args=[users["staff"].pk]), reverse("admin:auth_user_add")]:
        html = manager.get(url).content.decode()
        for name in ["is_superuser", "user_permissions", 'name="groups"', 'type="password"', "password1", "/password/"]:
            assert name not in html, (url, name)


def test_an_accounts_active_flag_reads_actief_not_the_contract_status(login, users):
    """Walkthrough: the account list and form said "Lopend" (the contract status's word)."""
    from contracts.models import ContractStatus

    manager = login(users["manager"])
    for url in [reverse("admin:auth_user_changelist"), reverse("admin:auth_user_change", args=[users["staff"].pk])]:
        html = manager.get(url).content.decode()
        assert "Lopend" not in html and "Actief" in html, url
    with translation.override("nl"):
        assert str(ContractStatus.ACTIVE.label) == "lopend"


def test_a_manager_cannot_set_a_password(client, login, users):
    manager = login(users["manager"])
    url = f"/beheer/auth/user/{users['staff'].pk}/password/"
    response = manager.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code in (403, 404)
    assert not password_works(client, "medewerker", NEW_PASSWORD)


def test_a_password_posted_with_a_new_account_is_ignored(client, login, users, mailoutbox):
    manager = login(users["manager"])
    data = form_values(manager.get(reverse("admin:auth_user_add")), "user_form")
    data |= {
        "username": ["nieuw"],
        "email": ["nieuw@example.org"],
        "first_name": ["Nina"],
        "last_name": ["Nieuw"],
        "password1": [NEW_PASSWORD],
        "password2": [NEW_PASSWORD],
        "usable_password": ["true"],
    }
    response = manager.post(reverse("admin:auth_user_add"), data)
    assert response.status_code == 302, errors(response)
    user = User.objects.get(username="nieuw")
    assert not user.has_usable_password()
    assert not password_works(client, "nieuw", NEW_PASSWORD)


# --- Finding 2: a manager read every user's TOTP secret --------------------------------------


def _secret(key: str) -> str:
    return b32encode(bytes.fromhex(key)).decode()


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_nobody_reads_a_device_secret_in_the_admin(login, users, superuser, who):
    device = TOTPDevice.objects.create(user=users["staff"], name="Authenticator-app", confirmed=True)
    client = login(superuser if who == "superuser" else users["manager"])
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert device.key not in html and _secret(device.key) not in html
    assert "otpauth://" not in html
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert "/config/" not in listing and "qrcode" not in listing.lower()
    for suffix in ["config", "qrcode"]:
        assert client.get(f"/beheer/otp_totp/totpdevice/{device.pk}/{suffix}/").status_code in (403, 404), suffix


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_nobody_reads_backup_codes_in_the_admin(login, users, superuser, who):
    device = StaticDevice.objects.create(user=users["staff"], name="Herstelcodes", confirmed=True)
    token = StaticToken.objects.create(device=device, token="geheim42")
    client = login(superuser if who == "superuser" else users["manager"])
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert token.token not in page.content.decode()


# --- What a manager does keep: the office's accounts -----------------------------------------


def _add(client, **fields) -> tuple:
    url = reverse("admin:auth_user_add")
    data = form_values(client.get(url), "user_form")
    data |= {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
    return client.post(url, data), url


def test_a_manager_creates_an_account_with_roles_a_contact_link_and_a_seat(login, users, region, mailoutbox):
    manager = login(users["manager"])
    response, _url = _add(
        manager,
        username="nieuwe-collega",
        first_name="Eva",
        last_name="Maas",
        email="eva.maas@example.org",
        roles=[Role.STAFF.value, Role.CONTACT.value],
        **{
            "municipality_contact-TOTAL_FORMS": "1",
            "municipality_contact-0-municipality": str(region["weert"].pk),
            "board_seats-TOTAL_FORMS": "1",
            "board_seats-0-municipality": str(region["weert"].pk),
            "board_seats-0-body": "DB",
            "board_seats-0-position": "member",
            "board_seats-0-start_date": "01-01-2026",
        },
    )
    assert response.status_code == 302, errors(response)
    user = User.objects.get(username="nieuwe-collega")
    assert (user.first_name, user.last_name, user.email) == ("Eva", "Maas", "eva.maas@example.org")
    assert user.is_active
    assert set(user.groups.values_list("name", flat=True)) == {Role.STAFF.value, Role.CONTACT.value}
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.municipality_contact.municipality == region["weert"]
    assert user.board_seats.get().body == "DB"
    assert [m.to for m in mailoutbox] == [["eva.maas@example.org"]]


def test_a_manager_deactivates_renames_and_changes_roles(login, users):
    staff = users["staff"]
    manager = login(users["manager"])
    url = reverse("admin:auth_user_change", args=[staff.pk])
    data = form_values(manager.get(url), "user_form")
    data |= {"last_name": ["Jacobs-Vos"], "email": ["s.jacobs@example.org"], "roles": [Role.KWARTIERMAKER.value]}
    data.pop("is_active")
    response = manager.post(url, data)
    assert response.status_code == 302, errors(response)
    staff.refresh_from_db()
    assert (staff.last_name, staff.email, staff.is_active) == ("Jacobs-Vos", "s.jacobs@example.org", False)
    assert set(staff.groups.values_list("name", flat=True)) == {Role.KWARTIERMAKER.value}


def test_a_new_account_needs_an_unused_email_address(login, users):
    users["staff"].email = "sanne@example.org"
    users["staff"].save()
    response, _url = _add(login(users["manager"]), username="dubbel", email="Sanne@Example.org")
    assert response.status_code == 200
    assert "Er is al een account met dit e-mailadres." in errors(response)
    assert not User.objects.filter(username="dubbel").exists()


def test_a_manager_cannot_grant_the_manager_role(login, users):
    manager = login(users["manager"])
    html = manager.get(reverse("admin:auth_user_add")).content.decode()
    assert f'value="{Role.MANAGER.value}"' not in html
    response, _url = _add(manager, username="stiekem", email="s@example.org", roles=[Role.MANAGER.value])
    assert response.status_code == 200
    assert not User.objects.filter(username="stiekem").exists()
    url = reverse("admin:auth_user_change", args=[users["staff"].pk])
    data = form_values(manager.get(url), "user_form") | {"email": ["x@example.org"], "roles": [Role.MANAGER.value]}
    assert manager.post(url, data).status_code == 200
    assert not users["staff"].groups.filter(name=Role.MANAGER.value).exists()


def test_another_managers_or_a_superusers_account_is_read_only_for_a_manager(login, users, superuser):
    other = UserFactory(username="tweede-leidinggevende", roles=[Role.MANAGER.value], is_staff=True)
    manager = login(users["manager"])
    for account in [other, superuser]:
        url = reverse("admin:auth_user_change", args=[account.pk])
        page = manager.get(url)
        assert page.status_code == 200
        assert 'name="roles"' not in page.content.decode() and 'name="email"' not in page.content.decode()
        data = {"username": account.username, "email": "overgenomen@example.org", "roles": [], "is_active": ""}
        assert manager.post(url, data).status_code == 403
        link = reverse("admin:auth_user_password_link", args=[account.pk])
        assert manager.post(link).status_code == 403
        account.refresh_from_db()
        assert account.is_active and account.email != "overgenomen@example.org"
    assert other.groups.filter(name=Role.MANAGER.value).exists()
    assert manager.post(reverse("admin:auth_user_delete", args=[users["staff"].pk]), {"post": "yes"}).status_code == 403


def test_a_manager_keeps_its_own_role_and_stays_active(login, users):
    me = users["manager"]
    manager = login(me)
    url = reverse("admin:auth_user_change", args=[me.pk])
    data = form_values(manager.get(url), "user_form")
    data |= {"first_name": ["Mark"], "email": ["mark@example.org"], "roles": [Role.STAFF.value], "is_active": []}
    before = me.email
    response = manager.post(url, data)
    assert response.status_code == 302, errors(response)
    me.refresh_from_db()
    # Its own address is changed by another manager (see the test at the end of this file).
    assert (me.first_name, me.email, me.is_active) == ("Mark", before, True)
    assert set(me.groups.values_list("name", flat=True)) == {Role.MANAGER.value}


def test_only_a_superuser_grants_and_removes_the_manager_role(login, users, superuser):
    staff = users["staff"]
    root = login(superuser)
    url = reverse("admin:auth_user_change", args=[staff.pk])
    data = form_values(root.get(url), "user_form") | {"email": ["sanne@example.org"]}
    response = root.post(url, data | {"roles": [Role.STAFF.value, Role.MANAGER.value]})
    assert response.status_code == 302, errors(response)
    staff.refresh_from_db()
    assert staff.groups.filter(name=Role.MANAGER.value).exists() and staff.is_staff  # may open /beheer/
    assert not staff.is_superuser
    response = root.post(url, data | {"roles": [Role.STAFF.value]})
    assert response.status_code == 302, errors(response)
    staff.refresh_from_db()
    assert not staff.groups.filter(name=Role.MANAGER.value).exists() and not staff.is_staff


def test_roles_and_their_permissions_are_read_only_for_a_manager(login, users):
    group = Group.objects.get(name=Role.STAFF.value)
    manager = login(users["manager"])
    assert manager.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200
    permission = Permission.objects.get(codename="change_user")
    data = {"name": group.name, "permissions": [permission.pk]}
    assert manager.post(reverse("admin:auth_group_change", args=[group.pk]), data).status_code == 403
    assert manager.get(reverse("admin:auth_group_add")).status_code == 403
    assert not group.permissions.filter(pk=permission.pk).exists()


def test_the_list_shows_roles_and_offers_to_send_a_link(login, users):
    page = login(users["manager"]).get(reverse("admin:auth_user_changelist")).content.decode()
    assert "Medewerker" in page and "send_password_links" in page
    assert "delete_selected" not in page  # accounts are deactivated, not deleted


# --- The same rules without the admin: the model layer refuses too ---------------------------


@pytest.mark.parametrize(
    "change",
    [
        "superuser",
        "join_manager_group",
        "group_gains_member",
        "clear_groups",
        "user_permission",
        "group_permission",
    ],
)
def test_no_code_acting_for_a_manager_grants_privileges(users, change):
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from audit.context import acting_as

    staff, boss = users["staff"], users["manager"]
    managers = Group.objects.get(name=Role.MANAGER.value)
    permission = Permission.objects.get(codename="change_user")
    actions = {
        "superuser": lambda: (setattr(staff, "is_superuser", True), staff.save()),
        "join_manager_group": lambda: staff.groups.add(managers),
        "group_gains_member": lambda: managers.user_set.add(staff),
        "clear_groups": lambda: boss.groups.clear(),
        "user_permission": lambda: staff.user_permissions.add(permission),
        "group_permission": lambda: Group.objects.get(name=Role.STAFF.value).permissions.add(permission),
    }
    # In a request the whole request is rolled back; here the savepoint is.
    with acting_as(boss), pytest.raises(PermissionDenied), transaction.atomic():
        actions[change]()
    staff.refresh_from_db()
    assert not staff.is_superuser and not staff.groups.filter(name=Role.MANAGER.value).exists()
    assert boss.groups.filter(name=Role.MANAGER.value).exists()


def test_a_superuser_and_the_server_itself_may(users, superuser):
    from audit.context import acting_as

    staff = users["staff"]
    managers = Group.objects.get(name=Role.MANAGER.value)
    with acting_as(superuser):
        staff.groups.add(managers)
    staff.is_superuser = True
    staff.save()  # no user acting: createsuperuser, a migration, the shell
    assert staff.groups.filter(pk=managers.pk).exists()


# --- Second factors: seen and removed, nothing more ------------------------------------------


def test_a_manager_sees_and_removes_a_device_and_the_removal_is_recorded(login, users):
    from django.contrib.admin.models import LogEntry

    from audit.models import AuditEntry

    staff = users["staff"]
    device = TOTPDevice.objects.create(user=staff, name="Authenticator-app", confirmed=True)
    manager = login(users["manager"])
    listing = manager.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert "medewerker" in listing and "Authenticator-app" in listing
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    assert manager.post(change, {"name": "x", "key": "00" * 20}).status_code == 403
    assert manager.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert manager.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
    response = manager.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    entry = LogEntry.objects.filter(object_id=str(staff.pk), content_type__model="user").get()
    assert entry.user == users["manager"] and "Authenticator-app" in entry.change_message
    trail = AuditEntry.objects.filter(object_id=str(staff.pk), content_type__model="user")
    assert trail.get().actor == users["manager"]


# --- Found in the walkthrough: a manager's own second factor and own address -------------------


def verified_manager(client, users) -> tuple:
    """The manager with an authenticator app, logged in with a code from it."""
    from django_otp.oath import TOTP

    manager = users["manager"]
    device = TOTPDevice.objects.create(user=manager, name="Mijn telefoon", confirmed=True)
    client.force_login(manager)
    token = f"{TOTP(device.bin_key).token():06d}"
    assert client.post(reverse("account:two_factor_verify"), {"code": token, "next": "/"}).status_code == 302
    return client, device


def test_a_manager_does_not_remove_their_own_second_factor_in_the_admin(client, users):
    """Otherwise a session left open is enough to switch two-factor off without a code; the own
    page (Uitschakelen) asks for a current code."""
    client, device = verified_manager(client, users)
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"}
    client.post(reverse("admin:otp_totp_totpdevice_changelist"), bulk)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_manager_does_not_reset_their_own_second_factor(client, users):
    client, device = verified_manager(client, users)
    response = client.post(reverse("account:two_factor_reset", args=[users["manager"].pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    listing = client.get(reverse("account:two_factor_users")).content.decode()
    assert reverse("account:two_factor_reset", args=[users["manager"].pk]) not in listing


def test_a_manager_does_not_change_their_own_address_in_the_admin(login, users):
    """A changed address plus a reset link would hand the account to whoever sits at an open
    session; another manager changes it, and the old address is told."""
    manager = users["manager"]
    client = login(manager)
    url = reverse("admin:auth_user_change", args=[manager.pk])
    data = form_values(client.get(url), "user_form")
    data["email"] = ["aanvaller@example.net"]
    client.post(url, data)
    manager.refresh_from_db()
    assert manager.email != "aanvaller@example.net"
