"""Grouping accuracy on the Loghub samples: logdash's miner against plain drain3, in the same run."""

from __future__ import annotations

import pytest

from dashboard.patterns.accuracy import drain3_groups, grouping_accuracy, load_structured, logdash_groups
from tests.conftest import LOGHUB_DIR

SAMPLES = ("Android", "Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "Spark", "Zookeeper")


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float]]:
    """(logdash, drain3) grouping accuracy per sample, from the `Content` and `EventId` of each structured CSV."""
    if not LOGHUB_DIR.is_dir():
        pytest.skip(f"the Loghub samples are not at {LOGHUB_DIR}")
    result = {}
    for name in SAMPLES:
        messages, events = load_structured(LOGHUB_DIR / f"{name}_2k.log_structured.csv")
        result[name] = (grouping_accuracy(events, logdash_groups(messages)),
                        grouping_accuracy(events, drain3_groups(messages)))
    return result


def test_logdash_groups_better_than_drain3_on_average(scores):
    ours = sum(logdash for logdash, _ in scores.values()) / len(scores)
    theirs = sum(drain3 for _, drain3 in scores.values()) / len(scores)
    assert ours >= theirs + 0.03, scores
    assert ours >= 0.9, scores


def test_logdash_is_never_much_worse_than_drain3_on_one_system(scores):
    worse = {name: pair for name, pair in scores.items() if pair[0] < pair[1] - 0.02}
    assert not worse, worse
