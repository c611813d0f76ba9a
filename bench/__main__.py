"""`python -m bench`: run every section in one go and write bench/results/."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench import (  # noqa: E402
    compression,
    http_load,
    identifier_search,
    ingest_speed,
    invalidation_scale,
    latency,
    patterns,
    serving,
    stampede,
    storage_scale,
)
from bench.report import write_reports  # noqa: E402
from bench.views import FLOOR_KEY, PAYLOAD  # noqa: E402
from cacheops.conf import CacheType  # noqa: E402
from cacheops.invalidation import invalidate_cache_type  # noqa: E402
from logdash.services import start_redis, start_search_engine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DEMO_LINES = 10_000


def _section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def _payloads(token: str) -> dict[str, bytes]:
    client = Client(HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Token {token}", SERVER_NAME="127.0.0.1")
    return {
        "dashboard": client.get("/bench/dashboard-uncached").content,
        "search (100 results)": client.get("/api/search", {"q": "order", "size": 100}).content,
        "8 KB bench payload": json.dumps(PAYLOAD).encode(),
    }


def main(sections: list[str]) -> int:
    """Every section, or with `patterns`, `identifiers` or `storage` only that one (`python -m bench storage`)."""
    began = time.monotonic()
    engine, redis_service = start_search_engine(), start_redis()
    environment = {"REDIS_URL": redis_service.url, "ELASTICSEARCH_URL": engine.url, "ELASTICSEARCH_FLAVOR": "osmem"}
    caches = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": redis_service.url,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}
    results: dict = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                                 "cpus": os.cpu_count()}}
    try:
        with override_settings(CACHES=caches, ELASTICSEARCH_URL=engine.url, ELASTICSEARCH_FLAVOR="osmem"):
            _section(f"setting up: migrate, {DEMO_LINES} demo log lines")
            RESULTS.mkdir(exist_ok=True)
            call_command("migrate", interactive=False, verbosity=0)
            if sections == ["storage"]:
                _section("storage: dashboard miss, retention and engine memory at 30k-1M lines over 90 days")
                results["storage"] = storage_scale.run()
                (RESULTS / "storage.json").write_text(json.dumps(results["storage"], indent=2) + "\n")
                print("\n".join(storage_scale.table(results["storage"])))
                return 0
            if sections in ([], ["identifiers"]):
                _section("search inside identifiers: message.words against the v1 mapping (Loghub samples)")
                results["identifiers"] = identifier_search.run()
                print("\n".join(identifier_search.table(results["identifiers"])))
                if sections == ["identifiers"]:
                    return 0
            _section("message patterns: grouping accuracy on Loghub (logdash vs drain3), ingestion lines/s")
            results["patterns"] = patterns.run()
            if sections == ["patterns"]:
                print("\n" + "\n".join(patterns.table(results["patterns"])))
                return 0
            user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
            token = Token.objects.get_or_create(user=user)[0].key
            call_command("load_demo_logs", lines=DEMO_LINES, replace=True)
            get_redis_connection("default").set(FLOOR_KEY, zlib.compress(json.dumps(PAYLOAD).encode(), 6))

            _section("ingestion: named and generic parsing paths on one core (Loghub samples)")
            results["ingest"] = ingest_speed.run()
            results["ingest_bulk"] = ingest_speed.bulk_rate()

            _section("in-process latency (Django WSGI handler, no network)")
            results["latency"] = latency.run(token)
            _section("compression of the real payloads")
            results["compression"] = compression.run(_payloads(token))

        _section("HTTP throughput through gunicorn (2 sync workers)")
        results["http"] = http_load.run(environment, token)

        _section("serving model: gunicorn sync, gthread and uvicorn, hits while slow misses hold workers")
        results["serving"] = serving.run(environment, token)

        _section("stampede: 32 concurrent requests on a cold /api/dashboard")
        with override_settings(CACHES=caches):
            results["stampede"] = stampede.run(environment, engine.url, token,
                                               lambda: invalidate_cache_type(CacheType.DASHBOARD))

        _section("invalidating a type holding 1,000,000 keys (private redis-server)")
        results["invalidation"] = invalidation_scale.run()

        _section("the hit's Redis read on a 3+3 Redis Cluster: per-thread reader vs RedisCluster")
        from bench import cluster_reader

        results["cluster_reader"] = cluster_reader.run()
        _section("storage: dashboard miss, retention and engine memory at 30k-1M lines over 90 days")
        with override_settings(CACHES=caches):
            results["storage"] = storage_scale.run()
    finally:
        redis_service.stop()
        engine.stop()
    results["seconds"] = round(time.monotonic() - began, 1)
    markdown = write_reports(results, RESULTS)
    print("\n" + markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
