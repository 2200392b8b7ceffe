"""Settings for the portal, read from environment variables.

DATABASE_URL  unset: an SQLite file in the project folder; ``postgres://…``: PostgreSQL.
SECRET_KEY    required when DEBUG is off; the portal refuses to start without a real one.
CLIENT_PSEUDONYM_KEY  the secret of the clients' pseudonyms (>= 32 characters); without it, with
              DEBUG off, message imports are refused. Keep it as you keep SECRET_KEY (README).
DEBUG         "1"/"true"/"yes" to switch on; off by default so production is safe by default.
ALLOWED_HOSTS comma-separated host names.
PORTAL_URL    the portal's address as users reach it, for links in e-mails.
EMAIL_HOST    the SMTP server (with EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
              DEFAULT_FROM_EMAIL); unset: mails are printed on the console.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "insecure-development-key-only-for-debug-mode"


def resolve_secret_key(debug: bool, key: str | None) -> str:
    """Return the key to use, or refuse: production must never run on a guessable key."""
    # The same bar as Django's deploy check (security.W009): 50 characters, 5 distinct.
    strong = len(key or "") >= 50 and len(set(key or "")) >= 5
    if strong and key != DEV_SECRET_KEY and not key.startswith("django-insecure"):
        return key
    if debug:
        return key or DEV_SECRET_KEY
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or not secure (at least 50 random characters, not a development "
        "key) while DEBUG is off. Set SECRET_KEY in the environment, for example with: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))", '
        "or set DEBUG=1 for local development."
    )


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = resolve_secret_key(DEBUG, os.environ.get("SECRET_KEY"))
# The secret of the clients' pseudonyms (portal/pseudonyms.py). Never in the database or a backup;
# `make run` generates one once in .client-key. Without it (DEBUG off) message imports are refused.
DEV_CLIENT_PSEUDONYM_KEY = "development-pseudonym-key-only-for-debug-mode-and-tests"
CLIENT_PSEUDONYM_KEY = os.environ.get("CLIENT_PSEUDONYM_KEY", "").strip() or (DEV_CLIENT_PSEUDONYM_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The monitor caches its pages' sums per version of its figures (monitor/queries.py); each process
# its own copy, never stale (the version is read from the database on every request).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "monitor": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "monitor",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tables2",
    "django_filters",
    "csp",
    # Shared helpers (money, uploads, the template filters of {% load portal %}); the project itself.
    "portal",
    # The access policy: roles and what each may do.
    "access",
    "entity",
    "municipalities",
    "contracts",
    "budgeting",
    "transition",
    # The municipalities' message traffic (iJw/iWmo 301, 323, 325): allocations and returns.
    "traffic",
    # Steering information on the message traffic: stored figures, pages, signals.
    "monitor",
    "audit",
    # Logging in: accounts, passwords, lockouts and the second factor (also in /beheer/).
    "accounts",
    # The pages that combine every app: the home page, the navigation, the demo loader.
    "pages",
    # Operating the portal: backup and restore.
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database connection: a Dutch 503 page ("nothing was saved, try again"), not a 500.
    "portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who acts, for the audit trail's signal handlers; cleared after every request.
    "audit.middleware.CurrentUserMiddleware",
    # request.user.is_verified(); then our rule: who has (or must have) a second factor uses it.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication (its page shows the navigation), before CSRF's view check reads the body.
    "portal.middleware.request_size_limit",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every page needs a login, except the login page itself (Django 5.1+).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, so it turns the lockout flag of a login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Every request is one transaction: a change and its audit-trail entry are saved together or not
# at all, also where a view saves without its own atomic block; an error rolls both back.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; the timeout avoids "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's queries are short: PostgreSQL's JIT compiling them cost more than it saved (the
    # monitor's uptake of allocations: 1.05 of 1.46 s compiling on the 5,000,000-line benchmark).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object; anonymous users see nothing.
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes). Locked per username AND address: guessing one user's password
# from one address stops after 5 failures for 30 minutes, while an attacker elsewhere cannot lock
# a colleague out (a lock on the username alone would let anyone lock every known user out), and
# a municipality's shared NAT address is not locked for all its users (a lock on the address
# alone). A successful login clears the count; a manager unlocks early on /account/blokkades/.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.security_views.lockout_response"
# Behind a reverse proxy every request comes from the proxy: TRUSTED_PROXY_COUNT (the number of
# proxies in front) makes the client's address come from X-Forwarded-For, as the proxies wrote it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.login_security.client_ip"
# Two-factor login (django-otp): the name authenticator apps show next to the code.
OTP_TOTP_ISSUER = "Portaal sociaal domein Limburg-Noord"
# A device's secret (key, QR code, backup codes) is shown to its owner once, during enrolment,
# and never in /beheer/ (accounts/admin.py registers admins without them as well).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Nobody sets someone else's password: a new account gets an invitation with a one-time link to
# choose one, and "Wachtwoord vergeten?" sends the same kind of link (Django's token generator:
# the link stops working once used, when the e-mail address changes, and after three days).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60
# "Wachtwoord vergeten?" answers at most this many requests per e-mail address and per client
# address within the window; more gets a friendly 429 page (accounts/services.py).
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_LIMIT_PER_IP = 10
PASSWORD_RESET_WINDOW = datetime.timedelta(hours=1)
# Links in e-mails are built from this address, never from the request's Host header.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# E-mail (invitations, password links) through SMTP, configured with Django's own names. Without
# EMAIL_HOST (as in `make run`) mails are printed on the console, so a newcomer sees them.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that does not answer must not hold a request (and a worker) forever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portaal sociaal domein <portaal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# Dutch formats (31-12-2025, € 1.234,56) come from portal/formats/nl.
FORMAT_MODULE_PATH = ["portal.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded documents (council decisions): outside the web root, never served by URL; a view
# checks access and streams them. With several application servers this is a shared volume.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "uploads"))
# A council decision is a PDF of a few pages; larger files are refused with a message.
DECISION_FILE_MAX_BYTES = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads (CSV imports) are read in memory up to this size and refused above the limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production is served over HTTPS only (behind a TLS proxy that sets X-Forwarded-Proto), so by
# default without DEBUG: redirect http, HSTS for a year, cookies only over HTTPS. HTTPS=0 is for
# a portal on plain http on 127.0.0.1 (`make run`, `make bench`); each part can be set alone.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (365 * 24 * 60 * 60 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if HTTPS:
    # Trust the proxy's header only when a proxy terminates TLS; it must overwrite the header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp), also with DEBUG so a violation shows up in development
# and in the browser tests: only the portal's own scripts, styles, images and fonts; no inline
# code at all, no plugins, no framing, forms post only to the portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}
# A request body above this is refused with 413 before any view reads it (imports allow 20 MB).
MAX_REQUEST_BYTES = 25 * 1024 * 1024

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data-table"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
