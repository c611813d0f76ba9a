"""
`python -m bench.traffic.token_hit`: a token-authenticated hit against the in-process floor, as
`make bench` measures it (bench/latency.py), printed as one JSON line for bench/traffic.
"""

from __future__ import annotations

import json
import os
import zlib

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench import http_load, latency  # noqa: E402
from bench.http_load import FLOOR  # noqa: E402
from bench.views import FLOOR_KEY, PAYLOAD  # noqa: E402
from logdash.services import start_redis  # noqa: E402

TOKEN_HIT = "ours, token user (logdash token table)"


def main() -> None:
    redis = start_redis()
    caches = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": redis.url,
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}
    try:
        with override_settings(CACHES=caches):
            call_command("migrate", interactive=False, verbosity=0)
            user, _ = get_user_model().objects.get_or_create(username="token-hit")
            token = Token.objects.get_or_create(user=user)[0].key
            get_redis_connection("default").set(FLOOR_KEY, zlib.compress(json.dumps(PAYLOAD).encode(), 6))
            result = latency.run(token, rounds=9, miss_per_round=0)
        # The same two through gunicorn (2 sync workers, as `make bench` measures throughput), 12 rounds.
        # bench.settings names the database file, so the workers read the token made here.
        http = http_load.run({"REDIS_URL": redis.url}, token, rounds=12, miss_rounds=0, variants=(TOKEN_HIT,))
    finally:
        redis.stop()
    variants, served = result["variants"], http["variants"]
    print(json.dumps({"floor_us": variants[FLOOR]["median"],
                      "token_hit_us": variants[TOKEN_HIT]["median"],
                      "token_hit_vs_floor": variants[TOKEN_HIT]["ratio_to_floor"],
                      "drf_token_hit_vs_floor": variants["ours, token user (DRF TokenAuthentication)"]
                      ["ratio_to_floor"],
                      "floor_requests_per_second": served[FLOOR]["requests_per_second"],
                      "token_hit_requests_per_second": served[TOKEN_HIT]["requests_per_second"],
                      "token_hit_throughput_vs_floor": served[TOKEN_HIT]["throughput_ratio_to_floor"],
                      "load_generator": http["load_generator"]}))


if __name__ == "__main__":
    main()
