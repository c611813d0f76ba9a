"""Masking messages so similar error lines group together."""

import pytest

from dashboard.patterns import mask_message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("user 42 failed from 10.0.0.7", "user 7 failed from 10.1.2.9"),
        ("Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106",
         "Receiving block blk_7503483334202473044 src: /10.251.215.16:55695"),
        ("session 123e4567-e89b-12d3-a456-426614174000 expired",
         "session 00000000-0000-4000-8000-000000000000 expired"),
        ("took 12.5ms", "took 7ms"),
    ],
)
def test_lines_that_differ_only_in_values_share_a_pattern(first, second):
    assert mask_message(first) == mask_message(second)


def test_words_are_kept():
    assert mask_message("jk2_init() Found child 6725 in scoreboard slot 10") == (
        "jk2_init() Found child <n> in scoreboard slot <n>"
    )
    assert mask_message("deadbeef cafe") == "deadbeef cafe"


def test_patterns_are_bounded():
    assert len(mask_message("x" * 5000)) == 300
