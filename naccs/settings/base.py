"""Settings for the NACCS support portal, read from environment variables with safe local defaults."""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from naccs.lib.environment import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# var/ holds the SQLite database (sessions, password hashes, 認証コード), mail and the CA: the portal's user only.
# It is made, private, at start (naccs.apps.ProjectConfig.ready), not when the settings are read.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


DEBUG = env_bool("DJANGO_DEBUG", True)
# The demo (naccs.demo: known logins such as center / center-pass-2026) exists only where DJANGO_DEBUG=1. Decided
# here from the environment, not read from DEBUG later: the test runner turns DEBUG off inside tests.
DEMO_ENABLED = DEBUG

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG=0.")
    # Local development only: production refuses to start without a real key (above).
    SECRET_KEY = "django-insecure-local-development-key-not-for-production-use"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "naccs.apps.ProjectConfig",  # first: its ready() makes var/ private before any app writes a file
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "naccs.apps.LoginLockoutConfig",  # django-axes
    "csp",
    "django_tasks",
    "naccs.apps.BackgroundTasksConfig",  # django-tasks-db
    # Our apps, each above the ones it uses (docs/architecture.md).
    "naccs.jobs",
    "naccs.accounts",
    "naccs.audit",
    "naccs.mailer",
    "naccs.portal",
    "naccs.terminals",
    "naccs.pki",
    "naccs.applications",
    "naccs.contract",
    "naccs.billing",
    "naccs.center",
    *(["naccs.demo"] if DEMO_ENABLED else []),  # in production its commands do not even exist
]

MIDDLEWARE = [
    # /metrics for the local Prometheus scraper, and every other request counted and timed (docs/operations.md).
    "naccs.center.metrics.MetricsMiddleware",
    # /healthz and /readyz for load balancers: answered before everything below (docs/operations.md).
    "naccs.center.health.HealthMiddleware",
    # Every log line of a request carries its id (X-Request-ID, from nginx or made here): naccs.lib.logs.
    "naccs.lib.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "naccs.portal.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the portal is Japanese only (LANGUAGE_CODE), whatever language the browser asks for.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "naccs.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the final authenticated request (django-axes documentation).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "naccs.urls"
WSGI_APPLICATION = "naccs.wsgi.application"

TEMPLATES = [
    {
        # The portal's pages (jinja2/): Jinja2 renders a page several times faster than the Django engine, and every
        # company user opens them at 9:00 (issue #7). First, so that page names are looked up here first.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "naccs.lib.jinja2.environment",
            "context_processors": ["naccs.portal.context_processors.portal", "naccs.terminals.banner.renewal_banner"],
        },
    },
    {
        # The center's back office (the Django admin and its extensions) and the mail texts (templates/).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'naccs.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A persistent connection that a database restart cut is replaced at the start of the next request instead
        # of failing it (docs/operations.md).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that stops answering (rather than refusing) fails a request in 5 s instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the task worker writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing with "database is locked".
        # The lock wait is `timeout` alone (Python's sqlite3 sets SQLite's busy timeout from it): a busy_timeout
        # pragma here would override it.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # One test database per test run, so that two runs side by side never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # django-axes first so that a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "naccs.accounts.backends.PortalBackend",
]

PASSWORD_HASHERS = [
    # argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane) instead of Django's 100 MiB and 8 lanes: a flood of
    # failed logins must fit two cores (naccs/accounts/hashers.py). Older hashes still verify and are upgraded.
    "naccs.accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A new 通関士's link to set a first password (issue 15) is valid 72 hours: Django's password-reset token, whose
# validity is this setting (naccs.applications.broker_ids.logins).
SET_PASSWORD_LINK_HOURS = 72
PASSWORD_RESET_TIMEOUT = SET_PASSWORD_LINK_HOURS * 60 * 60

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Nothing is correct only inside one process or one host: the signed-in user is read from the database on every
# request, and sessions live in the database. With REDIS_URL (several web hosts behind one load balancer) Redis is
# the cache every host shares and sessions are read through it (cached_db writes both, so a logout on one host ends
# the session on all); without it each process has a small local cache and sessions are read from the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        # A Redis that is down or unreachable is a cache miss with a warning, not a 500 (naccs.lib.cache); the short
        # socket timeouts bound what each call costs while a Redis host does not answer at all.
        "default": {
            "BACKEND": "naccs.lib.cache.OptionalRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Messages ride in the session every request loads anyway; the default also reads and rewrites a cookie of its own.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Idle timeout: a session untouched for this many minutes is logged out (manual: shared terminals at customs offices).
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "naccs.portal.views.csrf_failure"

# The client's address (naccs/lib/client_address.py): how many proxies in front of the portal append to
# X-Forwarded-For and are trusted to (0: none, the header is ignored; 1: the README's TLS proxy). The header is
# believed only on requests from the TLS proxy (TLS_PROXY_ADDRESSES and TLS_PROXY_SECRET, below).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# django-axes: five wrong passwords lock a 利用者ID for 30 minutes from the address they came from (per user and
# address: a stranger elsewhere cannot lock the real user out); the helpdesk unlocks it, or the cool-off ends.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "naccs.accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "naccs.lib.client_address.client_address"
# Before any password is hashed (naccs/accounts/guard.py): failed logins per client address, and per 利用者ID from
# any address (the slower limit that stops a guess spread over many addresses), each in fixed windows.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_ADDRESS_WINDOW_MINUTES = env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15)
LOGIN_USER_FAILURE_LIMIT = env_int("LOGIN_USER_FAILURE_LIMIT", 50)
LOGIN_USER_WINDOW_MINUTES = env_int("LOGIN_USER_WINDOW_MINUTES", 30)
# A browser with a device cookie for the 利用者ID (an earlier login) is under neither of those two: its own failures
# are counted instead, this many per LOGIN_USER_WINDOW_MINUTES (django-axes' lock per address still applies).
LOGIN_DEVICE_FAILURE_LIMIT = env_int("LOGIN_DEVICE_FAILURE_LIMIT", 10)
# At most this many password checks at once in one process (argon2 takes 19 MiB and a core's worth of time each);
# a request that waits longer than PASSWORD_CHECK_WAIT_SECONDS for its turn is asked to retry (a thread kept waiting
# serves no other page meanwhile).
PASSWORD_CHECKS_AT_ONCE = env_int("PASSWORD_CHECKS_AT_ONCE", 2)
PASSWORD_CHECK_WAIT_SECONDS = env_int("PASSWORD_CHECK_WAIT_SECONDS", 1)

LANGUAGE_CODE = "ja"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Mail: SMTP when EMAIL_HOST is set, otherwise one file per message under var/mail/ for a local reader.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "NACCSセンター <noreply@naccs.example.jp>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}
# Finished task results (django-tasks-db's rows) are kept this long, then deleted by the daily task
# (naccs.center.housekeeping): a worker and the scheduler add about 10,000 a day. A failed one is kept longer, for
# the diagnosis.
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 7)
TASK_FAILURE_RETENTION_DAYS = env_int("TASK_FAILURE_RETENTION_DAYS", 30)

# The public address of this portal, used in mails and in certificates (CRL and OCSP URLs). Unless SITE_URL is set,
# the address `make serve` listens on, so that links work on a local machine whatever port was chosen: from HOST and
# PORT in the processes it starts, and, in any other process (a command such as process_reissues run beside it), from
# what it recorded in SITE_URL_FILE (`manage.py record_site_url`), so that every mail links to the same server.
SITE_URL_FILE = VAR_DIR / "site-url"
_local_host = os.environ.get("HOST", "127.0.0.1")
_local_host = "127.0.0.1" if _local_host in ("0.0.0.0", "::", "") else _local_host  # noqa: S104 - a name, not a bind
_listening_on = f"http://{_local_host}:{os.environ.get('PORT', '8000')}"
if os.environ.get("SITE_URL"):
    SITE_URL = os.environ["SITE_URL"].rstrip("/")
elif "HOST" not in os.environ and "PORT" not in os.environ and SITE_URL_FILE.is_file():
    SITE_URL = SITE_URL_FILE.read_text().strip().rstrip("/") or _listening_on
else:
    SITE_URL = _listening_on


# Shown on every page (manual screen ①) and in lockout messages.
HELPDESK_NAME = os.environ.get("HELPDESK_NAME", "ヘルプデスク")
HELPDESK_PHONE = os.environ.get("HELPDESK_PHONE", "0120-794527")
HELPDESK_EMAIL = os.environ.get("HELPDESK_EMAIL", "info@naccs.example.jp")
HELPDESK_HOURS = os.environ.get("HELPDESK_HOURS", "平日 9:00～17:00")
REGIONAL_CONTACTS = [
    ("地域サービス課", "0120-794521"),
    ("東海事務所", "0120-794523"),
    ("西日本事務所", "0120-794525"),
    ("九州事務所", "0120-794527"),
]
COPYRIGHT_LINE = os.environ.get(
    "COPYRIGHT_LINE",
    "Copyright © Nippon Automated Cargo And Port Consolidated System, Inc. "
    "No reproduction or republication without written permission.",
)

# Center closure days as MM-DD (年末年始 12/29–1/3 by default).
CENTER_CLOSURE_DAYS = env_list("CENTER_CLOSURE_DAYS", ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"])

# Expiry reminders (center.reminders): days before expiry, negative for days after; besides the one when the renewal
# window opens. Each goes out once per certificate.
EXPIRY_REMINDER_DAYS = [int(days) for days in env_list("EXPIRY_REMINDER_DAYS", ["60", "30", "14", "7", "1", "-7"])]
# The counts of failed 取得 and logins (accounts.FailureCount) are kept this long, then deleted by the daily task.
FAILURE_COUNT_RETENTION_DAYS = env_int("FAILURE_COUNT_RETENTION_DAYS", 90)

# Every kind's 希望日 (再発行希望日, 利用開始希望日, 変更希望日, 設定希望日): at most this many days ahead. Its first
# name, REISSUE_MAX_DAYS_AHEAD, is still read when the new one is not set (a deployment configured before it).
DESIRED_DATE_MAX_DAYS_AHEAD = env_int("DESIRED_DATE_MAX_DAYS_AHEAD", env_int("REISSUE_MAX_DAYS_AHEAD", 60))

# Security headers; the production ones are switched on when DEBUG is off.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# RFC 5280 and RFC 5019 clients fetch the CA certificate, the CRL and OCSP answers over plain HTTP, and many do not
# follow redirects: these paths are never redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^pki/(ca|ca\.pem|crl|crl\.pem|ocsp)(/|$)"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Inline styles stay allowed because the Django admin (the center back office) sets a few style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# LOG_JSON=1: one JSON object per line, with the request's id (naccs.lib.logs), for a log collector.
LOG_JSON = env_bool("LOG_JSON", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "naccs.lib.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "naccs.lib.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_JSON else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Center: the morning reissue run on each business day (HH:MM, Asia/Tokyo).
MORNING_RUN_TIME = os.environ.get("MORNING_RUN_TIME", "07:00")
_run_hour, _, _run_minute = MORNING_RUN_TIME.partition(":")
if not (
    len(_run_hour) == len(_run_minute) == 2
    and (_run_hour + _run_minute).isascii()
    and (_run_hour + _run_minute).isdigit()
    and int(_run_hour) < 24
    and int(_run_minute) < 60
):
    raise ImproperlyConfigured(f"MORNING_RUN_TIME must be HH:MM (24-hour), not {MORNING_RUN_TIME!r}.")

# 請求書 (適格請求書): the issuer as the invoices name it. INVOICE_REGISTRATION_NUMBER is the center's 登録番号 (T and
# 13 digits, インボイス制度). INVOICE_FONT: a TrueType font with Japanese glyphs, embedded in each PDF so that any
# reader (and a text extractor) gets the text; unset, the first of Debian's fonts-ipafont-gothic / fonts-noto-cjk
# paths that exists, else ReportLab's built-in HeiseiKakuGo-W5 CID font (not embedded: readers supply it).
INVOICE_ISSUER_NAME = os.environ.get("INVOICE_ISSUER_NAME", "輸出入・港湾関連情報処理センター株式会社")
INVOICE_ISSUER_ADDRESS = os.environ.get("INVOICE_ISSUER_ADDRESS", "〒105-0001 東京都港区虎ノ門一丁目1番1号")
INVOICE_REGISTRATION_NUMBER = os.environ.get("INVOICE_REGISTRATION_NUMBER", "T1234567890123")
if not re.fullmatch(r"T[0-9]{13}", INVOICE_REGISTRATION_NUMBER):
    raise ImproperlyConfigured(
        f"INVOICE_REGISTRATION_NUMBER must be T and 13 digits (登録番号), not {INVOICE_REGISTRATION_NUMBER!r}."
    )
INVOICE_FONT = os.environ.get("INVOICE_FONT", "")
