"""bench/traffic: why each search reached the engine, judged by the answers it got."""

from bench.traffic.ideal import search_misses, unchanged_misses_by_cause
from bench.traffic.replay import Answer


def answer(at: float, x_cache: str, shown: tuple[int, str], key: str = "cache:search:a") -> Answer:
    return Answer("user0", "search", 200, x_cache, key, 0.01, at, "/api/search?q=disk", shown)


def test_each_miss_is_judged_against_the_previous_answer_of_its_key():
    answers = [
        answer(0, "MISS", (10, "page1")),
        answer(1, "HIT", (10, "page1")),
        answer(2, "MISS", (10, "page1")),   # invalidated for nothing
        answer(3, "MISS", (12, "page1")),   # two lines more, behind the page
        answer(4, "MISS", (13, "page2")),   # a line more, on the page
        answer(5, "MISS", (13, "page2"), key="cache:search:b"),
    ]
    assert search_misses(list(reversed(answers))) == {"cold": 2, "unchanged": 1, "total_only": 1, "page_changed": 1}


def test_second_pages_and_errors_are_left_out():
    second = Answer("user0", "search_page2", 200, "MISS", "cache:search:c", 0.01, 0, "/api/search?cursor=x", (1, "p"))
    failed = Answer("user0", "search", 503, "", "", 0.01, 1, "/api/search?q=disk", None)
    assert search_misses([second, failed]) == {"cold": 0, "unchanged": 0, "total_only": 0, "page_changed": 0}


def sent(at: float, kind: str, path: str, status: int = 200, done_at: float | None = None) -> Answer:
    return Answer("operator0", kind, status, "", "", 0.01, at, path, done_at=done_at)


def test_an_unchanged_miss_is_put_down_to_what_came_between_it_and_the_previous_answer():
    same = (10, "page1")
    answers = [
        answer(0, "MISS", same),
        sent(1, "invalidate", "/api/cache/invalidate/search"),
        answer(2, "MISS", same),    # the operator wiped the searches
        sent(3, "upload", "/api/upload", status=202),
        answer(4, "MISS", same),    # the upload check said "may match"
        sent(5, "invalidate", "/api/cache/invalidate/dashboard"),
        answer(6, "MISS", same),    # nothing that touches searches: the entry expired
        sent(7, "upload", "/api/upload"),
        answer(8, "MISS", (11, "page1")),  # the upload changed it: not an unchanged miss
        sent(9, "upload", "/api/upload", status=400),
        answer(10, "MISS", (11, "page1")),  # a refused upload wrote nothing: expired
    ]
    assert unchanged_misses_by_cause(answers) == {"operator": 1, "upload": 1, "expired": 2}


def test_hits_and_first_answers_are_not_misses_to_explain():
    answers = [answer(0, "MISS", (1, "p")), sent(1, "upload", "/api/upload"), answer(2, "HIT", (1, "p"))]
    assert unchanged_misses_by_cause(answers) == {"operator": 0, "upload": 0, "expired": 0}


def test_an_upload_counts_from_when_its_job_completed():
    same = (10, "page1")
    answers = [
        sent(0, "upload", "/api/upload", status=202, done_at=1.5),
        answer(1, "MISS", same),    # answered while the job ran
        answer(2, "MISS", same),    # the job's commit invalidated it in between
        sent(3, "upload", "/api/upload", status=202, done_at=3.5),
        answer(3.2, "HIT", same),
        answer(4, "HIT", same),
    ]
    assert unchanged_misses_by_cause(answers) == {"operator": 0, "upload": 1, "expired": 0}
