"""Settings of the benchmark: the project's, with the benchmark views routed and DEBUG off."""

from logdash.settings import *  # noqa: F403
from logdash.settings import BASE_DIR, LOGGING

DEBUG = False
SECRET_KEY = "bench-only-not-a-secret-bench-only-not-a-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "bench" / "results" / "bench.sqlite3"}
}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
REST_FRAMEWORK_EXTENSIONS = {"DEFAULT_CACHE_RESPONSE_TIMEOUT": 300, "DEFAULT_USE_CACHE": "default"}
