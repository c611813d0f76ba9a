"""Liveness checks of the services logdash depends on."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django_redis import get_redis_connection
from redis import RedisError
from redis.exceptions import RedisClusterException

from dashboard import client as search_client


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    try:
        get_redis_connection("default").ping()
    except (RedisError, OSError, RedisClusterException) as exc:
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"


CHECKS = {"database": check_database, "redis": check_redis, "search_engine": search_client.ping}


def get_health() -> dict[str, dict[str, object]]:
    """Run every check; return each service's state."""
    report = {}
    for name, check in CHECKS.items():
        up, detail = check()
        report[name] = {"up": up, "detail": detail}
    return report
