"""Pursuit settings: one module, driven by environment variables (see .env.example).

Defaults are safe for production: DEBUG is off unless asked for, and then SECRET_KEY must be provided.
`make run` and `make test` set DJANGO_DEBUG=1 for local work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", dev_default="dev-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.admin.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # the form templates, found through TEMPLATES by our renderer (web.forms.FormRenderer)
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # The ground first, then each app on the ones before it: crm <- touches <- cadence <- the pages and the API.
    "crm",
    "touches",
    "cadence",
    "mailroom",
    "webhooks",
    "workspace",
    "dashboard",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "web.context.pursuit",
            ],
        },
    },
    # The fragments drawn many times a page, compiled to Python (web/jinja.py); one template each.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "web.jinja.environment", "autoescape": True},
    },
]

# Every field as one block: label, input, then its error right under it, then help (Django's default puts the error
# above the input, where it reads as the previous field's).
FORM_RENDERER = "web.forms.FormRenderer"

# PostgreSQL everywhere: dev, tests and production run the same engine.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pursuit"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Planner settings for our statements, set per connection whatever the server says. They are short OLTP reads and
# writes: PostgreSQL's JIT compiled the dashboard's aggregates for ~100 ms, then ran them in ~60. And our working set
# is in memory or on SSD: with the default random_page_cost of 4 (spinning disks) the planner scanned every planned
# follow-up rather than read one rep's through their index.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"
# Behind PgBouncer in transaction mode a server connection serves another client between transactions, so nothing
# may outlive one: no startup options (PgBouncer refuses them; set them on the database instead: README, "Running on
# more than one machine") and no WITH HOLD cursors (Django's .iterator() outside a transaction opens one). Advisory
# locks are transaction-scoped already (the rollup fold), and psycopg2 prepares no statements.
if env_bool("DATABASE_PGBOUNCER", False):
    del DATABASES["default"]["OPTIONS"]["options"]
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Axes checks every login first and refuses a locked-out one before the password is even tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login limiting: five failures for one username from one address lock that pair out for an hour.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A reset link is valid for a day.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "pursuit@localhost")
# Fernet keys (comma-separated, newest first) that encrypt the reps' mailbox passwords; `manage.py
# mail_keys_rotate` re-encrypts every password with the first. Without keys no mailbox can be connected; in
# development one is derived from SECRET_KEY.
MAIL_ENCRYPTION_KEYS = env_list("PURSUIT_MAIL_KEYS")
# Networks (CIDRs, comma-separated) where reps' mail servers may be besides public addresses, for a team's own
# server on a private network (mailroom/network.py). Loopback and private ranges are refused otherwise.
MAIL_ALLOWED_NETWORKS = env_list("PURSUIT_MAIL_ALLOWED_NETWORKS")
# Security "none" sends passwords in clear: refused unless allowed (local test servers, DEBUG).
# Seconds between a rep's page asking for new inbound leads (their alert in the page and the browser).
INBOUND_POLL_SECONDS = env_int("PURSUIT_INBOUND_POLL_SECONDS", 20)
# Networks outgoing webhooks may post into besides public addresses (a receiver on the team's private network).
WEBHOOK_ALLOWED_NETWORKS = env_list("PURSUIT_WEBHOOK_ALLOWED_NETWORKS")
MAIL_ALLOW_PLAINTEXT = env_bool("PURSUIT_MAIL_ALLOW_PLAINTEXT", default=DEBUG)
# "Save and test" connects out: a rep may run it this many times in MAIL_TEST_WINDOW_SECONDS.
MAIL_TESTS_PER_WINDOW = env_int("PURSUIT_MAIL_TESTS_PER_WINDOW", 5)
MAIL_TEST_WINDOW_SECONDS = 600
# The authserv-ids of the servers that receive the reps' mail (mx.google.com, ...): only their
# Authentication-Results are believed (mailroom/authentication.py). Empty: the topmost header.
MAIL_TRUSTED_AUTHSERV_IDS = env_list("PURSUIT_MAIL_TRUSTED_AUTHSERV_IDS")
# Google Workspace and Microsoft 365 mailboxes connect by OAuth (mailroom/oauth.py): one client per provider for the
# install, registered as the README says. A provider with no client id is not offered.
MAIL_OAUTH_PROVIDERS = {
    "google": {
        "label": "Google",
        "client_id": env_str("PURSUIT_GOOGLE_CLIENT_ID", ""),
        "client_secret": env_str("PURSUIT_GOOGLE_CLIENT_SECRET", ""),
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "revoke_url": "https://oauth2.googleapis.com/revoke",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        # IMAP and SMTP with a token need Gmail's full-access scope; "openid email" says which address it is.
        "scope": "https://mail.google.com/ openid email",
        # A refresh token, every time (Google gives one only on the first consent otherwise).
        "authorize_params": {"access_type": "offline", "prompt": "consent"},
        "imap": ("imap.gmail.com", 993, "tls"),
        "smtp": ("smtp.gmail.com", 465, "tls"),
    },
    "microsoft": {
        "label": "Microsoft",
        "client_id": env_str("PURSUIT_MICROSOFT_CLIENT_ID", ""),
        "client_secret": env_str("PURSUIT_MICROSOFT_CLIENT_SECRET", ""),
        "authorize_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize".format(
            tenant=env_str("PURSUIT_MICROSOFT_TENANT", "organizations")
        ),
        "token_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token".format(
            tenant=env_str("PURSUIT_MICROSOFT_TENANT", "organizations")
        ),
        "revoke_url": "",  # Microsoft's identity platform has no revocation endpoint: disconnecting deletes the token
        "userinfo_url": "https://graph.microsoft.com/oidc/userinfo",
        "scope": "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send "
        "offline_access openid email",
        "authorize_params": {"prompt": "select_account"},
        "imap": ("outlook.office365.com", 993, "tls"),
        "smtp": ("smtp.office365.com", 587, "starttls"),
    },
}
# The address reps' List-Unsubscribe one-click links point to (RFC 8058), e.g. https://pursuit.example.com.
PUBLIC_BASE_URL = env_str("PURSUIT_PUBLIC_URL", "http://localhost:8000").rstrip("/")

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS is the proxy's job; these say so to browsers once it is in place (see README, "Production").
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Only our own files run or style a page: no inline script or style, no CDN. htmx, Chart.js and Swagger UI are
# served from our static files; data for scripts travels in <script type="application/json"> blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    # Token first, so an unauthenticated API call gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # Per token (per session user, per address when anonymous), counted in the Redis cache all web processes share.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_THROTTLE_RATE", "600/min")},
    "DATETIME_INPUT_FORMATS": ["iso-8601"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Pursuit API",
    "DESCRIPTION": "Sync prospects, contacts and touches. Touches are written exactly once; see /api/docs/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProspectStatusEnum": "crm.models.Prospect.Status",
        "ContactRoleEnum": "crm.models.Contact.Role",
        "UserRoleEnum": "crm.models.User.Role",
        "EnrollmentStatusEnum": "cadence.models.Enrollment.Status",
        "FollowUpStatusEnum": "cadence.models.FollowUp.Status",
        "ProspectSourceEnum": "crm.models.Prospect.Source",
        "TouchSourceEnum": "touches.models.Source",
        "MarkerEnum": "crm.models.Marker",
    },
}

# Celery: JSON only, acknowledge after the work is done (tasks are idempotent), and a hard limit on every task.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Shared by every web process, so API throttling counts per token, not per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "pursuit"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 50)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "pursuit")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A late-acked task must come back after a lost worker, but not while a healthy one still runs it.
# Short connection timeouts and few publish retries: when Redis is down, a request that enqueues a plan after its
# commit gives up within about a second (the sweep repairs the plan) instead of hanging the rep's page.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# All periodic work lives here. The sweep repairs whatever a lost message missed, so a tick may be dropped safely.
# CADENCE_SWEEP_SECONDS exists for integration tests that cannot wait a whole minute for a tick.
_SWEEP_SECONDS = env_int("CADENCE_SWEEP_SECONDS", 0)
CELERY_BEAT_SCHEDULE = {
    "cadence-sweep": {
        "task": "cadence.tasks.sweep",
        "schedule": dt.timedelta(seconds=_SWEEP_SECONDS) if _SWEEP_SECONDS else crontab(),  # * * * * *
        "options": {"expires": min(50, _SWEEP_SECONDS or 50)},
    },
    "touches-hours-fold": {
        "task": "touches.tasks.hours_fold",
        "schedule": crontab(),  # * * * * *  the dashboard's rollup: deltas into the totals
        "options": {"expires": 50},
    },
    "crm-prune": {
        "task": "crm.tasks.prune",
        "schedule": crontab(minute=23),  # 23 * * * *  hourly: form ids older than a day
        "options": {"expires": 3000},
    },
    "cadence-prune": {
        "task": "cadence.tasks.prune",
        "schedule": crontab(minute=29),  # 29 * * * *  hourly: what logs changed, past their undo window
        "options": {"expires": 3000},
    },
    "webhooks-deliver": {
        "task": "webhooks.tasks.deliver",
        "schedule": dt.timedelta(seconds=5),  # what the triggers queued (webhooks.services)
        "options": {"expires": 4},
    },
    "mail-sync": {
        "task": "mailroom.tasks.mailboxes_sync",
        "schedule": crontab(),  # * * * * *  every connected mailbox's new mail
        "options": {"expires": 50},
    },
    "mail-outbox": {
        "task": "mailroom.tasks.outbox_sweep",
        "schedule": crontab(),  # * * * * *  messages waiting for their window, and lost send tasks
        "options": {"expires": 50},
    },
    "mail-prune": {
        "task": "mailroom.tasks.inbound_prune",
        "schedule": crontab(minute=41, hour=3),  # daily: raw messages past their retention
        "options": {"expires": 3000},
    },
    "api-prune": {
        "task": "api.tasks.prune",
        "schedule": crontab(minute=17),  # 17 * * * *  hourly, off the top of the hour
        "options": {"expires": 3000},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Uploads (the CSV import is the only one) are counted as they arrive and stopped past this (web/uploads.py).
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "web.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
