"""bench/traffic: why each search reached the engine, judged by the answers it got."""

from bench.traffic.ideal import search_misses
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
