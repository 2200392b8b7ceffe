import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from portal.settings import DEV_SECRET_KEY, resolve_secret_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "key", [None, "", "kort", DEV_SECRET_KEY, "django-insecure-" + "x" * 50, "a" * 49 + "b", "abcd" * 20]
)
def test_no_real_secret_key_without_debug_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        resolve_secret_key(False, key)


def test_real_key_is_used_and_debug_has_a_development_key():
    real = "kortom-een-sleutel-" + "k" * 31
    assert resolve_secret_key(False, real) == real
    assert resolve_secret_key(True, None) == DEV_SECRET_KEY


def test_the_portal_refuses_to_start_with_a_clear_message():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing or not secure" in result.stderr


def test_production_settings_start_with_a_real_key():
    key = "productie-sleutel-" + "p" * 40
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "portaal.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_database_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "nl"
    assert settings.TIME_ZONE == "Europe/Amsterdam"
