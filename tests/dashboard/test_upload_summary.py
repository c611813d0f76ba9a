"""
The upload summary's promise (dashboard/upload_summary.py): it may say a search matches when it does
not, never that it cannot match when the search engine finds the line.

Tricky lines are indexed, a few hundred search terms cut from them (parts of identifiers, other
cases, punctuation, other scripts, phrases) are asked through the API, and every line the engine
returns must be one its own one-line summary says the search may match. The summary must also say
no often enough to be worth having.
"""

from __future__ import annotations

import csv
import itertools
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.queries import SearchCriteria
from dashboard.upload_summary import LineSummary
from tests.dashboard.conftest import ago, json_lines

pytestmark = pytest.mark.django_db

MESSAGES = [
    "java.lang.NullPointerException at onStandStepChanged(StepCounter.java:42)",
    "Receiving block blk_-562725280853087685 src: /10.250.10.6:40524 dest: /10.250.10.6:50010",
    "HTTPServer started on x86_64 host web-01 in 1.5s",
    "user İDRIS logged in from İstanbul, session ĳ-42",
    "GET /api/orders?id=42&sort=desc 200 OK (3 ms)",
    "Kelvin scale reading 300\u212a from sensor_7",
    "ValueError: invalid literal for int() with base 10: 'abc'",
    "\uff26\uff35\uff2c\uff2c width \uff34\uff25\uff38\uff34 and 漢字テスト mixed with ascii42",  # full-width letters
    "café crème brûlée served to user_42 at table-7",
    "connection reset by peer; retrying in 5000ms (attempt 3/5)",
    "snake_case_identifier and CamelCaseIdentifier and SCREAMING_CASE",
    "e-mail: someone@example.com, url: https://example.com/a/b?c=d#e",
]


def summary_of(message: str, *, level: str = "INFO", at: datetime | None = None) -> LineSummary:
    summary = LineSummary()
    summary.add(message=message, level=level, source="app", product="", pattern_id="p1",
                moment=at or datetime(2026, 1, 1, tzinfo=UTC))
    return summary


def terms_cut_from(message: str, rng: random.Random) -> list[str]:
    """Search terms a person might type about this line: whole tokens, parts of them, other cases, phrases."""
    tokens = message.split()
    terms = list(tokens)
    for token in tokens:
        for part in re.findall(r"[A-Za-z]+|[0-9]+|\w+", token):
            terms += [part, part.lower(), part.upper(), part.swapcase()]
            if len(part) > 3:
                start = rng.randrange(len(part) - 2)
                terms.append(part[start:start + rng.randint(2, len(part) - start)])
    for first, second in itertools.pairwise(tokens):
        terms.append(f'"{first} {second}"')
    return sorted(set(terms))


def test_the_summary_never_rules_out_a_line_the_engine_finds(api, ingest, now):
    ingest(json_lines([{"timestamp": ago(now, minutes=index + 1), "level": "INFO", "message": message}
                       for index, message in enumerate(MESSAGES)]))
    rng = random.Random(20261130)
    # ASCII spellings of what the engine lower-cases to ASCII (İ to i, the Kelvin sign to k).
    terms = sorted({term for message in MESSAGES for term in terms_cut_from(message, rng)}
                   | {"idris", "istanbul", "300k", "kelvin 300k"})
    summaries = {message: summary_of(message) for message in MESSAGES}
    asked = finding = ruled_out = 0
    for term in terms:
        answer = api.get("/api/search", {"q": term, "size": 50})
        assert answer.status_code == 200, (term, answer.content)
        matched = {hit["message"] for hit in answer.json()["results"]}
        criteria = SearchCriteria(q=term)
        for message, summary in summaries.items():
            says = summary.may_match(criteria)
            assert says or message not in matched, f"the summary ruled out {message!r} for {term!r}"
            ruled_out += not says
        asked += 1
        finding += bool(matched)
    assert asked > 300 and finding > asked * 0.7  # the terms do find lines: the promise is tested, not vacuous
    assert ruled_out > asked * len(MESSAGES) * 0.5, "the summary rules out too little to be worth having"


LEVELS = ("INFO", "ERROR", "WARNING")


def test_with_a_level_filter_the_summary_of_many_lines_never_rules_out_what_the_engine_finds(api, ingest, now):
    """One summary of lines of several levels, asked with each level: the words of the other levels' lines
    do not count, and still nothing the engine finds is ruled out."""
    lines = [{"timestamp": ago(now, minutes=index + 1), "level": LEVELS[index % len(LEVELS)], "message": message}
             for index, message in enumerate(MESSAGES)]
    ingest(json_lines(lines))
    summary = LineSummary()
    for line in lines:
        summary.add(message=line["message"], level=line["level"], source="app", product="", pattern_id="p1",
                    moment=datetime(2026, 1, 1, tzinfo=UTC))
    rng = random.Random(20261201)
    terms = sorted({term for message in MESSAGES for term in terms_cut_from(message, rng)})
    found = ruled_out = 0
    for term, level in itertools.product(terms, LEVELS):
        answer = api.get("/api/search", {"q": term, "level": level, "size": 50})
        assert answer.status_code == 200, (term, level, answer.content)
        says = summary.may_match(SearchCriteria(q=term, level=(level,)))
        assert says or not answer.json()["results"], f"the summary ruled out {term!r} at {level} that the engine finds"
        found += bool(answer.json()["results"])
        ruled_out += not says
    assert found > len(terms) * 0.5  # each term is found at its line's level at least
    # Every term is in some line, so a summary blind to levels could rule none of them out.
    assert ruled_out > len(terms) * 0.8


def test_the_summary_of_real_logs_never_rules_out_a_line_the_engine_finds(api, ingest, now, loghub_dir):
    """Messages of every Loghub system (as Loghub's own parse has them), against terms cut from them."""
    messages = []
    for path in sorted(loghub_dir.glob("*_structured.csv")):
        with path.open(newline="", encoding="utf-8", errors="replace") as file:
            rows = list(csv.DictReader(file))
        messages += sorted({row["Content"] for row in rows[:: len(rows) // 4]})[:4]
    ingest(json_lines([{"timestamp": ago(now, minutes=index + 1), "level": "INFO", "message": message}
                       for index, message in enumerate(messages)]))
    rng = random.Random(20261130)
    cut = sorted({term for message in messages for term in terms_cut_from(message, rng)})
    terms = rng.sample(cut, min(len(cut), 400))
    summaries = {message: summary_of(message) for message in messages}
    found = ruled_out = 0
    for term in terms:
        answer = api.get("/api/search", {"q": term, "size": 100})
        assert answer.status_code == 200, (term, answer.content)
        matched = {hit["message"] for hit in answer.json()["results"]}
        for message, summary in summaries.items():
            says = summary.may_match(SearchCriteria(q=term))
            assert says or message not in matched, f"the summary ruled out {message!r} for {term!r}"
            ruled_out += not says
        found += bool(matched)
    assert len(messages) >= 24 and found > len(terms) * 0.7
    assert ruled_out > len(terms) * len(messages) * 0.8


def test_a_word_inside_a_lower_case_run_is_not_a_word_of_the_line():
    """The engine cuts `forEach` into for, each but leaves `information` whole: only the first has `for`."""
    assert not summary_of("no information about the format").may_match(SearchCriteria(q="for"))
    assert not summary_of("no information about the format").may_match(SearchCriteria(q="form"))
    assert summary_of("called forEach on the list").may_match(SearchCriteria(q="for"))
    assert summary_of("called forEach on the list").may_match(SearchCriteria(q="each"))
    assert summary_of("HTTPServer started").may_match(SearchCriteria(q="httpserver"))
    assert not summary_of("HTTPServer started").may_match(SearchCriteria(q="server"))
    assert summary_of("wait for it").may_match(SearchCriteria(q="FOR"))
    assert summary_of("retried 3 times in 5000ms").may_match(SearchCriteria(q="5000"))
    # Lines the summary keeps loosely: other characters, or a token longer than the standard tokenizer's.
    assert summary_of("información del formato").may_match(SearchCriteria(q="for"))
    assert summary_of("key=" + "ab" * 200).may_match(SearchCriteria(q="bab"))
    assert not summary_of("information about the format " * 20).may_match(SearchCriteria(q="for"))  # long, short tokens
    assert not summary_of(" " * 300).may_match(SearchCriteria(q="for"))  # long, and no token at all


def test_a_word_of_info_lines_only_does_not_match_a_search_for_errors():
    summary = LineSummary()
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    summary.add(message="heartBeat ok", level="INFO", source="app", product="", pattern_id="p1", moment=at)
    summary.add(message="disk full", level="ERROR", source="app", product="", pattern_id="p2", moment=at)
    assert summary.may_match(SearchCriteria(q="heartbeat"))
    assert summary.may_match(SearchCriteria(q="heartbeat", level=("INFO", "ERROR")))
    assert not summary.may_match(SearchCriteria(q="heartbeat", level=("ERROR",)))
    assert not summary.may_match(SearchCriteria(q="beat", level=("ERROR",)))  # an identifier word, of the wrong level
    assert summary.may_match(SearchCriteria(q="beat", level=("INFO",)))
    assert summary.may_match(SearchCriteria(q="full", level=("ERROR",)))


def test_filters_rule_out_by_level_source_product_pattern_and_time():
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    summary = LineSummary()
    summary.add(message="disk full", level="ERROR", source="kernel", product="alpha", pattern_id="p1", moment=at)
    assert summary.may_match(SearchCriteria(q="disk", level=("ERROR",), source="kernel", product="alpha"))
    assert not summary.may_match(SearchCriteria(level=("INFO", "WARNING")))
    assert not summary.may_match(SearchCriteria(source="sshd"))
    assert not summary.may_match(SearchCriteria(product="beta"))
    assert not summary.may_match(SearchCriteria(pattern_id="p2"))
    assert not summary.may_match(SearchCriteria(date_from=at + timedelta(seconds=1)))
    assert not summary.may_match(SearchCriteria(date_to=at - timedelta(seconds=1)))
    assert summary.may_match(SearchCriteria(date_from=at, date_to=at))
    assert not summary.may_match(SearchCriteria(q="memory"))


def test_an_empty_summary_matches_nothing_and_an_overflowed_one_everything():
    assert not LineSummary().may_match(SearchCriteria())
    summary = LineSummary(max_chars=10)
    summary.add(message="a line longer than ten characters", level="INFO", source="", product="", pattern_id="",
                moment=datetime(2026, 1, 1, tzinfo=UTC))
    assert summary.overflowed
    assert summary.may_match(SearchCriteria(q="anything", product="other"))
