"""Settings for Django's own `cache.tests.RedisCacheTests`, run against our CACHES backend.

Used by tests/peers/run_django_cache_tests.py in a subprocess whose sys.path holds the tests
folder of Django's sdist (for the `cache` test app). The Redis is a private redis-server the
runner starts (the suite FLUSHes its database), passed as the first argument.
"""

import sys

REDIS_URL = sys.argv[1]
SECRET_KEY = "peer-suites-only"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "cache"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
             "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": REDIS_URL}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
MIDDLEWARE = []
ROOT_URLCONF = None
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CACHEOPS = {}
