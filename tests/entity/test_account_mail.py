"""Invitations and password links through a real SMTP server (aiosmtpd on 127.0.0.1, started
here): a manager creates an account, the invitation arrives, its link lets the user choose a
password once, and logging in works. "Wachtwoord vergeten?" likewise, without telling whether an
address has an account, and throttled."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse

from access.policy import Role
from audit.models import AuditEntry
from tests.entity.test_account_admin import form_values, password_works
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
CHOSEN = "zelf-gekozen-wachtwoord-2026"
LINK = re.compile(r"http://testserver/account/wachtwoord-kiezen/\S+/")


class Inbox:
    """The aiosmtpd handler: every message the server accepted, as parsed e-mail."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 and the portal configured to send through it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Portaal <portaal@example.org>"
    settings.PORTAL_URL = "http://testserver"
    yield inbox
    controller.stop()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message) -> str:
    found = LINK.findall(text_of(message))
    assert len(found) == 1, text_of(message)
    return found[0]


def choose_password(link: str, password: str = CHOSEN):
    """What the user does with the link: open it, type the password twice."""
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert "Kies uw wachtwoord" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    return browser.post(set_url, {"new_password1": password, "new_password2": password}, follow=True)


def create_account(client, **fields):
    url = reverse("admin:auth_user_add")
    data = form_values(client.get(url), "user_form")
    data |= {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
    return client.post(url, data, follow=True)


# --- Invitation ------------------------------------------------------------------------------


def test_an_invitation_arrives_and_its_link_lets_the_user_choose_a_password(client, login, users, smtp):
    manager = login(users["manager"])
    response = create_account(
        manager, username="eva", first_name="Eva", last_name="Maas", email="eva@example.org", roles=[Role.STAFF.value]
    )
    sent = "Er is een uitnodiging om een wachtwoord te kiezen verstuurd naar eva@example.org."
    assert sent in response.content.decode()
    [message] = smtp.to("eva@example.org")
    assert message["Subject"] == "Uw account voor het portaal sociaal domein Limburg-Noord"
    assert message["From"] == "Portaal <portaal@example.org>"
    body = text_of(message)
    assert "Beste Eva Maas," in body and "gebruikersnaam is: eva" in body and "3 dagen" in body
    link = link_in(message)
    assert link in message.get_body(("html",)).get_content()  # the HTML part has the same link
    done = choose_password(link)
    assert "Uw wachtwoord is opgeslagen" in done.content.decode()
    assert password_works(client, "eva", CHOSEN)
    # The link works once.
    again = Client().get(link, follow=True).content.decode()
    assert "Deze link werkt niet meer" in again
    invitation = LogEntry.objects.get(object_id=str(User.objects.get(username="eva").pk), change_message__contains="@")
    assert invitation.user == users["manager"] and "eva@example.org" in invitation.change_message


def test_an_invitation_expires_after_three_days(login, users, smtp, monkeypatch):
    create_account(login(users["manager"]), username="laat", email="laat@example.org", roles=[Role.STAFF.value])
    link = link_in(smtp.to("laat@example.org")[0])
    later = datetime.datetime.now() + datetime.timedelta(days=3, minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert "Deze link werkt niet meer" in Client().get(link, follow=True).content.decode()


def test_when_the_mail_server_is_down_the_account_is_made_and_the_link_can_be_sent_later(login, users, smtp, settings):
    server_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    manager = login(users["manager"])
    response = create_account(manager, username="later", email="later@example.org", roles=[Role.STAFF.value])
    assert response.status_code == 200
    assert "kon niet worden verstuurd" in response.content.decode()
    account = User.objects.get(username="later")
    settings.EMAIL_PORT = server_port  # the server is back
    button = reverse("admin:auth_user_password_link", args=[account.pk])
    assert manager.get(button).status_code == 405
    assert manager.post(button).status_code == 302
    assert len(smtp.to("later@example.org")) == 1


# --- A manager sends a link ------------------------------------------------------------------


def test_a_manager_sends_a_reset_link_and_it_is_recorded(client, login, users, smtp):
    staff = users["staff"]
    staff.email = "sanne@example.org"
    staff.save()
    manager = login(users["manager"])
    response = manager.post(reverse("admin:auth_user_password_link", args=[staff.pk]), follow=True)
    sent = "Er is een link om een nieuw wachtwoord te kiezen verstuurd naar sanne@example.org."
    assert sent in response.content.decode()
    [message] = smtp.to("sanne@example.org")
    assert users["manager"].get_full_name() in text_of(message)  # who sent it
    assert LogEntry.objects.filter(object_id=str(staff.pk), user=users["manager"]).exists()
    assert (
        AuditEntry.objects.filter(object_id=str(staff.pk), content_type__model="user")
        .get()
        .note.startswith("Link om een nieuw wachtwoord te kiezen verstuurd")
    )
    choose_password(link_in(message))
    assert password_works(client, "medewerker", CHOSEN)
    assert not password_works(client, "medewerker", PASSWORD)


def test_the_list_action_sends_links_to_active_accounts_with_an_address(login, users, smtp):
    with_mail = UserFactory(username="met-adres", email="met@example.org", roles=[Role.STAFF.value])
    without = UserFactory(username="zonder-adres", email="", roles=[Role.STAFF.value])
    inactive = UserFactory(username="uit-dienst", email="uit@example.org", is_active=False, roles=[Role.STAFF.value])
    manager = login(users["manager"])
    data = {"action": "send_password_links", "_selected_action": [with_mail.pk, without.pk, inactive.pk]}
    response = manager.post(reverse("admin:auth_user_changelist"), data, follow=True)
    assert "2 accounts kregen geen link" in response.content.decode()
    assert [m["X-Envelope-To"] for m in smtp.messages] == ["met@example.org"]


def test_a_changed_address_is_told_to_the_old_one(login, users, smtp):
    staff = users["staff"]
    staff.email = "oud@example.org"
    staff.save()
    manager = login(users["manager"])
    url = reverse("admin:auth_user_change", args=[staff.pk])
    data = form_values(manager.get(url), "user_form") | {"email": ["nieuw@example.org"]}
    assert manager.post(url, data).status_code == 302
    [notice] = smtp.to("oud@example.org")
    assert "is gewijzigd" in notice["Subject"] and users["manager"].get_full_name() in text_of(notice)
    assert "nieuw@example.org" not in text_of(notice)


# --- "Wachtwoord vergeten?" ------------------------------------------------------------------


def forgot(client: Client, address: str, ip: str = "192.0.2.10"):
    return client.post(reverse("password_reset"), {"email": address}, REMOTE_ADDR=ip)


def test_the_login_page_offers_a_new_password(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in html and "Wachtwoord vergeten?" in html


def test_a_forgotten_password_is_replaced_by_one_the_user_chooses(client, users, smtp):
    staff = users["staff"]
    staff.email = "sanne@example.org"
    staff.save()
    response = forgot(client, "Sanne@Example.org")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [message] = smtp.to("sanne@example.org")
    assert message["Subject"] == "Kies een nieuw wachtwoord voor het portaal sociaal domein Limburg-Noord"
    assert "Hebt u dit niet gevraagd?" in text_of(message)
    choose_password(link_in(message))
    assert password_works(client, "medewerker", CHOSEN)
    assert not password_works(client, "medewerker", PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, users, smtp):
    users["staff"].email = "sanne@example.org"
    users["staff"].save()
    known = forgot(Client(), "sanne@example.org")
    unknown = forgot(Client(), "niemand@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    page = client.get(unknown["Location"]).content.decode()
    assert "Als er een account bij dit adres hoort" in page
    assert [m["X-Envelope-To"] for m in smtp.messages] == ["sanne@example.org"]


def test_an_inactive_account_gets_no_link(client, smtp):
    UserFactory(username="weg", email="weg@example.org", is_active=False)
    assert forgot(client, "weg@example.org").status_code == 302
    assert smtp.messages == []


def test_an_expired_invitation_is_renewed_with_a_forgotten_password(client, smtp):
    UserFactory(username="nooit", email="nooit@example.org").set_unusable_password()
    User.objects.filter(username="nooit").update(password="!nog-niet-gekozen")
    forgot(client, "nooit@example.org")
    [message] = smtp.to("nooit@example.org")
    assert "Uw account" in message["Subject"]  # still an invitation: no password chosen yet
    choose_password(link_in(message))
    assert password_works(client, "nooit", CHOSEN)


def test_requests_for_one_address_are_throttled(client, users, smtp, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    users["staff"].email = "sanne@example.org"
    users["staff"].save()
    for ip in ["192.0.2.1", "192.0.2.2"]:
        assert forgot(client, "sanne@example.org", ip).status_code == 302
    refused = forgot(client, "SANNE@example.org", "192.0.2.3")
    assert refused.status_code == 429
    assert "Te veel aanvragen" in refused.content.decode()
    assert len(smtp.messages) == 2
    # Unknown addresses are throttled alike, so the throttle tells nothing either.
    for ip in ["192.0.2.1", "192.0.2.2"]:
        assert forgot(client, "niemand@example.org", ip).status_code == 302
    assert forgot(client, "niemand@example.org", "192.0.2.3").status_code == 429


def test_requests_from_one_client_are_throttled(client, smtp, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 3
    for n in range(3):
        assert forgot(client, f"iemand{n}@example.org").status_code == 302
    assert forgot(client, "nog-een@example.org").status_code == 429
    assert forgot(client, "nog-een@example.org", ip="198.51.100.7").status_code == 302


def test_the_throttle_forgets_after_the_window(users, settings):
    from accounts import services as accounts

    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    now = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    assert accounts.reset_request_allowed("a@example.org", "192.0.2.1", now=now)
    assert not accounts.reset_request_allowed("a@example.org", "192.0.2.1", now=now + datetime.timedelta(minutes=59))
    assert accounts.reset_request_allowed("a@example.org", "192.0.2.1", now=now + datetime.timedelta(minutes=61))


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
def test_the_public_password_pages_open_without_logging_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.content.decode().startswith("<!DOCTYPE html>")


def test_a_made_up_link_says_it_no_longer_works(client, users):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"})
    assert "Deze link werkt niet meer" in client.get(url).content.decode()


# --- Settings --------------------------------------------------------------------------------


def _settings_with(env: dict[str, str]) -> list[str]:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER, s.PORTAL_URL);"
        "print(s.DEFAULT_FROM_EMAIL)"
    )
    base = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("EMAIL_", "DEFAULT_FROM", "PORTAL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, "DEBUG": "1", **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_mail_goes_through_smtp_from_the_environment_or_to_the_console():
    smtp_line, sender = _settings_with(
        {
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "1",
            "EMAIL_HOST_USER": "portaal",
            "EMAIL_HOST_PASSWORD": "geheim",
            "DEFAULT_FROM_EMAIL": "Portaal <noreply@example.org>",
            "PORTAL_URL": "https://portaal.example.org/",
        }
    )
    assert smtp_line == (
        "django.core.mail.backends.smtp.EmailBackend smtp.example.org 587 True portaal https://portaal.example.org"
    )
    assert sender == "Portaal <noreply@example.org>"
    console_line, _sender = _settings_with({})
    assert console_line.startswith("django.core.mail.backends.console.EmailBackend")
    assert console_line.endswith("http://127.0.0.1:8000")
