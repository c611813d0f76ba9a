"""
The ceiling no cache can pass: the recorded requests through a model cache that never
invalidates and never expires, so only the first request of each key reaches the engine.

Like logdash's search (LOGDASH_SEARCH_READ_AHEAD_PAGES, 1 by default), the model cache reads one
page ahead: a second page whose first page it has answered before never reaches the engine.
"""

from __future__ import annotations

import bisect
import urllib.parse
from collections import Counter

from bench.traffic.replay import Answer

CACHED_KINDS = ("dashboard", "search", "search_page2", "trends", "user_dashboard", "me")


def _first_page_of(path: str) -> str:
    """A search's first page: its path without the cursor, its parameters in one order."""
    url = urllib.parse.urlsplit(path)
    params = sorted((name, value) for name, value in urllib.parse.parse_qsl(url.query) if name != "cursor")
    return f"{url.path}?{urllib.parse.urlencode(params)}"


def first_sightings(answers: list[Answer], *, wipes: list[float] | None = None,
                    kinds: tuple[str, ...] = CACHED_KINDS) -> Counter[str]:
    """How many requests of each kind the model cache sends to the engine, in the order they were sent.

    `wipes`: the moments the model cache is emptied (none for the ideal cache).
    """
    moments = sorted(wipes or ())
    wiped = 0
    seen: set[str] = set()
    first_pages: set[str] = set()
    distinct: Counter[str] = Counter()
    for answer in sorted(answers, key=lambda answer: answer.at):
        while wiped < len(moments) and moments[wiped] <= answer.at:
            seen.clear()
            first_pages.clear()
            wiped += 1
        if answer.kind not in kinds or not answer.key or answer.key in seen:
            continue
        seen.add(answer.key)
        if answer.kind == "search":
            first_pages.add(_first_page_of(answer.path))
        elif answer.kind == "search_page2" and _first_page_of(answer.path) in first_pages:
            continue  # read ahead when its first page was answered
        distinct[answer.kind] += 1
    return distinct


def ideal_engine_queries(cached: list[Answer], uncached: list[Answer], uncached_queries: int,
                         cost: dict[str, float]) -> dict[str, float]:
    """Engine queries of the ideal cache, from per-request costs measured on the uncached stack.

    What the reads do not explain in the uncached replay (ingestion's own queries) is the same
    in every replay and is added to the ideal as it is.
    """
    requests = Counter(answer.kind for answer in uncached if answer.status == 200)
    reads = sum(requests[kind] * cost.get(kind, 0.0) for kind in CACHED_KINDS)
    other = max(0.0, uncached_queries - reads)
    distinct = first_sightings(cached)
    ideal = sum(distinct[kind] * cost.get(kind, 0.0) for kind in CACHED_KINDS) + other
    return {"ideal_engine_queries": round(ideal, 1), "distinct_keys": sum(distinct.values()),
            "distinct_searches": distinct["search"] + distinct["search_page2"],
            "second_pages_not_read_ahead": distinct["search_page2"],
            "other_engine_queries": round(other, 1)}


def ideal_engine_cpu(cached: list[Answer], uncached: list[Answer], cpu: dict[str, float]) -> dict[str, float]:
    """The CPU of answering through the ideal cache against answering everything, from per-kind CPU costs.

    A model, not a measurement: each kind's calibrated cost times its requests (all of them, or the
    first of each key). It says how far any cache could cut the engine's answering CPU on this trace.
    """
    requests = Counter(answer.kind for answer in uncached if answer.status == 200)
    everything = sum(requests[kind] * cpu.get(kind, 0.0) for kind in CACHED_KINDS)
    distinct = first_sightings(cached)
    ideal = sum(distinct[kind] * cpu.get(kind, 0.0) for kind in CACHED_KINDS)
    return {"modelled_uncached_cpu_s": round(everything, 2), "modelled_ideal_cpu_s": round(ideal, 2),
            "ideal_reduction_pct": round(100 * (1 - ideal / everything), 1) if everything else 0.0}


def search_misses(answers: list[Answer]) -> dict[str, int]:
    """Why each first page of a search reached the engine, judged by the answer it got.

    `cold`: its key's first request. Otherwise against the answer its key had before: `unchanged`
    (the entry was invalidated or expired for nothing), `total_only` (the same page with another
    total: an upload added lines the page does not show) or `page_changed`.
    """
    before: dict[str, tuple[int, str]] = {}
    causes: Counter[str] = Counter()
    for answer in sorted(answers, key=lambda answer: answer.at):
        if answer.kind != "search" or not answer.key or answer.answer is None:
            continue
        previous = before.get(answer.key)
        before[answer.key] = answer.answer
        if answer.x_cache != "MISS":
            continue
        if previous is None:
            causes["cold"] += 1
        elif previous == answer.answer:
            causes["unchanged"] += 1
        elif previous[1] == answer.answer[1]:
            causes["total_only"] += 1
        else:
            causes["page_changed"] += 1
    return {cause: causes[cause] for cause in ("cold", "unchanged", "total_only", "page_changed")}


def unchanged_misses_by_cause(answers: list[Answer]) -> dict[str, int]:
    """What made each `unchanged` miss (see `search_misses`) recompute an answer that was still right.

    Judged by what happened between the key's previous answer and the miss: `operator`, an operator
    invalidated the search type (a correct cache must recompute then too); `upload`, an upload's job
    completed (its invalidation is part of its commit; the request's time stands in when the
    completion is unknown): the upload check said "may match" and the answer did not change, which
    an exact check would have saved; `expired`, neither (the entry's TTL, or Redis evicted it).
    """
    searches = sorted((answer for answer in answers if answer.kind == "search" and answer.key
                       and answer.answer is not None), key=lambda answer: answer.at)
    uploads, wipes = _upload_completions(answers), _search_wipes(answers)
    before: dict[str, Answer] = {}
    causes: Counter[str] = Counter()
    for answer in searches:
        previous = before.get(answer.key)
        before[answer.key] = answer
        if answer.x_cache != "MISS" or previous is None or previous.answer != answer.answer:
            continue
        if _any_between(wipes, previous.at, answer.at):
            causes["operator"] += 1
        elif _any_between(uploads, previous.at, answer.at):
            causes["upload"] += 1
        else:
            causes["expired"] += 1
    return {cause: causes[cause] for cause in ("operator", "upload", "expired")}


def total_invalidation_queries(answers: list[Answer], engine_queries: int) -> dict[str, float]:
    """The engine queries of this replay had every upload wiped every cached search, as the reference design did.

    A model on the recorded requests: the searches go through the model cache of `first_sightings`,
    emptied when an upload's job completes or an operator invalidates the search type; the replay's
    other queries are counted as they were. It tells how much of the gap between the reference
    design and the ideal cache the precise upload check closes.
    """
    kinds = ("search", "search_page2")
    measured = sum(1 for answer in answers if answer.kind in kinds and answer.key and answer.x_cache == "MISS")
    moments = _upload_completions(answers) + _search_wipes(answers)
    modelled = sum(first_sightings(answers, wipes=moments, kinds=kinds).values())
    return {"engine_queries": engine_queries - measured + modelled, "search_queries": modelled,
            "wipes": len(moments)}


def _upload_completions(answers: list[Answer]) -> list[float]:
    """When each accepted upload's job completed (the request's time when the completion is unknown)."""
    return sorted(answer.at if answer.done_at is None else answer.done_at for answer in answers
                  if answer.kind == "upload" and 200 <= answer.status < 300)


def _search_wipes(answers: list[Answer]) -> list[float]:
    """When an operator invalidated the search type."""
    return sorted(answer.at for answer in answers if answer.kind == "invalidate" and 200 <= answer.status < 300
                  and answer.path.rstrip("/").endswith("/search"))


def _any_between(moments: list[float], start: float, end: float) -> bool:
    index = bisect.bisect_right(moments, start)
    return index < len(moments) and moments[index] < end
