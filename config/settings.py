"""Demand Desk settings: one module, every deployment difference read from the environment.

Unset variables give the embedded default that `make run` serves: SQLite under var/, Celery tasks
executed eagerly in-process, e-mail printed to the console.
"""

from pathlib import Path

import environ
from pythonjsonlogger.core import RESERVED_ATTRS as RESERVED_LOG_RECORD_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# A development key exists only when DEBUG is on; production must provide SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="") or ("dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_prometheus",
    "core",
    "intake",
    "partners",
    "triage",
    "portfolio",
    "webhooks",
    "notifications",
]

MIDDLEWARE = [
    # First and last, so the request latency they measure includes every other middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.PublishScopeMiddleware",
    "core.middleware.DatabaseWaitScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (set_language may keep the choice there) and before CommonMiddleware, as Django asks.
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (its JSON errors speak the reader's language), around everything that may answer an error.
    "core.middleware.ApiErrorMiddleware",
    "core.middleware.ReaderTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.PermissionDeniedAuditMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The hot fragments of pages (a table's rows), under <app>/jinja2/ (core/jinja2.py; issue 22).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "filter_libraries": [
                "core.templatetags.demanddesk",
                "triage.templatetags.triage_tags",
                "portfolio.templatetags.portfolio_tags",
            ],
        },
    },
]

# Django's form templates through Jinja2 (same markup, faster); the admin's widgets stay on Django's engine.
FORM_RENDERER = "core.forms.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'demanddesk.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default keeps its database file under var/
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Timeouts at every hop to PostgreSQL (docs/operations.md, "Timeouts"; core.database applies them per role).
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast instead of hanging when PostgreSQL is down; find a vanished server or a cut network on an idle
    # connection within ~25 s (keepalives) and on a busy one within 10 s (unacknowledged data, tcp_user_timeout).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DB_CONNECT_TIMEOUT,
            "keepalives": 1,
            "keepalives_idle": env.int("DB_KEEPALIVES_IDLE", default=10),
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": env.int("DB_TCP_USER_TIMEOUT_MS", default=10000),
        }
    )
# "pgbouncer" when DATABASE_URL points at PgBouncer in transaction pooling (docs/scaling.md): nothing is kept on
# the server connection (core.database sends the statement timeout with each statement) and server-side cursors
# are used only inside transactions (core.postgresql_pooled). Empty: a direct connection.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise environ.ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', not {DATABASE_POOLER!r}.")
if DATABASE_POOLER and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "core.postgresql_pooled"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.sso.LocalPasswordBackend",
    "core.sso.SsoBackend",  # answers only the single sign-on callback, and only when SSO is configured
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # core.roles.landing_url_name: the queue, or the portfolio for a portfolio manager
LOGOUT_REDIRECT_URL = "home"

# --- Single sign-on (OpenID Connect), docs/sso.md -----------------------------------------------
# Off unless OIDC_RP_CLIENT_ID is set. Endpoints are the provider's discovery document's
# (<issuer>/.well-known/openid-configuration): authorization, token, userinfo, jwks_uri, end_session.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company account")  # "Sign in with <this>"
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")  # empty: sign out here only
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
# The claim that lists the person's groups ("groups"; "roles" for Entra ID app roles), and the roles each gives:
# "dd-cio=CIO,dd-analysts=Analyst,dd-pm=Portfolio manager" (role names as in core/roles.py).
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_ROLES = env.str("OIDC_GROUP_ROLES", default="")
OIDC_CLOCK_LEEWAY_SECONDS = env.int("OIDC_CLOCK_LEEWAY_SECONDS", default=60)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the hint the provider's end-session endpoint asks for
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)  # a provider that hangs never holds a worker longer
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
# How long a signed-in session lasts, in seconds. With SSO, a working day: roles are read from the provider at each
# sign-in, so a session must not outlive a change of groups by long (Django's default, without SSO, is two weeks).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600 if OIDC_RP_CLIENT_ID else 14 * 24 * 3600)
# Local passwords: "all" accounts, or "superusers" only (the break-glass account) once staff sign in through SSO.
LOCAL_PASSWORD_LOGIN = env.str("LOCAL_PASSWORD_LOGIN", default="superusers" if OIDC_RP_CLIENT_ID else "all")
# A reset link works for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 3600
# Password-reset e-mails: per client address, and per e-mail address asked for.
PASSWORD_RESET_RATE_PER_IP = env.str("PASSWORD_RESET_RATE_PER_IP", default="10/hour")
PASSWORD_RESET_RATE_PER_EMAIL = env.str("PASSWORD_RESET_RATE_PER_EMAIL", default="3/hour")

# Brute-force protection for the staff login: 5 failures lock the username+IP for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The lockout counts per client as every other limit does: behind a trusted proxy, the forwarded address.
AXES_CLIENT_IP_CALLABLE = "core.proxies.client_address"

# --- Reverse proxy ---------------------------------------------------------------------------
# The networks of the reverse proxies in front of gunicorn (nginx, a load balancer), as CIDR, e.g.
# "172.28.0.10/32,10.0.0.0/8". Only a connection from one of them may name the client in X-Forwarded-For,
# and the client is the right-most address there that is not one of them (core.proxies.client_address).
# Empty (the default): X-Forwarded-For is ignored, the client is the address that opened the connection.
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])
# Besides this host (loopback), the networks whose clients may read /readyz's details and scrape /metrics.
MONITORING_NETWORKS = env.list("MONITORING_NETWORKS", default=[])

# English by default; French for anyone whose browser asks for it (Accept-Language) or who picks it in the
# language switcher (Django's set_language view, remembered in the django_language cookie).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"  # stored and served in UTC; pages show times in the reader's zone (core.middleware)
USE_I18N = True
USE_TZ = True
# One date style per language (core/formats): "4 Dec 2026, 17:26", "4 déc. 2026 à 17:26".
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG  # `make run` serves static files without collectstatic
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
# Attachments live outside the web root and are only served through a view that checks access.
MEDIA_ROOT = env.path("ATTACHMENT_ROOT", default=VAR_DIR / "attachments")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Demand Desk <demands@example.com>")
# Replies by e-mail (intake.conversation): each demand's e-mails carry Reply-To `<local>+<reference>.<tag>@<domain>`
# of this address (the tag signed with SECRET_KEY); empty: no Reply-To. The mailbox that receives them is read by
# polling INBOUND_EMAIL_URL (imap://user:password@host:port/INBOX, or imaps://); empty: no polling.
REPLY_EMAIL_ADDRESS = env.str("REPLY_EMAIL_ADDRESS", default="demands@example.com")
INBOUND_EMAIL_URL = env.str("INBOUND_EMAIL_URL", default="")
INBOUND_EMAIL_POLL_SECONDS = env.float("INBOUND_EMAIL_POLL_SECONDS", default=30.0)
# Read messages are moved to the first folder; what cannot be applied whole (unreadable, too large, a refused
# file) to the second, for a person to look at: no message is ever deleted.
INBOUND_EMAIL_DONE_FOLDER = env.str("INBOUND_EMAIL_DONE_FOLDER", default="Processed")
INBOUND_EMAIL_REVIEW_FOLDER = env.str("INBOUND_EMAIL_REVIEW_FOLDER", default="Review")
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)
# After a failed poll the next waits 30 s, then 1, 2, 4... minutes, at most an hour.
INBOUND_EMAIL_BACKOFF_SECONDS = 30
INBOUND_EMAIL_BACKOFF_MAX_SECONDS = 3600

# --- Celery -----------------------------------------------------------------------------------
# No broker configured means the embedded default: tasks run eagerly, in-process, after commit.
BROKER_CONFIGURED = bool(env.str("CELERY_BROKER_URL", default=""))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not BROKER_CONFIGURED
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task finishes (or is killed) well inside the visibility timeout below, so a message is only
# ever redelivered when its worker really died, never while it still runs.
CELERY_TASK_SOFT_TIME_LIMIT = 25
CELERY_TASK_TIME_LIMIT = 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing must never hang a web request: half-second socket timeouts and no publish retry, then the
# request goes on and the periodic sweeps enqueue the work later. Measured against a frozen Redis
# (tests/ops/test_broker_hung.py): a failed publish costs about 0.5-1 s (the command's timeout, or the
# reconnect's connect and handshake), a request gives up after its first failure and, for
# BROKER_BACKOFF_SECONDS after it, the other requests of the process do not try at all
# (core.enqueue.publish_scope), so a hung broker costs each request at most about one second, under load
# too. Redis answers in well under a millisecond when healthy; workers' blocking reads are not bound by this.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BROKER_BACKOFF_SECONDS = env.float("BROKER_BACKOFF_SECONDS", default=5.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    # A message whose worker died before acknowledging it (SIGKILL, machine lost) is handed out again
    # once it has been unacknowledged this long: above the hard time limit, and short enough that
    # the demand is scored within a minute.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=45),
    # Workers look for such messages every 5 s (kombu's default is every 10 × 10 s).
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
EMAIL_TIMEOUT = 10
# A scoring task failing on database errors is retried after 2, 4, 8, 16, 32, 64 s (jittered), then
# recorded as failed and shown on the triage dashboard.
SCORING_MAX_RETRIES = env.int("SCORING_MAX_RETRIES", default=6)
SCORING_RETRY_BACKOFF = env.int("SCORING_RETRY_BACKOFF", default=2)
# A scoring task scores its own demand plus up to this many minus one others waiting (triage.services.
# assessments_compute_requested): a backlog is worked off in set-based batches instead of one by one.
SCORING_BATCH_SIZE = env.int("SCORING_BATCH_SIZE", default=200)
# A model change enqueues this many rescore tasks: up to that many worker processes rescore its ranges at once
# (triage.services.rescoring). Match it to the workers' total concurrency; more only adds idle tasks.
RESCORE_TASKS = env.int("RESCORE_TASKS", default=2)
# Open demands per rescore range: what one worker claims and commits in one transaction.
RESCORE_RANGE_SIZE = env.int("RESCORE_RANGE_SIZE", default=2000)
# The sweeps re-send after-commit work still due this long after it was asked for (a broker outage, a task
# that died): long enough that the first try has had its chance, short enough that nothing waits for long.
# Fault runs (`make faults`) shorten both to catch up in seconds.
SWEEP_GRACE_SECONDS = env.int("SWEEP_GRACE_SECONDS", default=60)
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-unscored-demands": {"task": "triage.sweep_unscored", "schedule": SWEEP_INTERVAL_SECONDS},
    "sweep-similarity-due": {"task": "intake.sweep_similarity_due", "schedule": SWEEP_INTERVAL_SECONDS},
    "sweep-unsent-email": {"task": "core.sweep_unsent_email", "schedule": 2 * SWEEP_INTERVAL_SECONDS},
    "sweep-webhook-deliveries": {"task": "webhooks.sweep_due_deliveries", "schedule": 10.0},
    # Rate counters older than two days are dead weight; pruning them hourly keeps the table small.
    "sweep-rate-counters": {"task": "core.sweep_rate_counters", "schedule": 3600.0},
    # Anonymous refusals become one audit row per client and window (core.services.audit_anonymous_flush).
    "flush-anonymous-audit": {"task": "core.audit_flush_anonymous", "schedule": 60.0},
    # Replies by e-mail; does nothing without INBOUND_EMAIL_URL, and waits out its backoff after failures.
    "poll-reply-mailbox": {"task": "intake.poll_reply_mailbox", "schedule": INBOUND_EMAIL_POLL_SECONDS},
    # Staff notifications: decisions due soon or overdue (once per demand and state), and each reader's daily
    # digest, sent from DIGEST_HOUR in their own time zone (so the sweep runs every quarter of an hour).
    "notify-decisions-due": {"task": "notifications.sweep_decisions_due", "schedule": 3600.0},
    "send-notification-digests": {"task": "notifications.send_digests", "schedule": 900.0},
}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.HasTokenScope"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.TokenRateThrottle", "core.throttling.TokenReadThrottle"],
    # JSON only in production: the browsable API is a development aid (its pages show every field and form).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "PAGE_SIZE": 50,
    # JSON in, JSON out: any other body is a 415 (a multipart file is never accepted and then dropped).
    "DEFAULT_PARSER_CLASSES": ["core.api.SafeJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.StrictContentNegotiation",
}
# The longest path and query string the API reads; longer is a JSON 414 (gunicorn's own limit is lifted).
API_MAX_URL_LENGTH = env.int("API_MAX_URL_LENGTH", default=8190)
SPECTACULAR_SETTINGS = {
    "TITLE": "Demand Desk API",
    "DESCRIPTION": (
        "Portfolio of BT projects and customer demands. Authenticate with `Authorization: Bearer <key>` (or "
        "`Token <key>`). Every error is JSON with a stable `code`, a `detail` in the reader's language, `fields` "
        "and the `request_id`. Unknown query parameters are ignored (clients add cache-busters such as `?_=1`); "
        "a known parameter given empty or invalid is a 400. Conventions, limits and idempotency: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ScoreBandEnum": "intake.choices.ScoreBand",
        "WebhookEventTypeEnum": "webhooks.choices.EventType",
        "WebhookEndpointStatusEnum": "webhooks.choices.EndpointStatus",
        "WebhookDeliveryStatusEnum": "webhooks.choices.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.api_postprocess",
        "webhooks.schemas.webhooks_postprocess",
    ],
}

# --- Security headers -------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and container health checks probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Domain settings --------------------------------------------------------------------------
# Scoring compares money in one currency; revenue at stake in another is converted at these rates.
BASE_CURRENCY = "EUR"
CURRENCY_RATES_TO_BASE = {"EUR": "1", "USD": "0.92", "GBP": "1.17", "CHF": "1.05"}
# Contacts from these domains never match a customer account.
FREE_MAIL_DOMAINS = env.list(
    "FREE_MAIL_DOMAINS",
    default=[
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "mail.com",
    ],
)

# --- Operations -------------------------------------------------------------------------------
# Logs: one JSON object per line in production (for the log shipper), readable text with DEBUG on.
# Every record carries the request id (X-Request-ID) of its request and the id of its Celery task.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "core.requestlog.RequestContextFilter"},
        # Private tracking links are written `/track/[redacted]/`, whoever logs them (core.redaction).
        "redact_secrets": {"()": "core.redaction.SecretRedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(task_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # Celery repeats its message in an extra `data` field; one copy per line is enough.
            "reserved_attrs": [*RESERVED_LOG_RECORD_ATTRS, "data"],
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Celery workers log through the same handlers (JSON, with the task id) instead of their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A cap on any one SQL statement, in ms, per process role (core.database.role_apply): set on the server
# (statement_timeout) and kept by the client too, 0.5 s later, for a server that does not answer at all.
# Web requests: 5 s (pages take milliseconds; a customer waits no longer than this for an error page).
# Workers: 20 s, under the tasks' 25 s soft time limit, so a stuck statement ends as a retried DatabaseError.
# CSV exports: 60 s, in the web process, for their one long read. manage.py commands (migrate): none.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=5000)
DB_WORKER_STATEMENT_TIMEOUT_MS = env.int("DB_WORKER_STATEMENT_TIMEOUT_MS", default=20000)
DB_EXPORT_STATEMENT_TIMEOUT_MS = env.int("DB_EXPORT_STATEMENT_TIMEOUT_MS", default=60000)
# /readyz gives the database this long (connect and SELECT 1 together), in seconds: a probe must answer fast.
READYZ_DATABASE_TIMEOUT = env.float("READYZ_DATABASE_TIMEOUT", default=1.0)
# Anonymous refusals (403s, failed CSRF checks, wrong tracking links) are written to the audit trail as one
# row per client per window of this many seconds, with the count, once the window has closed.
AUDIT_ANONYMOUS_WINDOW_SECONDS = env.int("AUDIT_ANONYMOUS_WINDOW_SECONDS", default=600)
# /metrics answers only to the scraper on the same host (127.0.0.1/::1) or a signed-in staff member.
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- Intake limits ----------------------------------------------------------------------------
# Rate limits are counted in the database (core.RateCounter), so they hold while Redis is down.
# Each is "<requests>/<second|minute|hour|day>".
INTAKE_FORM_RATE_PER_IP = env.str("INTAKE_FORM_RATE_PER_IP", default="20/hour")
# Per contact e-mail domain: generous, as a whole company (or a free-mail provider) shares one.
INTAKE_FORM_RATE_PER_DOMAIN = env.str("INTAKE_FORM_RATE_PER_DOMAIN", default="100/hour")
# Wrong tracking links per IP before further guesses are refused with 429.
INTAKE_TRACK_MISSES_PER_IP = env.str("INTAKE_TRACK_MISSES_PER_IP", default="20/hour")
# "Lost your link?": requests per client before 429, and e-mails per address (beyond it the page answers
# the same and sends nothing, so an address cannot be flooded nor its existence learnt).
INTAKE_LOST_LINK_RATE_PER_IP = env.str("INTAKE_LOST_LINK_RATE_PER_IP", default="10/hour")
INTAKE_LOST_LINK_RATE_PER_EMAIL = env.str("INTAKE_LOST_LINK_RATE_PER_EMAIL", default="3/hour")
# Messages a customer may post on one demand's conversation from its tracking page (a held link cannot flood it).
INTAKE_COMMENTS_PER_DEMAND = env.str("INTAKE_COMMENTS_PER_DEMAND", default="30/hour")
# For core.throttling.TokenRateThrottle (requests per API token); wired in by whoever owns the API.
API_TOKEN_RATE_LIMIT = env.str("API_TOKEN_RATE_LIMIT", default="600/minute")
# Reads per API token, counted in Redis across every web process (core.throttling.TokenReadThrottle); when
# Redis does not answer within the timeout, reads pass uncounted (fail open). Empty URL: reads are not limited.
API_TOKEN_READ_RATE = env.str("API_TOKEN_READ_RATE", default="1200/minute")
API_READ_LIMIT_REDIS_URL = env.str(
    "API_READ_LIMIT_REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
API_READ_LIMIT_REDIS_TIMEOUT = env.float("API_READ_LIMIT_REDIS_TIMEOUT", default=0.1)
# /api/v1/projects/changes/ holds back rows changed this recently, so no slower transaction commits one behind a
# cursor already handed out (core.pagination.ChangesCursorPagination).
API_CHANGES_SETTLE_SECONDS = env.int("API_CHANGES_SETTLE_SECONDS", default=10)
# How long an API Idempotency-Key replays its first answer (docs/api.md); after that it is refused (422).
IDEMPOTENCY_KEY_LIFETIME_HOURS = env.int("IDEMPOTENCY_KEY_LIFETIME_HOURS", default=24)
INTAKE_ATTACHMENTS_MAX_FILES = 5
INTAKE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# --- Webhooks ---------------------------------------------------------------------------------
# Endpoints must use HTTPS and a public address; hosts listed here may also use plain HTTP and
# private or loopback addresses (e.g. a receiver on the same machine during development).
WEBHOOKS_ALLOW_HTTP_HOSTS = env.list("WEBHOOKS_ALLOW_HTTP_HOSTS", default=[])
# Connect and read timeout of one delivery attempt, in seconds: a slow receiver holds a worker this long at most.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
# A failed attempt is retried after base × 2^(failed attempts − 1) seconds (capped, plus up to 20 % jitter),
# for this long after the first attempt; then the delivery is marked failed.
WEBHOOKS_BACKOFF_BASE_SECONDS = env.float("WEBHOOKS_BACKOFF_BASE_SECONDS", default=30.0)
WEBHOOKS_BACKOFF_MAX_SECONDS = env.float("WEBHOOKS_BACKOFF_MAX_SECONDS", default=3600.0)
WEBHOOKS_RETRY_WINDOW_SECONDS = env.float("WEBHOOKS_RETRY_WINDOW_SECONDS", default=24 * 3600.0)
# This many failed deliveries in a row pause the endpoint until staff resume it.
WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES = env.int("WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES", default=10)
# Which event types have endpoints is cached per process this long: filing a demand costs no query for
# webhooks when nobody subscribes. A new endpoint is seen at once by the process that registered it and
# within this many seconds by the others.
WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = env.int("WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS", default=10)
