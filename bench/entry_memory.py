"""
`python -m bench.entry_memory`: the Redis memory one cached response takes, by cache type.

Starts osmem and a private redis-server, loads the demo logs (10,000 lines), requests each
cached endpoint (searches over several pages and sizes), then reads `MEMORY USAGE` (the key, its
value and Redis' per-key overhead) and `STRLEN` of every stored entry. Figures in docs/scaling.md.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
_DB = Path(tempfile.mkdtemp(prefix="logdash-entry-memory-")) / "db.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_DB}")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from cacheops.conf import CacheType  # noqa: E402
from cacheops.keys import make_cache_key, tag_logical_key  # noqa: E402
from logdash.services import start_redis, start_search_engine  # noqa: E402

PATHS = (["/api/dashboard", "/api/analytics/trends?days=7", "/api/analytics/trends?days=30",
          "/api/analytics/patterns", "/api/user/dashboard", "/api/user/me", "/api/products"]
         + [f"/api/search?q={word}&size={size}" for word in ("error", "order", "timeout", "user") for size in (20, 100)]
         + [f"/api/search?level={level}" for level in ("ERROR", "WARNING", "INFO")])


def run() -> dict[str, dict[str, float]]:
    engine, redis_service = start_search_engine(), start_redis()
    caches = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": redis_service.url,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}
    try:
        with override_settings(CACHES=caches, ELASTICSEARCH_URL=engine.url, ELASTICSEARCH_FLAVOR="osmem",
                               ALLOWED_HOSTS=["*"]):
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_demo_logs", lines=10_000, replace=True)
            user = get_user_model().objects.create_user("entry-memory", is_staff=True)
            token = Token.objects.create(user=user).key
            client = Client(HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Token {token}")
            for path in PATHS:
                assert client.get(path).status_code == 200, path
            connection = get_redis_connection("default")
            figures = {}
            for cache_type in CacheType:
                pattern = f"*:{tag_logical_key(make_cache_key(cache_type, ''))}*"
                keys = list(connection.scan_iter(match=pattern, count=1000))
                if not keys:
                    continue
                usage = [connection.memory_usage(key, samples=0) for key in keys]
                lengths = [connection.strlen(key) for key in keys]
                figures[cache_type.value] = {"entries": len(keys), "median_bytes": statistics.median(usage),
                                             "max_bytes": max(usage), "median_value_bytes": statistics.median(lengths)}
    finally:
        redis_service.stop()
        engine.stop()
    print("| type | entries measured | MEMORY USAGE median | max | stored value median |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in figures.items():
        print(f"| {name} | {values['entries']} | {values['median_bytes']:.0f} B | {values['max_bytes']} B "
              f"| {values['median_value_bytes']:.0f} B |")
    return figures


if __name__ == "__main__":
    run()
