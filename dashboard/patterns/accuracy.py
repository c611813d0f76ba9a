"""
Grouping accuracy, the measure the log-parsing literature ranks parsers by (Zhu et al., ICSE-SEIP 2019).

A line counts as correct only when the set of lines sharing its predicted group is exactly the
set sharing its true event. Used by the tests and by `make bench` to score logdash's miner
against plain drain3 on the Loghub samples.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

from dashboard.patterns.miner import TemplateMiner


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Fraction of lines whose predicted group is exactly their true group."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted must label the same lines")
    if not truth:
        return 1.0
    true_groups: dict[Hashable, set[int]] = defaultdict(set)
    predicted_groups: dict[Hashable, set[int]] = defaultdict(set)
    for line, (event, group) in enumerate(zip(truth, predicted, strict=True)):
        true_groups[event].add(line)
        predicted_groups[group].add(line)
    correct = sum(len(lines) for group, lines in predicted_groups.items()
                  if true_groups[truth[next(iter(lines))]] == lines)
    return correct / len(truth)


def load_structured(path: Path) -> tuple[list[str], list[str]]:
    """The `Content` and `EventId` columns of a Loghub `*_structured.csv`."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["Content"] for row in rows], [row["EventId"] for row in rows]


def logdash_groups(messages: Sequence[str]) -> list[str]:
    """Pattern ids logdash's miner gives `messages`, learned in one pass."""
    miner = TemplateMiner()
    return [miner.add(message).pattern_id for message in messages]


def drain3_groups(messages: Sequence[str]) -> list[int]:
    """Cluster ids of plain drain3 with its default configuration (the reference)."""
    from drain3 import TemplateMiner as Drain3Miner
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.profiling_enabled = False
    miner = Drain3Miner(config=config)
    return [miner.add_log_message(message)["cluster_id"] for message in messages]


PARSERS: dict[str, Callable[[Sequence[str]], list]] = {"logdash": logdash_groups, "drain3": drain3_groups}
