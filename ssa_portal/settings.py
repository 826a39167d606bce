"""Settings for the SSA Portal: one module, read from the environment through strict helpers.

Every helper fails loudly on a value it cannot read, so a typo in production configuration stops
the process at start-up instead of silently running with a default.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from common.languages import LANGUAGE_CHOICES

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: use one of {', '.join(choices)}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw) if raw else default


DATABASE_CACHE_TABLE = "ssa_cache"


def caches_from_url(url: str) -> dict:
    """CACHES for CACHE_URL: Redis (django-redis) for redis://, rediss:// and unix:// URLs; the
    database cache when empty. Never a cache in one process's memory: rate limits and cached
    figures must be the same for every gunicorn worker and the task worker."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url,
                            "KEY_PREFIX": "ssa"}}
    if url:
        raise ImproperlyConfigured(f"CACHE_URL={url!r}: use redis://host:6379/0 (or rediss://, "
                                   "unix://), or leave it unset for the database cache.")
    return {"default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": DATABASE_CACHE_TABLE,
        # Culling beyond this many entries would forget rate-limit counters.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }}


# The git-ignored data folder: the embedded SQLite database, the dev SECRET_KEY, media, dev keys.
DATA_DIR = env_path("SSA_DATA_DIR", BASE_DIR / "var")


def _dev_secret_key() -> str:
    """A development key generated once into the data folder, never committed."""
    path = DATA_DIR / "secret_key.txt"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# SSA_ENV=production selects the hardened settings below (HTTPS only, HSTS, secure cookies) and
# demands a real SECRET_KEY; anything else is a developer's machine.
SSA_ENV = env_str("SSA_ENV", "development")
if SSA_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"SSA_ENV={SSA_ENV!r}: use development or production.")
PRODUCTION = SSA_ENV == "production"


def env_demo(name: str, demo: str) -> str:
    """A value production must be given (common/checks.py refuses to start without it); a
    developer's machine gets a demo value."""
    return env_str(name, "" if PRODUCTION else demo)


DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when SSA_ENV=production.")
SECRET_KEY = env_str("SECRET_KEY") if PRODUCTION else (
    os.environ.get("SECRET_KEY") or _dev_secret_key())
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "customers",
    "quotes",
    "api",
]

MIDDLEWARE = [
    # First: the container's health check, before the HTTPS redirect and the Host check.
    "common.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every response to a signed-in user: Cache-Control: private, no-store.
    "common.middleware.PrivateCacheControlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ssa_portal.urls"
WSGI_APPLICATION = "ssa_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "ssa_portal.context_processors.portal",
            ],
        },
    },
]

# DATABASE_URL unset: the embedded SQLite database in the data folder, for one person trying it.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ssa_portal.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (rate limits, the dashboard's figures; docs/SECURITY.md#the-shared-cache):
# CACHE_URL=redis://… for Redis (compose runs one); unset, the database cache, shared by every
# process that shares the database. Its table is made by every `migrate` (common/apps.py).
CACHE_URL = env_str("CACHE_URL", "")
CACHES = caches_from_url(CACHE_URL)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): 5 failed attempts for one username from one client address lock
# that pair out for 15 minutes. The client's address comes from common/clients.py, which knows
# how many reverse proxies to trust (docs/SECURITY.md#reverse-proxy-and-client-addresses).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "common.clients.client_ip"

# The number of reverse proxies in front of the portal, each appending to X-Forwarded-For. 0: the
# portal is reached directly, and X-Forwarded-For is ignored (anyone can send it).
SSA_TRUSTED_PROXY_COUNT = env_int("SSA_TRUSTED_PROXY_COUNT", 0)
if SSA_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("SSA_TRUSTED_PROXY_COUNT must be 0 or more.")
if "AXES_IPWARE_PROXY_COUNT" in os.environ:
    # It never took effect (django-ipware is not installed); fail rather than ignore it.
    raise ImproperlyConfigured("AXES_IPWARE_PROXY_COUNT is not read; set SSA_TRUSTED_PROXY_COUNT "
                               "to the number of reverse proxies in front of the portal.")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

LANGUAGE_CODE = "nb"
LANGUAGES = LANGUAGE_CHOICES
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["ssa_portal.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Our own CSS/JS, and the npm packages (Bootstrap, htmx, Chart.js) installed by `npm ci` at setup
# time.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
# Uploads (docs/SECURITY.md#uploads-and-request-size): the largest file any form accepts (the
# offer PDF on /verify/); the CSV and PBX forms have smaller limits of their own. A body declared
# larger than its form's limit and 64 KB of other fields is refused unread (common/uploads.py);
# an accepted one stays in memory, never spooled to disk. Fields (a previewed CSV travels in
# one) stay within 2.5 MB.
SSA_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = SSA_UPLOAD_MAX_BYTES + 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "common.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

MEDIA_ROOT = env_path("MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SSA Portal <ssa@example.no>")

PAGE_SIZE = env_int("SSA_PAGE_SIZE", 25)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The customer's personal links never reach a log (common/logs.py).
    "filters": {"mask_secrets": {"()": "common.logs.MaskSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint narrates every render step at INFO; only its warnings matter here.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
        **{name: {"filters": ["mask_secrets"]} for name in ("django.request", "django.server")},
    },
}

# Offers: an issued offer is valid for this many days (or until the day before its agreement
# would end, if that is earlier).
SSA_QUOTE_VALIDITY_DAYS = env_int("SSA_QUOTE_VALIDITY_DAYS", 30)
# The customer's contact is reminded this many days before an open offer it was sent expires.
SSA_REMINDER_DAYS_BEFORE_EXPIRY = env_int("SSA_REMINDER_DAYS_BEFORE_EXPIRY", 7)
# The most installations one offer may cover (a larger customer gets several offers).
SSA_MAX_INSTALLATIONS_PER_OFFER = env_int("SSA_MAX_INSTALLATIONS_PER_OFFER", 100)
# A renewal item taken by a worker and not ended after this long is queued again by the sweeper.
SSA_RENEWAL_ITEM_TIMEOUT_SECONDS = env_int("SSA_RENEWAL_ITEM_TIMEOUT_SECONDS", 600)

# The portal's public address, printed (as the verification link and QR code) on every offer,
# and the distributor named on pages and on the letterhead of offers. Offers are signed once, so
# production has no defaults: it refuses to start without an https address and the identity.
SSA_PUBLIC_BASE_URL = env_demo("SSA_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
SSA_DISTRIBUTOR_NAME = env_demo("SSA_DISTRIBUTOR_NAME", "Nordic Unified AS")
SSA_DISTRIBUTOR_ADDRESS = env_demo("SSA_DISTRIBUTOR_ADDRESS", "Postboks 123 Sentrum, 0102 Oslo")
SSA_DISTRIBUTOR_ORG_NUMBER = env_demo("SSA_DISTRIBUTOR_ORG_NUMBER", "923609016")
SSA_DISTRIBUTOR_EMAIL = env_demo("SSA_DISTRIBUTOR_EMAIL", "ssa@example.no")
# The rest of the offer's letterhead (docs/DOMAIN.md#signed-pdfs-and-verification): phone and
# web address (left out where production sets none), and optionally a logo: a PNG, JPEG or SVG
# file read once per process and embedded (nothing is fetched while an offer is rendered).
SSA_DISTRIBUTOR_PHONE = env_demo("SSA_DISTRIBUTOR_PHONE", "+47 22 00 00 00")
SSA_DISTRIBUTOR_WEB = env_demo("SSA_DISTRIBUTOR_WEB", "www.example.no")
SSA_LOGO_FILE = Path(os.environ["SSA_LOGO_FILE"]) if os.environ.get("SSA_LOGO_FILE") else None
if SSA_LOGO_FILE is not None and SSA_LOGO_FILE.suffix.lower() not in (".png", ".jpg", ".jpeg",
                                                                      ".svg"):
    raise ImproperlyConfigured(f"SSA_LOGO_FILE={str(SSA_LOGO_FILE)!r}: use a .png, .jpg or .svg "
                               "file.")
# Who invoices an accepted offer: "distributor" (SSA_DISTRIBUTOR_NAME) or "reseller" (the offer's
# reseller), and the payment terms printed with it, in days net from the invoice date.
SSA_INVOICING_PARTY = env_choice("SSA_INVOICING_PARTY", "distributor", ("distributor", "reseller"))
SSA_PAYMENT_TERMS_DAYS = env_int("SSA_PAYMENT_TERMS_DAYS", 30)
if not 1 <= SSA_PAYMENT_TERMS_DAYS <= 365:
    raise ImproperlyConfigured("SSA_PAYMENT_TERMS_DAYS must be between 1 and 365.")

# The distributor's signing key and certificate: a PKCS#12 file and its passphrase, from the
# environment; `manage.py create_signing_cert` makes a development one in the data folder.
SSA_SIGNING_P12 = env_path("SSA_SIGNING_P12", DATA_DIR / "signing" / "dev-signing.p12")
SSA_SIGNING_PASSPHRASE = os.environ.get("SSA_SIGNING_PASSPHRASE")
# PAdES B-LT (docs/SECURITY.md#long-term-validation-of-signatures): with a timestamp authority's
# RFC 3161 URL, every signature is timestamped and the document carries the data that validates
# it years later; without one, B-B. SSA_SIGNING_TRUST_ROOTS: a PEM file with the root
# certificates the timestamp authority's chain (and the signer's, when the PKCS#12 file does not
# carry its root) ends in.
SSA_TSA_URL = env_str("SSA_TSA_URL", "")
SSA_TSA_TIMEOUT_SECONDS = env_int("SSA_TSA_TIMEOUT_SECONDS", 10)
_trust_roots = os.environ.get("SSA_SIGNING_TRUST_ROOTS")
SSA_SIGNING_TRUST_ROOTS = Path(_trust_roots) if _trust_roots else None

# --- security headers and cookies --------------------------------------------------------------

# Content-Security-Policy (django-csp): no inline scripts anywhere (static/js/portal.js holds the
# portal's own behaviour); inline *styles* are allowed because Bootstrap components such as the
# progress bar set widths in style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # a working day
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page, never from the cookie
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The reverse proxy terminates TLS and says so in this header (it must strip the header
    # from clients' requests).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Background work (PDF retries, bulk issuing): Django's tasks API through the django-tasks
# backport, stored in the database; `manage.py db_worker` runs them.
TASKS = {
    "default": {
        "BACKEND": env_str("SSA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- the API (docs/API.md) ---------------------------------------------------------------------

# Requests per minute one API token (or one logged-in session) may make; more answer 429.
SSA_API_RATE = env_str("SSA_API_RATE", "600/min")
# Webhook deliveries: the request timeout, and when an endpoint that keeps failing is paused.
SSA_WEBHOOK_TIMEOUT_SECONDS = env_int("SSA_WEBHOOK_TIMEOUT_SECONDS", 10)
SSA_WEBHOOK_PAUSE_AFTER_FAILURES = env_int("SSA_WEBHOOK_PAUSE_AFTER_FAILURES", 10)
SSA_WEBHOOK_PAUSE_AFTER_HOURS = env_int("SSA_WEBHOOK_PAUSE_AFTER_HOURS", 24)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "PAGE_SIZE": PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATE_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SSA Portal API",
    "DESCRIPTION": "Customers, installations, licenses, agreement periods, price previews, "
                   "offers, renewals and webhooks of the SSA Portal. See docs/API.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {},
}
