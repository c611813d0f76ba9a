"""
A demo data set made by our own code: JSON log lines over the last 30 days, today included.

Several sources, products and levels, denser towards today, so that every KPI, the 7-day
histogram and the trends have something to show on a fresh `make run`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta, tzinfo

DEMO_PRODUCTS = (
    ("Storefront", "storefront", "The customer-facing web shop.", "web"),
    ("Billing", "billing", "Invoices, payments and refunds.", "payments"),
    ("Search service", "search-service", "Product search and recommendations.", "discovery"),
)
_LEVELS = (("DEBUG", 10), ("INFO", 62), ("WARNING", 15), ("ERROR", 10), ("CRITICAL", 3))
_SOURCES = {
    "nginx": {"INFO": ["GET /api/cart/{n} 200 {ms}ms", "POST /api/checkout 201 {ms}ms"],
              "WARNING": ["upstream response time {ms}ms exceeds budget"],
              "ERROR": ["upstream timed out (110: Connection timed out) while reading from {ip}"]},
    "api": {"DEBUG": ["cache lookup for cart {n}"], "INFO": ["order {n} created for customer {n}"],
            "WARNING": ["slow query on orders: {ms}ms"], "ERROR": ["payment provider returned 502 for order {n}"],
            "CRITICAL": ["database connection pool exhausted ({n} waiting)"]},
    "auth": {"INFO": ["user {n} logged in from {ip}"], "WARNING": ["failed password for user {n} from {ip}"],
             "ERROR": ["token signature invalid for session {hex}"]},
    "worker": {"DEBUG": ["picked job {n} from queue emails"], "INFO": ["job {n} finished in {ms}ms"],
               "ERROR": ["job {n} failed: ValueError: invalid literal for int() with base 10"],
               "CRITICAL": ["worker {n} killed: out of memory"]},
    "scheduler": {"INFO": ["triggered nightly export {n}"], "WARNING": ["export {n} skipped: previous still running"]},
    "db": {"INFO": ["checkpoint complete: wrote {n} buffers"], "WARNING": ["autovacuum of table orders took {ms}ms"],
           "ERROR": ["deadlock detected while updating stock {n}"]},
}


def _message(rng: random.Random, template: str) -> str:
    return template.format_map(_Filler(rng))


class _Filler(dict):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        return {"n": str(rng.randint(1, 99999)), "ms": str(rng.randint(3, 4000)),
                "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                "hex": f"{rng.getrandbits(48):012x}"}[key]


def generate_demo_lines(count: int, *, now: datetime, days: int = 30, seed: int = 7,
                        tz: tzinfo = UTC) -> Iterator[str]:
    """Yield `count` JSON log lines over the last `days` calendar days in `tz`, today included, oldest first.

    Each line draws a day (denser towards today) and then a moment within it; today's moments
    fall between its midnight and `now`. So today always holds the largest day's share, at any
    hour: someone who opens the demo at 00:05 sees a busy first five minutes in "logs today",
    not an empty day, and the histogram's earlier days are whole days.
    """
    rng = random.Random(seed)
    levels, weights = zip(*_LEVELS, strict=True)
    local_now = now.astimezone(tz)
    midnight = datetime.combine(local_now.date(), time(), tzinfo=tz)
    moments = []
    for _ in range(count):
        day = min(days - 1, int(days * (1 - rng.random() ** 0.6)))
        start = midnight - timedelta(days=day) if day else midnight
        span = (local_now - start).total_seconds() if day == 0 else 86400.0
        moments.append(start + timedelta(seconds=rng.random() * span))
    for moment in sorted(moments):
        source = rng.choice(list(_SOURCES))
        templates = _SOURCES[source]
        level = rng.choices(levels, weights)[0]
        if level not in templates:
            level = "INFO" if "INFO" in templates else next(iter(templates))
        yield json.dumps({
            "timestamp": moment.astimezone(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "logger": source,
            "host": f"{source}-{rng.randint(1, 3)}",
            "pid": rng.randint(100, 9000),
            "message": _message(rng, rng.choice(templates[level])),
        })
