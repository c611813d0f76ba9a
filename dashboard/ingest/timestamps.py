"""Turning the pieces of a log timestamp into an aware datetime, quickly."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

# Multiplier turning a fraction of a second written with N digits into microseconds.
_FRACTION_SCALE = {1: 100_000, 2: 10_000, 3: 1_000, 4: 100, 5: 10, 6: 1}

# Epoch numbers are told apart by magnitude: 1e11 seconds is the year 5138, 1e11 milliseconds 1973.
_EPOCH_DIVISORS = ((1e11, 1), (1e14, 1e3), (1e17, 1e6), (float("inf"), 1e9))


def microseconds(fraction: str | None) -> int:
    """Return the microseconds written as the digits after the decimal point (beyond 6 are dropped)."""
    if not fraction:
        return 0
    fraction = fraction[:6]
    return int(fraction) * _FRACTION_SCALE[len(fraction)]


def from_iso(value: str, default_timezone: tzinfo) -> datetime:
    """Return an ISO-8601 timestamp as an aware datetime; raise ValueError when it is not one."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=default_timezone)


def from_epoch(value: float) -> datetime:
    """Return an epoch timestamp in seconds, milliseconds, microseconds or nanoseconds as UTC."""
    magnitude = abs(value)
    divisor = next(divisor for limit, divisor in _EPOCH_DIVISORS if magnitude < limit)
    try:
        return datetime.fromtimestamp(value / divisor, tz=UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"epoch value {value} is out of range") from exc
