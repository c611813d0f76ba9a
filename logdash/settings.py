"""
Django settings for logdash.

This is the only module that reads environment variables; every app reads its own
settings through its `conf.py`. With DEBUG off the defaults are production-safe: no
default SECRET_KEY is accepted and ALLOWED_HOSTS must be given.
"""

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

from logdash.broker import check_broker_url, next_redis_db

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_nodes(name: str) -> list[tuple[str, int]]:
    """A comma-separated `host:port` list (IPv6 hosts in brackets) as (host, port) pairs."""
    nodes = []
    for item in _env_list(name, ""):
        host, sep, port = item.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not host:port; give a comma-separated list such as 10.0.0.1:7000,10.0.0.2:7000."
            )
        nodes.append((host.strip("[]"), int(port)))
    return nodes


DEBUG = _env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-logdash-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off logdash needs its own secret: set SECRET_KEY "
        "to a long random string (for development, set DEBUG=1 instead)."
    )

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
PORT = int(os.environ.get("PORT", "8000"))

# Where clients reach the API: the schema's `servers`, so a generated client's root URL is set.
# Defaults to the dev server (`make run`) with DEBUG, else "/" (the origin that served the schema).
LOGDASH_PUBLIC_URL = os.environ.get("LOGDASH_PUBLIC_URL", "").strip().rstrip("/")
if LOGDASH_PUBLIC_URL and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", LOGDASH_PUBLIC_URL):
    raise ImproperlyConfigured(
        f"LOGDASH_PUBLIC_URL={LOGDASH_PUBLIC_URL!r} is not an http(s) URL: give the scheme, host and any port "
        "and path prefix the API is served under, e.g. https://logs.example.com."
    )
PUBLIC_URL_DESCRIPTION = "This logdash (LOGDASH_PUBLIC_URL)." if LOGDASH_PUBLIC_URL else (
    "The development server (`make run`); set LOGDASH_PUBLIC_URL for another." if DEBUG
    else "The origin that served this schema; set LOGDASH_PUBLIC_URL to name it.")
LOGDASH_PUBLIC_URL = LOGDASH_PUBLIC_URL or (f"http://127.0.0.1:{PORT}" if DEBUG else "/")

# Services. An empty ELASTICSEARCH_URL means "start the embedded osmem-server" (dev runner
# and tests); production points it at a cluster.
# Redis is one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES: any reachable nodes of it) or a
# Sentinel-managed primary (REDIS_SENTINELS: the Sentinels, REDIS_SENTINEL_MASTER: the name they monitor,
# REDIS_SENTINEL_DB: the database). docs/scaling.md.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_URL_IS_EXPLICIT = "REDIS_URL" in os.environ
REDIS_CLUSTER_NODES = [f"{host}:{port}" for host, port in _env_nodes("REDIS_CLUSTER_NODES")]
REDIS_SENTINELS = _env_nodes("REDIS_SENTINELS")
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "").strip()
REDIS_SENTINEL_DB = int(os.environ.get("REDIS_SENTINEL_DB", "0"))
if REDIS_CLUSTER_NODES and REDIS_SENTINELS:
    raise ImproperlyConfigured(
        "REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: a cluster fails over by itself, so give one of them."
    )
if bool(REDIS_SENTINELS) != bool(REDIS_SENTINEL_MASTER):
    raise ImproperlyConfigured(
        "Sentinel needs both REDIS_SENTINELS (host:port of each Sentinel) and REDIS_SENTINEL_MASTER (the name "
        "they monitor, as in `sentinel monitor <name> ...`); only "
        f"{'REDIS_SENTINELS' if REDIS_SENTINELS else 'REDIS_SENTINEL_MASTER'} is set."
    )
# ELASTICSEARCH_URL: one URL or a comma-separated list of nodes; a request that fails on one node
# (connection error, timeout, 502/503/504) is retried on another up to ELASTICSEARCH_MAX_RETRIES times.
# Production settings (TLS, API key, sniffing): docs/scaling.md.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
for _node in _env_list("ELASTICSEARCH_URL", ""):
    if not re.fullmatch(r"https?://[^/\s?#]+/?", _node):
        raise ImproperlyConfigured(
            f"ELASTICSEARCH_URL: {_node!r} is not a node URL; give http(s)://host:port, or several separated "
            "by commas (https://es1:9200,https://es2:9200)."
        )
ELASTICSEARCH_MAX_RETRIES = int(os.environ.get("ELASTICSEARCH_MAX_RETRIES", "1"))
ELASTICSEARCH_RETRY_ON_TIMEOUT = _env_bool("ELASTICSEARCH_RETRY_ON_TIMEOUT", False)
ELASTICSEARCH_API_KEY = os.environ.get("ELASTICSEARCH_API_KEY", "")
ELASTICSEARCH_CA_CERTS = os.environ.get("ELASTICSEARCH_CA_CERTS", "")
ELASTICSEARCH_VERIFY_CERTS = _env_bool("ELASTICSEARCH_VERIFY_CERTS", True)
ELASTICSEARCH_SNIFF_ON_START = _env_bool("ELASTICSEARCH_SNIFF_ON_START", False)
ELASTICSEARCH_SNIFF_ON_NODE_FAILURE = _env_bool("ELASTICSEARCH_SNIFF_ON_NODE_FAILURE", False)
ELASTICSEARCH_DEAD_NODE_BACKOFF = float(os.environ.get("ELASTICSEARCH_DEAD_NODE_BACKOFF", "1"))
ELASTICSEARCH_FLAVOR = os.environ.get("ELASTICSEARCH_FLAVOR", "osmem" if not ELASTICSEARCH_URL else "elasticsearch")
if ELASTICSEARCH_FLAVOR not in {"elasticsearch", "osmem"}:
    raise ImproperlyConfigured(
        f"ELASTICSEARCH_FLAVOR={ELASTICSEARCH_FLAVOR!r} is not supported: use 'elasticsearch' or 'osmem'."
    )
ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", "10"))
# A bulk request of an upload may take longer than a query: the engine merges what it indexed as it goes.
ELASTICSEARCH_BULK_TIMEOUT = float(os.environ.get("ELASTICSEARCH_BULK_TIMEOUT", "60"))

# Ingestion jobs run on Celery workers (`celery -A logdash worker`, logdash/celery.py; docs/operations.md).
# The broker is CELERY_BROKER_URL; by default the Redis above on the next database number (REDIS_URL's
# /0 gives /1), so jobs and cache entries never share keys. RabbitMQ: amqp://user:password@host:5672//.
# Celery's Redis transport speaks Sentinel (sentinel://) but not Redis Cluster: a cluster deployment needs
# a separate broker (RabbitMQ, or a plain or Sentinel-managed Redis), and a cluster URL is refused here.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or next_redis_db(REDIS_URL)
CELERY_BROKER_URL_IS_EXPLICIT = bool(os.environ.get("CELERY_BROKER_URL"))
check_broker_url(CELERY_BROKER_URL)
# No result backend: a job's outcome is its Upload row (GET /api/uploads/<id>).
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# A job is acknowledged when it ends, not when it starts: a worker killed mid-file leaves its job to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # one job per worker process at a time: a long job never holds another back
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing at upload time waits this long for the broker before the upload is answered 503.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
# Sending a job retries this much before the upload is answered 503.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis broker: a job not acknowledged this many seconds after delivery (its worker died) is delivered
    # again. A job running longer is delivered twice, and the second delivery waits while the first's
    # progress stays fresh (dashboard/jobs.py), so keep it well below LOGDASH_UPLOAD_STALE_SECONDS.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800")),
    # Publishing gives up after these retries (then the upload is answered 503).
    "max_retries": 1,
}
# Periodic tasks for `celery -A logdash beat` (`make run` runs the beat inside its worker): retention,
# every LOGDASH_RETENTION_INTERVAL seconds (it removes nothing while no retention is set).
LOGDASH_RETENTION_INTERVAL = float(os.environ.get("LOGDASH_RETENTION_INTERVAL", "3600"))
CELERY_BEAT_SCHEDULE: dict = {
    "apply-retention": {"task": "dashboard.apply_retention", "schedule": LOGDASH_RETENTION_INTERVAL},
}

# Only the dev runner (`make run`) uses these, to create the demo superuser.
LOGDASH_ADMIN_USER = os.environ.get("LOGDASH_ADMIN_USER", "admin")
LOGDASH_ADMIN_PASSWORD = os.environ.get("LOGDASH_ADMIN_PASSWORD", "admin")
LOGDASH_DEMO_LINES = int(os.environ.get("LOGDASH_DEMO_LINES", "30000"))
LOGDASH_WEB_WORKERS = int(os.environ.get("LOGDASH_WEB_WORKERS", "2"))
LOGDASH_WEB_THREADS = int(os.environ.get("LOGDASH_WEB_THREADS", "8"))
LOGDASH_JOB_WORKERS = int(os.environ.get("LOGDASH_JOB_WORKERS", "1"))  # processes of `make run`'s Celery worker


def _env_niceness(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.lstrip("-").isdigit() or not 0 <= int(raw) <= 19:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a niceness from 0 (normal CPU priority) to 19 (lowest); "
                                   f"set one, or unset it for the default ({default}).")
    return int(raw)


# CPU priority of background work on a machine it shares with the web tier: a cached hit must not wait
# behind ingestion. LOGDASH_WORKER_NICENESS lowers the Celery worker's job processes (logdash/celery.py);
# LOGDASH_EMBEDDED_ENGINE_NICENESS the embedded search engine the dev runner starts, which does the
# indexing half of an upload. 0 keeps normal priority (what a dedicated worker machine wants).
LOGDASH_WORKER_NICENESS = _env_niceness("LOGDASH_WORKER_NICENESS", 10)
LOGDASH_EMBEDDED_ENGINE_NICENESS = _env_niceness("LOGDASH_EMBEDDED_ENGINE_NICENESS", 10)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "corsheaders",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "logdash",
    "cacheops",
    "dashboard",
]

MIDDLEWARE = [
    # First: CORS headers must reach every answer, including WhiteNoise's and CommonMiddleware's.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# Brute force (docs/security.md). django-axes counts failed logins on every form that authenticates
# (/login/, the admin, the token view) per username and client address, and answers 429 once
# AXES_FAILURE_LIMIT is reached, for AXES_COOLOFF_TIME. The token view is also rate-limited per
# address (DRF throttle scope `login`). The client address is REMOTE_ADDR, or, behind
# LOGDASH_TRUSTED_PROXIES reverse proxies (nginx: 1), the X-Forwarded-For entry the nearest trusted
# proxy added: never an address the client wrote itself (logdash/security.py).
LOGDASH_TRUSTED_PROXIES = int(os.environ.get("LOGDASH_TRUSTED_PROXIES", "0"))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGDASH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGDASH_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "logdash.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "logdash.security.client_ip"
AXES_VERBOSE = False  # no "AXES: BEGIN" banner on every manage.py command; lockouts are still logged
LOGDASH_LOGIN_RATE = os.environ.get("LOGDASH_LOGIN_RATE", "10/minute")

ROOT_URLCONF = "logdash.urls"
WSGI_APPLICATION = "logdash.wsgi.application"
ASGI_APPLICATION = "logdash.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' templates: logdash's overrides of rest_framework/ (browsable API) and drf_spectacular/
        # (Swagger UI) pages, which the app loader would find after the third-party apps' own.
        "DIRS": [BASE_DIR / "logdash" / "templates"],
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
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite shared by gunicorn workers and job processes: WAL lets readers go on while one writes,
    # IMMEDIATE takes the write lock when a transaction begins (a deferred one that reads, then writes,
    # fails at once with "database is locked" when another wrote meanwhile), and a writer waits up to
    # 20 s for the lock instead of 5. PostgreSQL (DATABASE_URL) remains the choice for production.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_REDIS_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5")),
    "SOCKET_TIMEOUT": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5")),
}
_REDIS_LOCATION = REDIS_URL
if REDIS_CLUSTER_NODES:
    # cacheops.cluster: a redis-py RedisCluster under django-redis; checked at start-up (cacheops/apps.py).
    _REDIS_LOCATION = f"redis://{REDIS_CLUSTER_NODES[0]}"
    _REDIS_OPTIONS.update(CONNECTION_FACTORY="cacheops.cluster.ClusterConnectionFactory",
                          CLUSTER_NODES=REDIS_CLUSTER_NODES)
elif REDIS_SENTINELS:
    # django-redis asks the Sentinels for the primary of REDIS_SENTINEL_MASTER, and again after a failover.
    _REDIS_LOCATION = f"redis://{REDIS_SENTINEL_MASTER}/{REDIS_SENTINEL_DB}"
    # The pool class is named here although the factory defaults to it: the factory writes its default
    # into this dict, and anything copying these OPTIONS should see it was put there on purpose.
    _REDIS_OPTIONS.update(CONNECTION_FACTORY="django_redis.pool.SentinelConnectionFactory",
                          CONNECTION_POOL_CLASS="redis.sentinel.SentinelConnectionPool",
                          SENTINELS=REDIS_SENTINELS,
                          SENTINEL_KWARGS={"socket_timeout": _REDIS_OPTIONS["SOCKET_TIMEOUT"],
                                           "socket_connect_timeout": _REDIS_OPTIONS["SOCKET_CONNECT_TIMEOUT"]})
CACHES = {
    "default": {
        "BACKEND": "cacheops.backends.RedisCache",
        "LOCATION": _REDIS_LOCATION,
        "OPTIONS": _REDIS_OPTIONS,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# The response cache: see cacheops/conf.py for every key and its default.
CACHEOPS = {}

# How long a process may answer `Authorization: Token ...` without the database. A deleted token
# (logout, password change, deactivated user) is dropped by every process within milliseconds over
# Redis pub/sub; this is the bound only when Redis is unreachable at the moment of revocation. 0: off.
LOGDASH_TOKEN_CACHE_SECONDS = float(os.environ.get("LOGDASH_TOKEN_CACHE_SECONDS", "60"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication without its per-request query: see logdash/authentication.py.
        "logdash.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # One body type per operation (and in the schema): JSON everywhere; the upload view alone reads multipart.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "logdash.exceptions.json_exception_handler",
    # Remembers Accept-header negotiation: a large share of a cache hit's Python time otherwise.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cacheops.negotiation.CachedContentNegotiation",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "logdash.openapi.AutoSchema",
    # Only views that name a scope are throttled: the token login (`login`, per client address).
    "DEFAULT_THROTTLE_RATES": {"login": LOGDASH_LOGIN_RATE},
    # 0: the throttle keys on REMOTE_ADDR, never on an X-Forwarded-For the client can forge.
    "NUM_PROXIES": LOGDASH_TRUSTED_PROXIES,
}

# OpenAPI 3 at /api/schema/, Swagger UI at /api/docs/ with its assets served from our own static
# files (drf-spectacular-sidecar), never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "logdash API",
    "DESCRIPTION": (
        "Log analytics: upload log files, then read KPIs, search and trends, served from a Redis response "
        "cache. Authenticate with `Authorization: Token <key>` (POST /api/auth/token). Every error body is "
        "the `ApiError` schema."
    ),
    "VERSION": "0.1.0",
    "SERVERS": [{"url": LOGDASH_PUBLIC_URL, "description": PUBLIC_URL_DESCRIPTION}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two answers have a `status` with different choices: name each enum instead of a numbered one.
    # drf-spectacular's enum components, then parameters made to refer to them (logdash/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "logdash.openapi.postprocess_parameter_enums",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HealthStatusEnum": ["ok", "degraded"],
        "UploadStatusEnum": "dashboard.models.Upload.Status",
    },
}

# CORS for the Angular client (token auth, no cookies, so no credentials). Only the API answers
# cross-origin requests, and the cache headers are readable by the client's JavaScript.
CORS_ALLOWED_ORIGINS = _env_list("CORS_ALLOWED_ORIGINS", "http://localhost:4200" if DEBUG else "")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Cache", "X-Cache-Key", "ETag", "Age"]
# If-None-Match lets the client revalidate with the ETag it was given (a 304 on a cache hit).
CORS_ALLOW_HEADERS = (*default_headers, "if-none-match")

# Prometheus metrics at /metrics (logdash/metrics.py). prometheus_client itself reads
# PROMETHEUS_MULTIPROC_DIR when imported (multiprocess mode, set by `make run` for gunicorn); the
# view reads it here to sum the workers' files. Access: direct connections from METRICS_ALLOWED_IPS
# (addresses or networks; loopback by default), `Authorization: Bearer <METRICS_TOKEN>`, or staff.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
METRICS_ALLOWED_IPS = _env_list("METRICS_ALLOWED_IPS", "127.0.0.0/8,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Uploads: bigger files are refused with 413 (see dashboard/conf.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
LOGDASH_UPLOAD_MAX_BYTES = int(os.environ.get("LOGDASH_UPLOAD_MAX_BYTES", str(100 * 1024 * 1024)))
# What a gzip upload may inflate to: by default 10 times the upload limit (a gzip bomb is refused with 413).
LOGDASH_UPLOAD_MAX_DECOMPRESSED_BYTES = (
    int(os.environ["LOGDASH_UPLOAD_MAX_DECOMPRESSED_BYTES"])
    if os.environ.get("LOGDASH_UPLOAD_MAX_DECOMPRESSED_BYTES") else None
)
# Uploads one user may run at once (one more is answered 429), and the longest message indexed per line.
LOGDASH_UPLOAD_MAX_CONCURRENT_PER_USER = int(os.environ.get("LOGDASH_UPLOAD_MAX_CONCURRENT_PER_USER", "2"))
LOGDASH_MAX_MESSAGE_CHARS = int(os.environ.get("LOGDASH_MAX_MESSAGE_CHARS", "8192"))
# Where uploads wait for their job: Django's default storage (MEDIA_ROOT on local disk unless STORAGES
# names another backend, e.g. S3 through django-storages; docs/operations.md). Every web server and
# worker must see the same storage.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "media/"


def _env_whole_number(name: str, default: int | None, *, minimum: int = 1) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number of at least {minimum}; set one, or unset "
                                   f"it for the default ({default if default is not None else 'none'}).")
    return int(raw)


# Retention (dashboard/retention.py): keep this many days of lines, today included; unset keeps
# them forever. `manage.py apply_retention` drops what is older; a product may keep fewer days.
LOGDASH_RETENTION_DAYS = _env_whole_number("LOGDASH_RETENTION_DAYS", None)
# The embedded engine keeps every line in memory (about 12 KB each, measured by `make bench`): an upload
# that would take it past this many lines is refused with 507. The default fits in about 4 GB.
# Ignored with a real cluster.
LOGDASH_EMBEDDED_MAX_DOCS = _env_whole_number("LOGDASH_EMBEDDED_MAX_DOCS", 300_000)
# Pages of search results read ahead on a miss and cached for the next-page request (0: none).
LOGDASH_SEARCH_READ_AHEAD_PAGES = _env_whole_number("LOGDASH_SEARCH_READ_AHEAD_PAGES", 1, minimum=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development WhiteNoise serves straight from the apps' static folders (no collectstatic);
# in production run `manage.py collectstatic` and it serves compressed, fingerprinted files.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads are stored through the default storage: local files under MEDIA_ROOT unless LOGDASH_STORAGE_BACKEND
# names another, e.g. storages.backends.s3.S3Storage (pip install django-storages[s3]) with its options as
# JSON in LOGDASH_STORAGE_OPTIONS, e.g. {"bucket_name": "logdash-uploads"} (docs/operations.md).
STORAGES = {
    "default": {"BACKEND": os.environ.get("LOGDASH_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
                "OPTIONS": json.loads(os.environ.get("LOGDASH_STORAGE_OPTIONS", "{}"))},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGIN_URL = "/admin/login/"

# HTTPS. With DEBUG off every default is the secure one (`manage.py check --deploy` is clean); each can
# be turned down from the environment, e.g. SECURE_SSL_REDIRECT=0 when a proxy already redirects.
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the
# proxy overwrites that header). DEBUG (make run, the tests) serves plain HTTP.
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = _env_list("SECURE_REDIRECT_EXEMPT", r"^api/health$")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
_proxy_ssl_header = _env_list("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be `HEADER,value`, e.g. HTTP_X_FORWARDED_PROTO,https.")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The Content-Security-Policy of the pages people open in a browser (`/` and `/login/`, dashboard/pages.py):
# scripts, styles and everything else from our own origin only, no inline script or style, no framing.
LOGDASH_CONTENT_SECURITY_POLICY = os.environ.get("LOGDASH_CONTENT_SECURITY_POLICY", "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]))

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"elastic_transport": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}
