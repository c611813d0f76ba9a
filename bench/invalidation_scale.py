"""
Invalidating a type that holds 1,000,000 keys, on a private redis-server: the generation bump
(what requests pay), the purge (SCAN + UNLINK, what operators pay), and KEYS for contrast; with
Redis's own record of its longest command (SLOWLOG) during each.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.test.utils import override_settings

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate_cache_type
from logdash.services import start_redis

FILL = """
for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do
  redis.call('SET', ARGV[1] .. i, 'x', 'EX', 3600)
end
return 1
"""


def _slowest_command_us(client) -> dict:
    entries = client.slowlog_get(1024)
    if not entries:
        return {"longest_us": 0, "command": None}
    slowest = max(entries, key=lambda entry: entry["duration"])
    command = slowest["command"]
    command = command.decode() if isinstance(command, bytes) else str(command)
    return {"longest_us": slowest["duration"], "command": command[:60]}


def run(keys: int = 1_000_000) -> dict:
    redis_service = start_redis()
    try:
        cache_setting = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": redis_service.url}}
        with override_settings(CACHES=cache_setting):
            cache = caches["default"]
            client = cache.client.get_client(write=True)
            prefix = cache.make_key("cache:dashboard:")
            began = time.perf_counter()
            for start in range(0, keys, 50_000):
                client.eval(FILL, 0, prefix, start, min(keys, start + 50_000) - 1)
            fill_seconds = time.perf_counter() - began
            client.config_set("slowlog-log-slower-than", 1000)
            client.config_set("slowlog-max-len", 1024)
            results = {"keys": keys, "fill_seconds": round(fill_seconds, 1)}

            client.slowlog_reset()
            began = time.perf_counter()
            invalidate_cache_type(CacheType.DASHBOARD)
            results["generation_bump"] = {"ms": round((time.perf_counter() - began) * 1000, 3),
                                          **_slowest_command_us(client)}

            client.slowlog_reset()
            began = time.perf_counter()
            deleted = invalidate_cache_type(CacheType.DASHBOARD, purge=True)
            results["purge_scan_unlink"] = {"seconds": round(time.perf_counter() - began, 2), "deleted": deleted,
                                            **_slowest_command_us(client)}

            for start in range(0, keys, 50_000):
                client.eval(FILL, 0, prefix, start, min(keys, start + 50_000) - 1)
            client.slowlog_reset()
            began = time.perf_counter()
            found = len(client.keys(cache.make_key("cache:dashboard:*")))
            results["keys_command_for_contrast"] = {"ms": round((time.perf_counter() - began) * 1000, 1),
                                                    "found": found, **_slowest_command_us(client)}
        return results
    finally:
        redis_service.stop()
