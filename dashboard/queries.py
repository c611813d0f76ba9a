"""
Every query logdash sends, as pure functions returning elasticsearch-dsl `Search` objects.

Nothing here talks to the engine: `dashboard.client` runs what these build, and the tests
check them with `.to_dict()`. Times are explicit (computed from `now` in the dashboard's
time zone) rather than engine-side date math, so a query says exactly which days it means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from elasticsearch_dsl import A, Q, Search

from dashboard.conf import dashboard_settings

ERROR_LEVELS = ("ERROR", "CRITICAL")
RECENT_LOGS = 10
HISTOGRAM_DAYS = 7
TOP_ERRORS = 10
TOP_SOURCES = 20
SORT_NEWEST_FIRST = ({"@timestamp": {"order": "desc"}}, {"upload_id": {"order": "desc"}}, {"line_number": "desc"})


def _logs() -> Search:
    return Search(index=dashboard_settings.INDEX_ALIAS)


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """Midnight of `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, time.min).replace(tzinfo=tz)


def _daily_histogram(start: datetime, end: datetime, tz_name: str) -> A:
    """One bucket per local day from `start` to `end`, whatever dates the data holds.

    The caller must filter to the same window (`_window`): with `min_doc_count=0`, one line dated
    9999-12-31 otherwise made the engine build (and refuse) millions of empty buckets.
    """
    bounds = {"min": start.date().isoformat(), "max": end.date().isoformat()}
    return A(
        "date_histogram",
        field="@timestamp",
        calendar_interval="day",
        time_zone=tz_name,
        min_doc_count=0,
        format="yyyy-MM-dd",
        # Bounds are parsed with `format`, in `time_zone`: local calendar days.
        extended_bounds=bounds,
    )


def _window(start: datetime, end_day: datetime) -> Q:
    """Lines from `start` to the end of the local day that starts at `end_day`."""
    return Q("range", **{"@timestamp": {"gte": start.isoformat(), "lt": (end_day + timedelta(days=1)).isoformat()}})


def dashboard_query(*, now: datetime, tz: tzinfo, tz_name: str, owner_id: int | None = None) -> Search:
    """The seven KPIs in one request: hits are the recent logs, the rest are aggregations.

    Files uploaded comes from the database, not from here.
    """
    today = start_of_day(now.astimezone(tz).date(), tz)
    week_start = today - timedelta(days=HISTOGRAM_DAYS - 1)
    search = _logs().extra(track_total_hits=True).sort(*SORT_NEWEST_FIRST)[:RECENT_LOGS]
    if owner_id is not None:
        search = search.filter("term", owner_id=owner_id)
    search.aggs.bucket("by_level", "terms", field="level", size=20)
    search.aggs.bucket("today", "filter", Q("range", **{"@timestamp": {"gte": today.isoformat()}}))
    search.aggs.bucket("errors", "filter", Q("terms", level=list(ERROR_LEVELS)))
    search.aggs.bucket("last_days", "filter", _window(week_start, today)).bucket(
        "per_day", _daily_histogram(week_start, today, tz_name)
    )
    return search


def recent_logs_query(*, start: datetime, end: datetime | None, owner_id: int | None = None) -> Search:
    """The RECENT_LOGS newest lines from `start` to `end` (exclusive; None: no end): the dashboard's recent logs."""
    search = _logs().extra(track_total_hits=False).sort(*SORT_NEWEST_FIRST)[:RECENT_LOGS]
    bounds = {"gte": start.isoformat(), **({"lt": end.isoformat()} if end else {})}
    search = search.filter("range", **{"@timestamp": bounds})
    if owner_id is not None:
        search = search.filter("term", owner_id=owner_id)
    return search


def days_window(days: int, *, now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The first instant and the instant after the last of the `days` local days ending today."""
    today = start_of_day(now.astimezone(tz).date(), tz)
    return today - timedelta(days=days - 1), today + timedelta(days=1)


@dataclass(frozen=True)
class SearchCriteria:
    """What a user asked the search endpoint for, already validated."""

    q: str = ""
    level: tuple[str, ...] = ()
    source: str = ""
    product: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None
    pattern_id: str = ""
    size: int = 20
    offset: int = 0
    search_after: tuple | None = None

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The instants the lines asked for lie between (the end exclusive; None: unbounded)."""
        end = self.date_to + timedelta(milliseconds=1) if self.date_to else None
        return self.date_from, end


# Where the words of `q` are looked for: the message as written (whole tokens, `valueerror`, any script)
# and the words inside its identifiers (`error` in `ValueError`). Highlights come from the same two.
TEXT_FIELDS = ("message", "message.words")


# A "quoted phrase" or a run of non-blank characters: the terms of `q`.
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def _term_query(text: str, *, phrase: bool) -> Q:
    """One term of `q`, found in either field.

    In `message` a word is whole tokens (all of `blk_-562725`'s, any order) and a phrase is in order. In
    `message.words` a term is always a phrase: the parts of `ValueError` must be adjacent (`value error`),
    not anywhere in the line. A term of punctuation only (`-`) has no words and is left out.
    """
    written = (Q("match_phrase", message={"query": text, "zero_terms_query": "all"}) if phrase
               else Q("match", message={"query": text, "operator": "and", "zero_terms_query": "all"}))
    parts = Q("match_phrase", **{"message.words": {"query": text, "zero_terms_query": "all"}})
    return Q("bool", should=[written, parts], minimum_should_match=1)


def search_terms(q: str) -> list[str]:
    """The terms of `q`: each "quoted phrase" (without its quotes) and each other run of non-blanks."""
    return [phrase or word for phrase, word in _TERM.findall(q) if (phrase or word).strip()]


def text_query(q: str) -> Q:
    """Every term of `q` in the message, whole or inside an identifier; a "quoted phrase" word for word.

    No other syntax: `-`, `|`, `*`, `~` and parentheses are plain characters (`blk_-562725` is not a
    negation), and no query is malformed (an unclosed quote is a character).
    """
    terms = [_term_query(phrase or word, phrase=bool(phrase)) for phrase, word in _TERM.findall(q)
             if (phrase or word).strip()]
    return terms[0] if len(terms) == 1 else Q("bool", must=terms)


def _filtered(search: Search, criteria: SearchCriteria) -> Search:
    """The filters search and the patterns list share: words, level, source, product, pattern, time range."""
    if criteria.q:
        search = search.query(text_query(criteria.q))
    if criteria.level:
        search = search.filter("terms", level=list(criteria.level))
    if criteria.source:
        search = search.filter("term", source=criteria.source)
    if criteria.product:
        search = search.filter("term", product=criteria.product)
    if criteria.pattern_id:
        search = search.filter("term", pattern_id=criteria.pattern_id)
    time_range = {}
    if criteria.date_from:
        time_range["gte"] = criteria.date_from.isoformat()
    if criteria.date_to:
        time_range["lte"] = criteria.date_to.isoformat()
    if time_range:
        search = search.filter("range", **{"@timestamp": time_range})
    return search


def search_query(criteria: SearchCriteria) -> Search:
    """Full-text search on the message, filtered, newest first, with highlights."""
    search = _filtered(_logs().extra(track_total_hits=True).sort(*SORT_NEWEST_FIRST), criteria)
    if criteria.q:
        # encoder=html escapes the message around the tags, so a highlight is safe to render as HTML.
        search = search.highlight_options(encoder="html", pre_tags=["<mark>"], post_tags=["</mark>"])
        search = search.highlight(*TEXT_FIELDS, number_of_fragments=0)
    if criteria.search_after is not None:
        return search.extra(search_after=list(criteria.search_after))[: criteria.size]
    return search[criteria.offset : criteria.offset + criteria.size]


def trends_query(*, days: int, now: datetime, tz: tzinfo, tz_name: str) -> Search:
    """Error rate per day, the most frequent error patterns, and volume per source and product."""
    today = start_of_day(now.astimezone(tz).date(), tz)
    start = today - timedelta(days=days - 1)
    search = _logs().filter(_window(start, today)).extra(size=0, track_total_hits=True)
    per_day = search.aggs.bucket("per_day", _daily_histogram(start, today, tz_name))
    per_day.bucket("errors", "filter", Q("terms", level=list(ERROR_LEVELS)))
    search.aggs.bucket("errors", "filter", Q("terms", level=list(ERROR_LEVELS))).bucket(
        "top_patterns", "terms", field="pattern_id", size=TOP_ERRORS
    ).metric("example", "top_hits", size=1, _source=["message", "source", "product", "pattern", "@timestamp"],
             sort=[{"@timestamp": "desc"}])
    search.aggs.bucket("by_source", "terms", field="source", size=TOP_SOURCES)
    search.aggs.bucket("by_product", "terms", field="product", size=TOP_SOURCES, missing="")
    return search


def top_errors_query(*, days: int, now: datetime, tz: tzinfo) -> Search:
    """The most frequent error patterns of the last `days` local days, each with its newest example."""
    start, end = days_window(days, now=now, tz=tz)
    window = Q("range", **{"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}})
    search = _logs().filter(window).filter("terms", level=list(ERROR_LEVELS)).extra(size=0, track_total_hits=False)
    search.aggs.bucket("top_patterns", "terms", field="pattern_id", size=TOP_ERRORS).metric(
        "example", "top_hits", size=1, _source=["message", "source", "product", "pattern", "@timestamp"],
        sort=[{"@timestamp": "desc"}])
    return search


def patterns_query(criteria: SearchCriteria, *, buckets: int) -> Search:
    """The `buckets` most frequent patterns among the lines `criteria` selects, with their details.

    A terms aggregation cannot skip buckets, so a page is cut from the first `buckets` (offset +
    size + 1, the extra one telling whether a next page exists).
    """
    search = _filtered(_logs().extra(size=0, track_total_hits=True), criteria)
    top = search.aggs.bucket("patterns", "terms", field="pattern_id", size=buckets,
                             order=[{"_count": "desc"}, {"_key": "asc"}])
    top.metric("first_seen", "min", field="@timestamp")
    top.metric("last_seen", "max", field="@timestamp")
    top.bucket("by_level", "terms", field="level", size=20)
    top.metric("example", "top_hits", size=1, sort=[{"@timestamp": "desc"}],
               _source=["message", "pattern", "product", "source", "level", "@timestamp"])
    return search


def lines_with_patterns(product: str, pattern_ids: list[str], *, other_than_upload: int) -> Search:
    """The lines of `product` whose template is one of `pattern_ids`, outside one upload."""
    return (_logs().filter("term", product=product).filter("terms", pattern_id=pattern_ids)
            .exclude("term", upload_id=other_than_upload)
            .source(["message", "level", "source", "product", "pattern_id", "@timestamp"])
            .extra(track_total_hits=True))


def upload_lines_query(upload_id: int) -> Search:
    """Every line of one upload: to count them or to delete them after a failed upload."""
    return _logs().filter("term", upload_id=upload_id)
