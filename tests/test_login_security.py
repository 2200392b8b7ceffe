"""Login throttling (django-axes) and two-factor login (django-otp): lockout, unlock, enrolment,
the second login step, the policy per role and the manager's reset of a lost phone."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.policy import Role
from accounts.models import TwoFactorPolicy
from tests.factories import PASSWORD

LOCKED = "Te veel mislukte inlogpogingen"
LOGIN = reverse("login")


def text(response) -> str:
    return response.content.decode()


def post_login(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client, username: str, times: int, **extra):
    response = None
    for _i in range(times):
        response = post_login(client, username, "verkeerd-wachtwoord", **extra)
    return response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Lockout ---------------------------------------------------------------------------------


def test_four_failures_still_allow_the_right_password(client, users):
    response = fail(client, "medewerker", 4)
    assert response.status_code == 200 and LOCKED not in text(response)
    assert post_login(client, "medewerker", PASSWORD).status_code == 302
    assert logged_in(client)


def test_fifth_failure_locks_out_with_a_dutch_page(client, users):
    assert fail(client, "medewerker", 4).status_code == 200
    response = fail(client, "medewerker", 1)
    assert response.status_code == 429
    html = text(response)
    assert LOCKED in html and "30 minuten" in html and "leidinggevende" in html
    assert 'role="alert"' in html and "Direct naar de inhoud" in html  # the portal's own page
    assert 'name="username"' in html and 'value="medewerker"' in html
    # Even the right password does not get in now.
    response = post_login(client, "medewerker", PASSWORD)
    assert response.status_code == 429 and LOCKED in text(response)
    assert not logged_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_lockout_is_per_username_and_address(client, users):
    fail(client, "medewerker", 5)
    # Someone else at the same address, and the same user elsewhere, still log in.
    assert post_login(client, "leidinggevende", PASSWORD).status_code == 302
    client.logout()
    assert post_login(client, "medewerker", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_successful_login_clears_the_count(client, users):
    fail(client, "medewerker", 4)
    assert post_login(client, "medewerker", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "medewerker", 4).status_code == 200
    assert AccessLog.objects.filter(username="medewerker").exists()  # axes logs the logins


def test_manager_unlocks_and_then_the_password_works(client, login, users):
    fail(client, "medewerker", 5)
    attempt = AccessAttempt.objects.get(username="medewerker")
    manager = login(users["manager"])
    html = text(manager.get(reverse("account:lockouts")))
    assert "medewerker" in html and "127.0.0.1" in html and "Ontgrendelen" in html and "Geblokkeerd tot" in html
    response = manager.post(reverse("account:unlock", args=[attempt.pk]), follow=True)
    assert "medewerker kan weer inloggen" in text(response)
    assert not AccessAttempt.objects.filter(username="medewerker").exists()
    entry = LogEntry.objects.get(object_id=str(users["staff"].pk))
    assert entry.user == users["manager"] and "ontgrendeld" in entry.change_message
    manager.logout()
    assert post_login(client, "medewerker", PASSWORD).status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize("role", ["staff", "db", "ab", "kwartiermaker", "contact_weert", "norole"])
def test_only_managers_see_and_unlock_lockouts(client, login, users, role):
    fail(client, "medewerker", 5)
    attempt = AccessAttempt.objects.get(username="medewerker")
    other = login(users[role])
    assert other.get(reverse("account:lockouts")).status_code == 403
    assert other.post(reverse("account:unlock", args=[attempt.pk])).status_code == 403
    assert AccessAttempt.objects.filter(username="medewerker").exists()


def test_unlock_is_post_only_and_unknown_is_404(login, users):
    manager = login(users["manager"])
    assert manager.get(reverse("account:unlock", args=[1])).status_code == 405
    assert manager.post(reverse("account:unlock", args=[999])).status_code == 404


# --- Two-factor: enrolment -------------------------------------------------------------------


def enrol(client) -> TOTPDevice:
    """Open the enrolment page, compute the code from the pending secret and confirm it."""
    response = client.get(reverse("account:two_factor_enrol"))
    assert response.status_code == 200
    key = client.session["two_factor_pending_key"]
    html = text(response)
    assert response.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert "<svg" in html and 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    response = client.post(reverse("account:two_factor_enrol"), {"code": f"{TOTP(bytes.fromhex(key)).token():06d}"})
    assert response.status_code == 302 and response["Location"] == reverse("account:two_factor")
    return TOTPDevice.objects.get(key=key)


def test_user_switches_two_factor_on(login, users):
    client = login(users["staff"])
    device = enrol(client)
    assert device.user == users["staff"] and device.confirmed
    html = text(client.get(reverse("account:two_factor")))
    assert "Tweestapsverificatie staat aan" in html
    codes = list(StaticToken.objects.filter(device__user=users["staff"]).values_list("token", flat=True))
    assert len(codes) == 8 and all(code in html for code in codes)
    # The backup codes are shown once only.
    assert codes[0] not in text(client.get(reverse("account:two_factor")))
    assert client.get(reverse("home")).status_code == 200  # this session is verified by enrolling


def test_wrong_first_code_saves_nothing(login, users):
    client = login(users["staff"])
    client.get(reverse("account:two_factor_enrol"))
    key = client.session["two_factor_pending_key"]
    wrong = f"{(TOTP(bytes.fromhex(key)).token() + 1) % 1_000_000:06d}"
    for code in [wrong, "abcdef", ""]:
        response = client.post(reverse("account:two_factor_enrol"), {"code": code})
        assert response.status_code == 200
    assert "Deze code is niet juist" in text(response) or "Voer de code" in text(response)
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


# --- Two-factor: the login step --------------------------------------------------------------


@pytest.fixture
def device(users) -> TOTPDevice:
    return TOTPDevice.objects.create(user=users["staff"], name="app", confirmed=True)


def code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{(TOTP(device.bin_key).token() + offset) % 1_000_000:06d}"


def test_login_with_a_device_asks_for_the_code(client, users, device):
    response = post_login(client, "medewerker", PASSWORD)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    verify = reverse("account:two_factor_verify")
    assert response.status_code == 302 and response["Location"] == f"{verify}?next=%2F"
    for url in [reverse("contracts:list"), reverse("account:two_factor"), reverse("admin:index")]:
        assert client.get(url)["Location"].startswith(verify)
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["nav_items"] == []
    response = client.post(verify, {"code": code(device, 1), "next": "/"})
    assert response.status_code == 200 and "Deze code is niet juist" in text(response)
    assert client.get(reverse("home")).status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the throttle is tested on its own below
    device.save()
    response = client.post(verify, {"code": code(device), "next": "/gemeenten/"})
    assert response.status_code == 302 and response["Location"] == "/gemeenten/"
    assert client.get(reverse("home")).status_code == 200


def test_wrong_codes_are_throttled(client, users, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's wait after one wrong code: no timing in the test
    post_login(client, "medewerker", PASSWORD)
    verify = reverse("account:two_factor_verify")
    client.post(verify, {"code": code(device, 1)})
    response = client.post(verify, {"code": code(device)})
    assert response.status_code == 200 and "Te veel onjuiste codes" in text(response)
    assert client.get(reverse("home")).status_code == 302


def test_backup_code_works_once(client, users, device):
    static = StaticDevice.objects.create(user=users["staff"], name="codes", confirmed=True)
    static.token_set.create(token="abcd2345")
    post_login(client, "medewerker", PASSWORD)
    verify = reverse("account:two_factor_verify")
    assert client.post(verify, {"backup_code": "ABCD 2345"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    post_login(client, "medewerker", PASSWORD)
    response = client.post(verify, {"backup_code": "abcd2345"})
    assert response.status_code == 200 and "Deze code is niet juist" in text(response)


def test_no_second_phone_before_the_code(client, users, device):
    post_login(client, "medewerker", PASSWORD)
    response = client.get(reverse("account:two_factor_enrol"))
    assert response.status_code == 302 and response["Location"] == reverse("account:two_factor_verify")


def test_verify_page_without_device_goes_on(login, users):
    response = login(users["staff"]).get(reverse("account:two_factor_verify"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_user_switches_two_factor_off_with_a_code(login, users):
    client = login(users["staff"])
    device = enrol(client)
    device.last_t = -1  # the enrolment's code may still be current: allow a fresh one
    device.save()
    response = client.post(reverse("account:two_factor_disable"), {"code": code(device, 1)}, follow=True)
    assert "staat nog aan" in text(response) and TOTPDevice.objects.exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    response = client.post(reverse("account:two_factor_disable"), {"code": code(device)}, follow=True)
    assert "staat uit" in text(response)
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


# --- Two-factor: the policy per role ---------------------------------------------------------


def require(*roles: Role) -> None:
    for role in roles:
        TwoFactorPolicy.objects.update_or_create(group=Group.objects.get(name=role.value), defaults={"required": True})


def test_default_requires_nothing(login, users):
    assert not TwoFactorPolicy.objects.filter(required=True).exists()
    for user in users.values():
        assert login(user).get(reverse("home")).status_code == 200


def test_required_role_must_enrol_before_anything_else(login, users):
    require(Role.GENERAL_BOARD)
    client = login(users["ab"])
    enrol_url = reverse("account:two_factor_enrol")
    for url in [reverse("home"), reverse("budgeting:list"), reverse("password_change"), "/beheer/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(enrol_url), url
    assert client.get(reverse("account:two_factor_verify"))["Location"] == enrol_url
    page = client.get(enrol_url)
    assert "Uw rol vereist tweestapsverificatie" in text(page)
    assert client.get("/static/css/portal.css").status_code in (200, 404)  # never sent to enrol
    enrol(client)
    assert client.get(reverse("home")).status_code == 200
    # Others are not affected; switching off is refused while the role requires it.
    assert login(users["staff"]).get(reverse("home")).status_code == 200
    client = login(users["ab"])  # a new session: the code is asked again
    assert client.get(reverse("home"))["Location"].startswith(reverse("account:two_factor_verify"))


def test_after_forced_enrolment_the_user_continues_to_the_page_asked_for(login, users):
    require(Role.GENERAL_BOARD)
    client = login(users["ab"])
    sent_to = client.get(reverse("budgeting:list"))["Location"]
    assert client.get(sent_to).status_code == 200
    key = client.session["two_factor_pending_key"]
    response = client.post(sent_to, {"code": f"{TOTP(bytes.fromhex(key)).token():06d}"}, follow=True)
    page = text(response)
    assert "Uw herstelcodes" in page  # the codes first: they are shown only once
    assert f'href="{reverse("budgeting:list")}"' in page and "Ik heb de codes bewaard: verder" in page
    # Only once: the account page itself offers no "continue" afterwards.
    assert "Ik heb de codes bewaard" not in text(client.get(reverse("account:two_factor")))


def test_required_role_cannot_switch_off(login, users):
    client = login(users["ab"])
    device = enrol(client)
    require(Role.GENERAL_BOARD)
    device.last_t = -1
    device.save()
    response = client.post(reverse("account:two_factor_disable"), {"code": code(device)}, follow=True)
    assert "kan niet worden uitgeschakeld" in text(response)
    assert TOTPDevice.objects.filter(user=users["ab"]).exists()


def test_logout_is_possible_during_the_step(login, users):
    require(Role.GENERAL_BOARD)
    client = login(users["ab"])
    assert client.post(reverse("logout")).status_code == 302
    assert not logged_in(client)


def test_manager_sets_the_policy(login, users):
    manager = login(users["manager"])
    page = text(manager.get(reverse("account:two_factor_policy")))
    assert all(role.value in page for role in Role)
    response = manager.post(reverse("account:two_factor_policy"), {"roles": ["Algemeen bestuur", "Dagelijks bestuur"]})
    assert response.status_code == 302
    required = TwoFactorPolicy.objects.filter(required=True)
    assert {p.group.name for p in required} == {"Algemeen bestuur", "Dagelijks bestuur"}
    assert all(p.changed_by == users["manager"] for p in required)
    assert manager.post(reverse("account:two_factor_policy"), {"roles": ["Baas"]}).status_code == 200
    assert TwoFactorPolicy.objects.filter(required=True).count() == 2
    manager.post(reverse("account:two_factor_policy"), {})
    assert not TwoFactorPolicy.objects.filter(required=True).exists()


@pytest.mark.parametrize("role", ["staff", "db", "ab", "kwartiermaker", "contact_weert", "norole"])
def test_policy_and_device_pages_are_for_managers(login, users, colleague, role):
    device = TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    client = login(users[role])
    assert client.get(reverse("account:two_factor_policy")).status_code == 403
    assert client.post(reverse("account:two_factor_policy"), {"roles": ["Medewerker"]}).status_code == 403
    assert client.get(reverse("account:two_factor_users")).status_code == 403
    assert client.post(reverse("account:two_factor_reset", args=[colleague.pk])).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not TwoFactorPolicy.objects.exists()


def test_manager_resets_a_lost_phone(login, users, device):
    StaticDevice.objects.create(user=users["staff"], name="codes", confirmed=True)
    manager = login(users["manager"])
    assert "medewerker" in text(manager.get(reverse("account:two_factor_users")))
    assert manager.get(reverse("account:two_factor_reset", args=[users["staff"].pk])).status_code == 405
    response = manager.post(reverse("account:two_factor_reset", args=[users["staff"].pk]), follow=True)
    assert "medewerker zijn verwijderd" in text(response)
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    entry = LogEntry.objects.get(object_id=str(users["staff"].pk))
    assert entry.user == users["manager"] and "verwijderd" in entry.change_message
    assert manager.post(reverse("account:two_factor_reset", args=[9999])).status_code == 404


def test_management_shows_lockouts_devices_and_policy(login, users, device):
    manager = login(users["manager"])
    for name in [
        "admin:axes_accessattempt_changelist",
        "admin:axes_accesslog_changelist",
        "admin:otp_totp_totpdevice_changelist",
        "admin:otp_static_staticdevice_changelist",
        "admin:accounts_twofactorpolicy_changelist",
    ]:
        assert manager.get(reverse(name)).status_code == 200, name
    # Reading and removing, never making a device for someone else (whose secret it would know).
    assert manager.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert manager.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])).status_code == 200


def test_the_login_logs_cannot_be_deleted_by_a_manager(client, login, users):
    fail(client, "medewerker", 1)
    post_login(client, "medewerker", PASSWORD)
    log = AccessLog.objects.filter(username="medewerker").first()
    manager = login(users["manager"])
    assert manager.get(reverse("admin:axes_accesslog_change", args=[log.pk])).status_code == 200
    assert manager.get(reverse("admin:axes_accesslog_delete", args=[log.pk])).status_code == 403
    page = manager.get(reverse("admin:axes_accesslog_changelist")).content.decode()
    assert "delete_selected" not in page
    assert manager.post(reverse("admin:axes_accesslog_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=log.pk).exists()


def test_superuser_counts_as_manager_for_the_policy(login, db):
    from tests.factories import UserFactory

    require(Role.MANAGER)
    root = UserFactory(username="root", is_superuser=True, is_staff=True, roles=[])
    response = login(root).get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account:two_factor_enrol"))


def test_address_behind_a_proxy(rf, settings):
    from accounts.login_security import client_ip

    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # no proxy configured: the header is not trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what the proxy saw, not what the client claimed
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="nonsense")) == "10.0.0.1"


def test_lockout_behind_a_proxy_keeps_clients_apart(client, users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    fail(client, "medewerker", 5, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert post_login(client, "medewerker", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert post_login(client, "medewerker", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
