"""One settings file, driven by the environment; runs with zero configuration."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def secret(name: str, default: str = "") -> str:
    """A secret from the variable NAME, or from the file NAME_FILE names (a file readable
    only by the service, or a systemd credential: `SECRET_KEY_FILE=%d/secret_key`), so it
    need not sit in an environment that `ps e` and crash reports show. Surrounding
    whitespace (the file's final newline) is dropped. Setting both is refused."""
    path = os.environ.get(f"{name}_FILE", "").strip()
    if path and os.environ.get(name):
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: put SECRET_KEY=… or SECRET_KEY_FILE=/path "
            "in the service's environment file (deploy/README.md)."
        )
    # A development-only key, only ever used with DEBUG on.
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuv"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# Reverse proxies whose X-Forwarded-For is believed (networks, comma-separated, e.g.
# "127.0.0.1/32,10.0.0.0/24"); empty: the TCP peer is the client (hr_system/net.py).
TRUSTED_PROXIES = [n.strip() for n in os.environ.get("TRUSTED_PROXIES", "").split(",") if n.strip()]

# /healthz (hr_system/health.py): the workers whose heartbeat must be fresh, and how old
# (seconds) a heartbeat may be: several times the slowest worker's pause (recompute: 30 s).
HEALTH_WORKERS = [
    w.strip()
    for w in os.environ.get("HEALTH_WORKERS", "poll_devices,recompute_attendance,finalize_attempts").split(",")
    if w.strip()
]
HEALTH_HEARTBEAT_MAX_AGE = envint("HEALTH_HEARTBEAT_MAX_AGE", 300)
# /metrics (hr_system/ops_views.py): served to `Authorization: Bearer <METRICS_TOKEN>` or to
# a client address in METRICS_ALLOWED_NETWORKS (CIDRs); 404 when neither is set.
METRICS_TOKEN = secret("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get("METRICS_ALLOWED_NETWORKS", "").split(",") if n.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hr_system.apps.LockoutConfig",  # django-axes, named in Vietnamese
    "csp",
    "ninja",  # its Swagger UI from our own static files, not a CDN
    "hr_system",
    "devices",
    "attendance",
    "assessments",
    "transfers",
    "evaluation",
]

MIDDLEWARE = [
    # First, so its request line times everything below it (hr_system/logs.py).
    "hr_system.logs.RequestLogMiddleware",
    "hr_system.middleware.TrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself (a bare gunicorn needs no web server for them).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "hr_system.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hr_system.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "hr_system.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "hr_system.urls"
WSGI_APPLICATION = "hr_system.wsgi.application"

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
                "hr_system.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = secret("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default lives in the checkout's var/. A server sets DATABASE_URL and
    # runs with the code read-only (deploy/: ProtectSystem=strict), so only create it here.
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'var' / 'hr.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
del DATABASE_URL  # not a Django setting; keeps the URL (and its password) out of diffsettings
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Bind parameters on the server: Django's default client-side binding quotes every
    # value in Python, which made a 500-row punch insert cost ~50 ms.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the poller write while pages read; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not shared-cache memory, for the test database: pollers and the race tests
    # use threads and processes, which need SQLite's real locking (busy timeout, WAL).
    # One file per test process, so two test runs in one checkout do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "hr_system.accounts.validators.MinimumLengthValidator"},  # Vietnamese message
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese for everyone, whatever the browser asks for: the UI has no complete English
# catalogue, and a half-switched page (English weekdays and form errors among Vietnamese
# text, "3.0" beside "3,0") is worse than none. No LocaleMiddleware, no language switch.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates dd/mm/yyyy, decimal comma, thousands dot: hr_system/formats/vi/formats.py
# overrides Django's vi formats (whose dates read "Ngày 5 tháng 3 năm 2026" and whose
# forms accept only ISO dates).
FORMAT_MODULE_PATH = ["hr_system.formats"]
# Not on everywhere: a template printing an id, a year or a page number into a URL or an
# input's value would write "1.234". Pages group the figures people read with the
# `floatformat:"g"` filter instead (NUMBER_GROUPING in the format module).
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `manage.py collectstatic` copies them here, compressed and with content-hashed names;
# WhiteNoise serves them with far-future cache headers. Templates name a file through
# `{% static %}`, which with DEBUG off needs collectstatic to have run (deployment, and
# once per test session in tests/conftest.py).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded leave attachments and stored documents; on a server, outside the code
# (deploy/: /var/lib/chamcong/media), so an upgrade that replaces the code keeps them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# Sealed exam sittings' archives (assessments.sealing); default MEDIA_ROOT/sealed-sittings.
SEALED_SITTINGS_DIR = Path(os.environ["SEALED_SITTINGS_DIR"]) if os.environ.get("SEALED_SITTINGS_DIR") else None
# Signed official PDFs, content-addressed (hr_system.signed_documents); default MEDIA_ROOT/signed-documents.
SIGNED_DOCUMENTS_DIR = Path(os.environ["SIGNED_DOCUMENTS_DIR"]) if os.environ.get("SIGNED_DOCUMENTS_DIR") else None
# `manage.py backup`: where dumps and their manifests go, and how many are kept.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or BASE_DIR / "var" / "backups")
BACKUP_KEEP = envint("BACKUP_KEEP", 14)

# Fingerprint templates (sensitive personal data, Law 91/2025/QH15): off by default, the
# clocks keep their own and ADMS uploads of templates are acknowledged and dropped. On,
# they are stored encrypted (devices.template_crypto) with the first of these Fernet
# keys; the others still decrypt, for `manage.py rotate_template_keys`. A system check
# (devices.E001) refuses storage on without a usable key.
STORE_FINGER_TEMPLATES = envbool("STORE_FINGER_TEMPLATES", "False")
FINGER_TEMPLATE_KEYS = [k.strip() for k in os.environ.get("FINGER_TEMPLATE_KEYS", "").split(",") if k.strip()]
FINGER_TEMPLATE_KEY_FILE = os.environ.get("FINGER_TEMPLATE_KEY_FILE", "").strip()

# Signed PDFs (hr_system.signing, issue 16). The trust roots are a directory of CA
# certificates (PEM or DER) that the verifier accepts as anchors: the administrator puts
# the Government Cipher Committee's roots there; nothing is fetched from the network.
SIGNING_TRUST_ROOTS_DIR = Path(os.environ.get("SIGNING_TRUST_ROOTS_DIR") or BASE_DIR / "var" / "trust-roots")
# The PKCS#11 modules (token drivers) a credential may name. Loading a module runs its
# code in the web process, so the list is the administrator's, never a page's input.
SIGNING_PKCS11_MODULES = [
    m.strip()
    for m in os.environ.get("SIGNING_PKCS11_MODULES", "/usr/lib/softhsm/libsofthsm2.so").split(",")
    if m.strip()
]
# RFC 3161 timestamp authority; empty = signatures carry no timestamp.
SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "").strip()
# The signing time printed in the visible signature block is in Vietnam time (+07:00).
SIGNING_TIMEZONE = "Asia/Ho_Chi_Minh"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes, hr_system/lockout.py): this many failures of one username
# from one address lock that pair, and LOGIN_MAX_FAILURES_PER_ADDRESS failures of any
# kind (web, admin, API token) lock the address, until LOGIN_LOCKOUT_MINUTES have passed
# since the last failure.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5)
LOGIN_MAX_FAILURES_PER_ADDRESS = envint("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "hr_system.lockout.failure_limit"
AXES_COOLOFF_TIME = "hr_system.lockout.cool_off"
AXES_CLIENT_IP_CALLABLE = "hr_system.lockout.address_of"
AXES_USERNAME_CALLABLE = "hr_system.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "hr_system.lockout.lockout_response"
AXES_HANDLER = "hr_system.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy on every response (django-csp). No inline script anywhere:
# pages load their JavaScript from static/js/. Inline style attributes and the pages'
# own <style> blocks stay allowed (style-src 'unsafe-inline'); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Requests carrying control characters are refused (hr_system/middleware.py), except
# clocks' ADMS uploads, which reject a bad line and keep the rest.
CONTROL_CHARACTERS_EXEMPT_PATHS = ["/iclock/"]

# ADMS/PUSH clocks (devices/adms.py). An unknown serial number is refused unless
# auto-registration is on (administrators add a clock by serial number first); when on,
# new pending clocks are limited per source address an hour and in number, and each
# keeps a bounded number of punches until an administrator approves it.
ADMS_AUTO_REGISTER = envbool("ADMS_AUTO_REGISTER", "False")
ADMS_REGISTER_PER_ADDRESS = envint("ADMS_REGISTER_PER_ADDRESS", 3)
ADMS_PENDING_MAX = envint("ADMS_PENDING_MAX", 20)
ADMS_PENDING_MAX_PUNCHES = envint("ADMS_PENDING_MAX_PUNCHES", 5000)

# Uploaded files (rosters, question files; hr_system/uploads.py): the size of one file,
# and the rows (lines of a text file) and columns read from it. A 10 MB roster holds about
# 80,000 rows as CSV; a province's is under 50,000.
UPLOAD_MAX_MB = envint("UPLOAD_MAX_MB", 10)
UPLOAD_MAX_ROWS = envint("UPLOAD_MAX_ROWS", 50_000)
UPLOAD_MAX_COLUMNS = envint("UPLOAD_MAX_COLUMNS", 50)
if min(UPLOAD_MAX_MB, UPLOAD_MAX_ROWS, UPLOAD_MAX_COLUMNS) < 1:
    raise ImproperlyConfigured("UPLOAD_MAX_MB, UPLOAD_MAX_ROWS and UPLOAD_MAX_COLUMNS must be at least 1.")
# A request body other than files (a form, JSON, a clock's ADMS batch) never needs more
# than a file may have. Files above Django's default 2.5 MB are spooled to a temporary
# file, not held in memory, so an oversized upload is refused by its size unread.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the exam page's JavaScript reads it for API calls
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "True")
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "True")
    # Believed only from TRUSTED_PROXIES: hr_system.middleware.TrustedProxyHeadersMiddleware
    # drops the header from any other peer before SecurityMiddleware reads it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Time clocks speak plain HTTP to /iclock/ and cannot follow a redirect to HTTPS; a
    # monitor or Prometheus on the server itself asks gunicorn directly, over loopback.
    SECURE_REDIRECT_EXEMPT = [r"^iclock/", r"^healthz$", r"^metrics$"]

# Logs (hr_system/logs.py): one JSON object per line on stdout, which systemd hands to
# journald; one line per request ("hr.request") and per worker step ("hr.worker"), each
# with its request id. LOG_FORMAT=text for a person at a terminal (the default with
# DEBUG on, as `make demo` runs). LOG_LEVEL is the level of the product's own loggers
# (INFO: the request and step lines); other libraries log warnings and errors. Secrets
# are masked by a filter under the handler, as a safety net.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "hr_system.logs.RequestIdFilter"},
        "redact": {"()": "hr_system.logs.RedactFilter"},
    },
    "formatters": {
        "json": {"()": "hr_system.logs.JsonFormatter"},
        "text": {"()": "hr_system.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"level": LOG_LEVEL} for name in ("hr", "hr_system", "devices", "attendance", "assessments", "transfers")
    },
}

# Name of the issuing agency printed on official PDFs when a unit has none of its own.
ORG_PARENT_NAME = os.environ.get("ORG_PARENT_NAME", "UBND TỈNH SƠN LA")
