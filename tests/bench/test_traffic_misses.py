"""bench/traffic: why each search reached the engine, judged by the answers it got."""

from bench.traffic.ideal import search_misses, total_invalidation_queries, unchanged_misses_by_cause
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


def page(at: float, x_cache: str, query: str, *, cursor: str = "") -> Answer:
    """A search answer as the replay records it: the first page, or the second when `cursor` is given."""
    path = f"/api/search?q={query}" + (f"&cursor={cursor}" if cursor else "")
    return Answer("user0", "search_page2" if cursor else "search", 200, x_cache, f"cache:search:{query}:{cursor}",
                  0.01, at, path, (1, "p"))


def test_the_reference_designs_invalidation_recomputes_every_search_asked_again_after_an_upload():
    answers = [
        page(0, "MISS", "disk"),
        page(1, "HIT", "disk", cursor="c1"),              # read ahead with its first page: no query in either
        page(2, "HIT", "disk"),
        sent(3, "upload", "/api/upload", status=202, done_at=5),
        page(4, "HIT", "disk"),                           # the job has not completed: still stored
        page(6, "HIT", "disk"),                           # the precise check kept it; a wipe would not have
        page(7, "HIT", "disk", cursor="c1"),              # read ahead again with that first page
        sent(8, "invalidate", "/api/cache/invalidate/dashboard"),
        page(9, "HIT", "disk"),                           # another type's invalidation leaves searches
        sent(10, "upload", "/api/upload", status=400),    # a refused upload wrote nothing
        page(11, "HIT", "disk"),
        sent(12, "invalidate", "/api/cache/invalidate/search"),
        page(13, "MISS", "disk", cursor="c1"),            # its first page was wiped: not read ahead
        page(14, "MISS", "cpu"),
    ]
    model = total_invalidation_queries(list(reversed(answers)), engine_queries=10)
    # The replay's 3 misses were 3 of its 10 queries; the model's searches: disk, disk after the upload,
    # the second page after the operator's wipe, cpu.
    assert model == {"engine_queries": 10 - 3 + 4, "search_queries": 4, "wipes": 2}


def test_the_reference_model_never_expires_an_entry():
    answers = [page(0, "MISS", "disk"), page(1, "MISS", "disk"), page(2, "MISS", "cpu")]
    assert total_invalidation_queries(answers, engine_queries=3) == {"engine_queries": 2, "search_queries": 2,
                                                                     "wipes": 0}
