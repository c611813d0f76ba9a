"""
The traffic model: who does what, how often, in simulated seconds; and the seeded trace it makes.

The trace is a list of events per actor, fixed before any request is sent, so the cached and
the uncached replays send exactly the same requests (a second page follows its first page's
answer, which is the same data in both).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dashboard.demo import generate_demo_lines

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "data" / "loghub"
LEVELS = ("ERROR", "WARNING", "INFO")
_WORD = re.compile(r"[A-Za-z][A-Za-z]{2,}")


@dataclass(frozen=True)
class TrafficModel:
    """The parameters, printed with the results. Times are simulated seconds."""

    users: int = 20
    operators: int = 2
    duration: float = 1800.0          # simulated seconds of traffic
    compression: float = 10.0         # simulated seconds per real second (3 s real for 30 s)
    dashboard_poll: float = 30.0      # every user polls /api/dashboard this often
    search_every: float = 40.0        # mean gap between a user's searches (exponential)
    distinct_queries: int = 200
    zipf_exponent: float = 1.1
    level_filter_share: float = 0.3   # searches that also filter on a level
    product_filter_share: float = 0.2
    second_page_share: float = 0.35   # searches followed by their second page
    trends_every: float = 300.0
    user_dashboard_every: float = 180.0
    upload_every: float = 90.0
    invalidate_every: float = 600.0   # each operator invalidates one cache type this often
    page_size: int = 20
    seed: int = 20261130

    def describe(self) -> dict:
        return asdict(self)


@dataclass
class Event:
    at: float                  # simulated seconds from the start
    actor: str                 # "user3", "operator1", "uploader"
    kind: str                  # dashboard, search, trends, user_dashboard, me, upload, invalidate
    params: dict = field(default_factory=dict)


def search_vocabulary(count: int, *, seed: int) -> list[str]:
    """`count` distinct search strings: the commonest words of the demo data and the Loghub samples, and pairs."""
    words: Counter[str] = Counter()
    lines = generate_demo_lines(5000, now=datetime(2026, 1, 31, 12, tzinfo=UTC), seed=seed)
    for line in lines:
        words.update(word.lower() for word in _WORD.findall(line.split('"message": ', 1)[-1]))
    for path in sorted(LOGHUB.glob("*_2k.log")):
        for line in path.read_text(errors="replace").splitlines()[:500]:
            words.update(word.lower() for word in _WORD.findall(line))
    singles = [word for word, _ in words.most_common() if word not in {"message", "level", "source"}]
    chosen = singles[: int(count * 0.8)]
    rng = random.Random(seed)
    while len(chosen) < count:  # two common words: phrases people type, most of them rarer
        pair = f"{rng.choice(singles[:60])} {rng.choice(singles[:60])}"
        if pair not in chosen:
            chosen.append(pair)
    return chosen


def zipf_weights(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank ** exponent) for rank in range(1, count + 1)]


def build_trace(model: TrafficModel, products: list[str], upload_files: list[Path]) -> list[Event]:
    """Every event of the replay, in time order."""
    rng = random.Random(model.seed)
    queries = search_vocabulary(model.distinct_queries, seed=model.seed)
    weights = zipf_weights(len(queries), model.zipf_exponent)
    events: list[Event] = []
    for number in range(model.users):
        actor = f"user{number}"
        start = rng.uniform(0, model.dashboard_poll)
        events.append(Event(start, actor, "me"))
        events += [Event(at, actor, "dashboard") for at in _every(start, model.dashboard_poll, model.duration)]
        events += [Event(at, actor, "trends") for at in _poisson(rng, start, model.trends_every, model.duration)]
        events += [Event(at, actor, "user_dashboard")
                   for at in _poisson(rng, start, model.user_dashboard_every, model.duration)]
        for at in _poisson(rng, start, model.search_every, model.duration):
            params = {"q": rng.choices(queries, weights)[0], "size": model.page_size}
            if rng.random() < model.level_filter_share:
                params["level"] = rng.choice(LEVELS)
            if rng.random() < model.product_filter_share and products:
                params["product"] = rng.choice(products)
            events.append(Event(at, actor, "search", params))
            if rng.random() < model.second_page_share:
                events.append(Event(at + rng.uniform(3, 15), actor, "search", {**params, "page": 2}))
    types = ("dashboard", "search", "analytics", "user", "product")
    for number in range(model.operators):
        actor = f"operator{number}"
        events += [Event(at, actor, "invalidate", {"cache_type": rng.choice(types)})
                   for at in _poisson(rng, model.invalidate_every / 2, model.invalidate_every, model.duration)]
    for index, at in enumerate(_every(model.upload_every / 2, model.upload_every, model.duration)):
        events.append(Event(at, "uploader", "upload", {"file": str(upload_files[index % len(upload_files)]),
                                                       "product": products[index % len(products)] if products
                                                       else ""}))
    return sorted(events, key=lambda event: event.at)


def _every(start: float, period: float, end: float) -> list[float]:
    times, at = [], start
    while at < end:
        times.append(at)
        at += period
    return times


def _poisson(rng: random.Random, start: float, mean_gap: float, end: float) -> list[float]:
    times, at = [], start + rng.expovariate(1 / mean_gap)
    while at < end:
        times.append(at)
        at += rng.expovariate(1 / mean_gap)
    return times
