"""
`manage.py cache_health`: exit 1 with the reason when the response cache is unhealthy.

Unhealthy: Redis unavailable, more than HEALTH_MAX_ERRORS errors, or a hit rate under
HEALTH_MIN_HIT_RATE % once at least HEALTH_MIN_REQUESTS requests were counted (with less
traffic, zero included, the hit rate says nothing yet: reported, not failed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cacheops.stats import get_cache_health, get_cache_stats


class Command(BaseCommand):
    help = "Check the response cache: exit 1 when Redis is down, errors exceed 10, or the hit rate is under 50%."

    def handle(self, *args: Any, **options: Any) -> None:
        stats = get_cache_stats()
        health = get_cache_health(stats)
        self.stdout.write(
            f"Cache: {stats['total_requests']} requests, {stats['hits']} hits, {stats['misses']} misses, "
            f"{stats['errors']} errors, hit rate {stats['hit_rate']}%, "
            f"Redis {'available' if stats['is_available'] else 'UNAVAILABLE'}"
        )
        for name, entry in stats["by_type"].items():
            self.stdout.write(f"  {name:<10} {entry['total_requests']:>8} requests  hit rate {entry['hit_rate']}%")
        for note in health["notes"]:
            self.stdout.write(f"Note: {note}")
        if not health["healthy"]:
            raise CommandError("Cache unhealthy: " + " ".join(health["problems"]), returncode=1)
        self.stdout.write(self.style.SUCCESS("Cache healthy."))
