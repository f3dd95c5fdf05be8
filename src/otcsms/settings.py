"""Django settings, read from the environment (see docs/configuration.md).

SQLite in ``OTCSMS_DATA_DIR`` by default; PostgreSQL when ``DATABASE_URL`` is set.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from otcsms.envconfig import env_bool, env_choice, env_file, env_int, env_list, env_path, env_str
from otcsms.installed_apps import OTCSMS_APPS

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("OTCSMS_DATA_DIR", Path.cwd() / "otcsms-data")
SECRET_KEY_FILE = DATA_DIR / "secret_key"

DEBUG = env_bool("OTCSMS_DEBUG", False)


def _read_secret_key() -> tuple[str, bool]:
    """Return (key, persistent). Without a key file (before ``init``) a throw-away key is used."""
    from_env = env_str("OTCSMS_SECRET_KEY")
    if from_env:
        if len(from_env) < 32:
            raise ImproperlyConfigured("OTCSMS_SECRET_KEY must be at least 32 characters")
        return from_env, True
    if SECRET_KEY_FILE.is_file():
        key = SECRET_KEY_FILE.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ImproperlyConfigured(f"{SECRET_KEY_FILE} holds a key shorter than 32 characters")
        return key, True
    return secrets.token_urlsafe(50), False


SECRET_KEY, SECRET_KEY_PERSISTENT = _read_secret_key()

# The audit trail's keys live outside the database, so that whoever can write the database cannot re-hash
# the chain (AUDIT_KEY, HMAC-SHA256) or sign a checkpoint (AUDIT_SIGNING_KEY, an Ed25519 seed).
# None before `init`: the trail then refuses to write or verify rather than hash without a key.
AUDIT_KEY_FILE = DATA_DIR / "audit_key"
AUDIT_SIGNING_KEY_FILE = DATA_DIR / "audit_signing_key"
_HEX_TEXT = re.compile(r"(?:[0-9a-fA-F]{2})+")
_URLSAFE_TEXT = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _key_bytes(origin: str, text: str, *, exact: int | None = None) -> bytes:
    """Decode key text (hex, else urlsafe base64) to at least 32 bytes; never echo the value."""
    try:
        if _HEX_TEXT.fullmatch(text):
            key = bytes.fromhex(text)
        elif _URLSAFE_TEXT.fullmatch(text):
            key = base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
        else:
            raise ValueError
    except (ValueError, binascii.Error):
        raise ImproperlyConfigured(f"{origin} is neither hex nor urlsafe base64 text") from None
    if exact is not None and len(key) != exact:
        raise ImproperlyConfigured(f"{origin} must hold exactly {exact} bytes (it holds {len(key)})")
    if len(key) < 32:
        raise ImproperlyConfigured(f"{origin} must hold at least 32 bytes of key (it holds {len(key)})")
    return key


def _read_key(variable: str, key_file: Path, *, exact: int | None = None) -> bytes | None:
    """The key from the environment, else from its file in the data directory, else None."""
    from_env = env_str(variable)
    if from_env:
        return _key_bytes(variable, from_env, exact=exact)
    if key_file.exists():
        try:
            text = key_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ImproperlyConfigured(f"cannot read {key_file}: {exc.__class__.__name__}") from None
        return _key_bytes(str(key_file), text, exact=exact)
    return None


AUDIT_KEY = _read_key("OTCSMS_AUDIT_KEY", AUDIT_KEY_FILE)
AUDIT_SIGNING_KEY = _read_key("OTCSMS_AUDIT_SIGNING_KEY", AUDIT_SIGNING_KEY_FILE, exact=32)

ALLOWED_HOSTS = env_list("OTCSMS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("OTCSMS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # otcsms's own apps are listed in otcsms/installed_apps.py: the CLI reads that list before the settings.
    *OTCSMS_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "otcsms.core.middleware.RequestActorMiddleware",
    "otcsms.core.middleware.InputHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "otcsms.signin.middleware.SigninMiddleware",  # timeouts, revocation, the MFA step, re-authentication
    "otcsms.core.middleware.SessionActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "otcsms.core.middleware.ContentSecurityPolicyMiddleware",
    "otcsms.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "otcsms.urls"
WSGI_APPLICATION = "otcsms.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "otcsms.web.context.navigation",
            ],
        },
    },
]


def _databases() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I understand: {exc}") from None
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...)")
        return {"default": config}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "otcsms.sqlite3",
            # Kept open between requests (as PostgreSQL's): opening runs the PRAGMAs, and closing the last
            # connection checkpoints the WAL, which cost an upload ~20 ms per request (docs/benchmarks.md).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the write lock when it starts, so two writers can
                # never both read the audit chain head and race to extend it.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
                    "PRAGMA wal_autocheckpoint=10000;PRAGMA cache_size=-65536"
                ),
            },
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# No ATOMIC_REQUESTS: on SQLite an IMMEDIATE transaction per request would serialise every read.
# Write handlers and services open one transaction.atomic() around each change instead.

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "otcsms.directory.backend.DirectoryBackend",  # asks the directory only while OTCSMS_LDAP_URL is set
]

# Directory sign-in (LDAP / Active Directory, docs/directory.md): off while OTCSMS_LDAP_URL is empty. TLS is
# required (ldaps://, or StartTLS on ldap://), the server's certificate checked against OTCSMS_LDAP_CA_FILE (or the
# system's CAs); plain LDAP, which sends every password in clear, only with OTCSMS_LDAP_INSECURE=true.
LDAP_URL = env_str("OTCSMS_LDAP_URL")
LDAP_START_TLS = env_bool("OTCSMS_LDAP_START_TLS", True)
LDAP_INSECURE = env_bool("OTCSMS_LDAP_INSECURE", False)
_ldap_ca_file = env_file("OTCSMS_LDAP_CA_FILE")
LDAP_CA_FILE = str(_ldap_ca_file) if _ldap_ca_file else ""
LDAP_BIND_DN = env_str("OTCSMS_LDAP_BIND_DN")
# The service account's password from a file, never from the environment in clear.
_ldap_password_file = env_file("OTCSMS_LDAP_BIND_PASSWORD_FILE")
LDAP_BIND_PASSWORD = _ldap_password_file.read_text().strip() if _ldap_password_file else ""
LDAP_USER_BASE = env_str("OTCSMS_LDAP_USER_BASE")
LDAP_USER_FILTER = env_str("OTCSMS_LDAP_USER_FILTER", "(sAMAccountName={username})")
LDAP_GROUP_BASE = env_str("OTCSMS_LDAP_GROUP_BASE")
LDAP_GROUP_FILTER = env_str("OTCSMS_LDAP_GROUP_FILTER", "(member={user_dn})")
LDAP_TIMEOUT = env_int("OTCSMS_LDAP_TIMEOUT", 5, minimum=1, maximum=60)
if LDAP_URL:
    if not LDAP_URL.lower().startswith(("ldap://", "ldaps://")):
        raise ImproperlyConfigured("OTCSMS_LDAP_URL must start with ldap:// or ldaps://")
    if LDAP_URL.lower().startswith("ldap://") and not LDAP_START_TLS and not LDAP_INSECURE:
        raise ImproperlyConfigured(
            "OTCSMS_LDAP_START_TLS=false on ldap:// sends passwords in clear: use ldaps:// or StartTLS "
            "(or OTCSMS_LDAP_INSECURE=true, for a test directory only)"
        )
    if not LDAP_USER_BASE or "{username}" not in LDAP_USER_FILTER or "{user_dn}" not in LDAP_GROUP_FILTER:
        raise ImproperlyConfigured(
            "set OTCSMS_LDAP_USER_BASE; OTCSMS_LDAP_USER_FILTER must contain {username} and "
            "OTCSMS_LDAP_GROUP_FILTER {user_dn}"
        )

# Login throttling: five wrong passwords for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("OTCSMS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OTCSMS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions (docs/signin.md): signed out 12 hours after sign-in whatever happens (absolute) and after 30 minutes
# without a request (idle); sensitive actions need a sign-in or re-authentication within the last 10 minutes.
SIGNIN_ABSOLUTE_HOURS = env_int("OTCSMS_SESSION_HOURS", 12, minimum=1, maximum=24 * 30)
SIGNIN_IDLE_MINUTES = env_int("OTCSMS_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
SIGNIN_REAUTH_MINUTES = env_int("OTCSMS_REAUTH_MINUTES", 10, minimum=1, maximum=24 * 60)
SESSION_COOKIE_AGE = SIGNIN_ABSOLUTE_HOURS * 3600
# WebAuthn relying party: the host name users reach otcsms at (empty: the request's host, checked against
# ALLOWED_HOSTS). Security keys enrolled under one name do not work under another.
WEBAUTHN_RP_ID = env_str("OTCSMS_WEBAUTHN_RP_ID", "")
# TLS: either `otcsms serve` terminates it (certificate and key files), or a reverse proxy does and says so
# in X-Forwarded-Proto. Served over TLS, cookies are secure and HSTS is on unless switched off explicitly.
TLS_CERT_FILE = env_file("OTCSMS_TLS_CERT")
TLS_KEY_FILE = env_file("OTCSMS_TLS_KEY")
if (TLS_CERT_FILE is None) != (TLS_KEY_FILE is None):
    raise ImproperlyConfigured("set both OTCSMS_TLS_CERT and OTCSMS_TLS_KEY, or neither")
BEHIND_TLS_PROXY = env_bool("OTCSMS_BEHIND_TLS_PROXY", False)
SERVED_OVER_TLS = TLS_CERT_FILE is not None or BEHIND_TLS_PROXY
if BEHIND_TLS_PROXY:
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("OTCSMS_SECURE_COOKIES", SERVED_OVER_TLS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("OTCSMS_HSTS_SECONDS", 365 * 24 * 3600 if SERVED_OVER_TLS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OTCSMS_HSTS_INCLUDE_SUBDOMAINS", False)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Bodies larger than this are refused with 413 before parsing (uploads get their own limit later).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OTCSMS_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Evidence files (docs/evidence.md): content-addressed blobs behind Django's storage API. A local directory by
# default; any storage backend (django-storages' S3 for several servers) by its dotted path and JSON options.
EVIDENCE_MAX_UPLOAD_BYTES = env_int("OTCSMS_EVIDENCE_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
EVIDENCE_DIR = env_path("OTCSMS_EVIDENCE_DIR", DATA_DIR / "evidence")


def _evidence_storage() -> dict:
    backend = env_str("OTCSMS_EVIDENCE_STORAGE", "django.core.files.storage.FileSystemStorage")
    raw = env_str("OTCSMS_EVIDENCE_STORAGE_OPTIONS")
    try:
        options = json.loads(raw) if raw else None
    except ValueError as exc:
        raise ImproperlyConfigured(f"OTCSMS_EVIDENCE_STORAGE_OPTIONS is not JSON: {exc}") from None
    if options is not None and not isinstance(options, dict):
        raise ImproperlyConfigured("OTCSMS_EVIDENCE_STORAGE_OPTIONS must be a JSON object")
    if options is None:
        options = (
            {
                "location": str(EVIDENCE_DIR),
                "file_permissions_mode": 0o640,
                "directory_permissions_mode": 0o750,
            }
            if backend.endswith("FileSystemStorage")
            else {}
        )
    return {"BACKEND": backend, "OPTIONS": options}


STORAGES = {**global_settings.STORAGES, "evidence": _evidence_storage()}

# Outgoing e-mail (review reminder digests, docs/evidence.md): nothing is sent until OTCSMS_EMAIL_HOST is set.
# The password comes from a file (OTCSMS_EMAIL_PASSWORD_FILE), never from the environment in clear.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("OTCSMS_EMAIL_HOST")
EMAIL_PORT = env_int("OTCSMS_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("OTCSMS_EMAIL_USER")
_email_password_file = env_file("OTCSMS_EMAIL_PASSWORD_FILE")
EMAIL_HOST_PASSWORD = _email_password_file.read_text().strip() if _email_password_file else ""
EMAIL_USE_TLS = env_bool("OTCSMS_EMAIL_STARTTLS", False)
EMAIL_USE_SSL = env_bool("OTCSMS_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("OTCSMS_EMAIL_STARTTLS and OTCSMS_EMAIL_SSL exclude each other: choose one")
EMAIL_TIMEOUT = env_int("OTCSMS_EMAIL_TIMEOUT", 30, minimum=1, maximum=600)
DEFAULT_FROM_EMAIL = env_str("OTCSMS_EMAIL_FROM", "otcsms@localhost")
# Where the instance is reached from a mail reader (links in e-mails): e.g. https://otcsms.plant.example
BASE_URL = env_str("OTCSMS_BASE_URL").rstrip("/")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Background jobs (docs/jobs.md): Django's Tasks API, run from the database by `otcsms worker`, or from
# Redis by RQ's workers for sites that outgrow the database queue.
TASKS_BACKEND = env_choice("OTCSMS_TASKS_BACKEND", "database", ("database", "rq"))
# The queue this instance's jobs go to. Instances sharing one Redis need different names; 32 characters is
# what the database backend stores.
TASKS_QUEUE = env_str("OTCSMS_TASKS_QUEUE", "default")
if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", TASKS_QUEUE):
    raise ImproperlyConfigured("OTCSMS_TASKS_QUEUE must be 1-32 letters, digits, '.', '_' or '-'")
if TASKS_BACKEND == "rq":
    try:
        import django_rq  # noqa: F401
        import django_tasks_rq  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "OTCSMS_TASKS_BACKEND=rq needs the rq extra: pip install 'otcsms[rq]'"
        ) from None
    INSTALLED_APPS.append("django_rq")
    _REDIS = {"URL": env_str("OTCSMS_REDIS_URL", "redis://127.0.0.1:6379/0")}
    # django-tasks-rq reads task results through django-rq's "default" connection, whatever the queue.
    RQ_QUEUES = {"default": _REDIS, TASKS_QUEUE: _REDIS}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [TASKS_QUEUE]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [TASKS_QUEUE]}}
# Signed audit checkpoints written by the audit-checkpoint job: ship this directory off the machine.
CHECKPOINT_DIR = env_path("OTCSMS_CHECKPOINT_DIR", DATA_DIR / "checkpoints")
# A failed job is retried after RETRY_BASE seconds, doubling with each further failure, at most RETRY_MAX.
JOBS_RETRY_BASE_SECONDS = env_int("OTCSMS_JOB_RETRY_BASE_SECONDS", 60, minimum=1, maximum=86_400)
JOBS_RETRY_MAX_SECONDS = env_int("OTCSMS_JOB_RETRY_MAX_SECONDS", 3600, minimum=JOBS_RETRY_BASE_SECONDS,
                                 maximum=7 * 86_400)  # fmt: skip
# A run with no result this long after it started is taken for abandoned (its worker died) and failed.
JOBS_RUN_TIMEOUT_SECONDS = env_int("OTCSMS_JOB_RUN_TIMEOUT_SECONDS", 6 * 3600, minimum=60, maximum=7 * 86_400)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OTCSMS_LOG_LEVEL", "WARNING").upper()},
}
