"""
Message patterns: grouping accuracy on the Loghub samples (logdash against plain drain3, same
run) and ingestion throughput with and without pattern mining.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from dashboard.patterns.accuracy import PARSERS, grouping_accuracy, load_structured

LOGHUB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub"
ROUNDS = 2


def accuracy() -> dict:
    """Per sample: each parser's grouping accuracy and lines per second (one pass, cold)."""
    rows = {}
    for path in sorted(LOGHUB_DIR.glob("*_structured.csv")):
        messages, events = load_structured(path)
        row = {}
        for name, parse in PARSERS.items():
            started = time.perf_counter()
            groups = parse(messages)
            seconds = time.perf_counter() - started
            row[name] = {"accuracy": round(grouping_accuracy(events, groups), 3),
                         "lines_per_second": round(len(messages) / seconds)}
        rows[path.name.split("_")[0]] = row
        print(f"  {path.name.split('_')[0]:<10}", "  ".join(f"{name} {r['accuracy']:.3f} ({r['lines_per_second']:,}/s)"
                                                       for name, r in row.items()), flush=True)
    return rows


def _ingest_all(files: list[Path], slug: str) -> int:
    from dashboard.indexing import ingest_file, start_upload
    from dashboard.models import Product

    product = Product.objects.create(name=slug, slug=slug)
    lines = 0
    for path in files:
        upload = start_upload(filename=path.name, size_bytes=path.stat().st_size, owner_id=None, product_id=product.pk)
        lines += ingest_file(upload, io.BytesIO(path.read_bytes())).lines_indexed
    return lines


def _no_patterns(self, lines):
    """`PatternAssigner.assign` doing nothing: the baseline."""
    return ((line, {}) for line in lines)


def _no_miner(self, product):
    """`PatternAssigner.__init__` without a miner: nothing mined, so nothing generalised either."""
    self.generalised = set()


@contextlib.contextmanager
def without_mining() -> Iterator[None]:
    """Ingestion as it would run with no pattern mining at all: the baseline of the speed comparison."""
    from dashboard.patterns.store import PatternAssigner

    with mock.patch.object(PatternAssigner, "__init__", _no_miner), \
            mock.patch.object(PatternAssigner, "assign", _no_patterns):
        yield


def ingestion() -> dict:
    """Lines per second of `ingest_file` over the samples, rounds interleaved, with and without mining."""
    files = sorted(path for path in LOGHUB_DIR.glob("*.log"))
    timings: dict[str, list[float]] = {"with patterns": [], "without patterns": []}
    lines = 0
    for round_number in range(ROUNDS):
        for variant in timings:
            started = time.perf_counter()
            if variant == "without patterns":
                with without_mining():
                    lines = _ingest_all(files, f"bench-plain-{round_number}-{time.time_ns()}")
            else:
                lines = _ingest_all(files, f"bench-patterns-{round_number}-{time.time_ns()}")
            timings[variant].append(time.perf_counter() - started)
    result = {variant: round(lines / min(seconds)) for variant, seconds in timings.items()}
    result["lines"] = lines
    result["ratio"] = round(result["with patterns"] / result["without patterns"], 2)
    print(f"  ingest {lines:,} lines: {result['with patterns']:,}/s with patterns, "
          f"{result['without patterns']:,}/s without ({result['ratio']:.2f}x)", flush=True)
    return result


def run() -> dict:
    if not LOGHUB_DIR.is_dir():
        print(f"  skipped: no Loghub samples at {LOGHUB_DIR}")
        return {}
    return {"accuracy": accuracy(), "ingestion": ingestion()}


def table(section: dict) -> list[str]:
    """The Markdown of the section for bench/results/latest.md."""
    if not section:
        return ["(skipped: the Loghub samples were absent)"]
    names = list(next(iter(section["accuracy"].values())))
    lines = ["| sample | " + " | ".join(f"{name} accuracy | {name} lines/s" for name in names) + " |",
             "| --- |" + " ---: | ---: |" * len(names)]
    for sample, row in section["accuracy"].items():
        lines.append(f"| {sample} | " + " | ".join(f"{row[n]['accuracy']:.3f} | {row[n]['lines_per_second']:,}"
                                                  for n in names) + " |")
    means = {n: sum(row[n]["accuracy"] for row in section["accuracy"].values()) / len(section["accuracy"])
             for n in names}
    lines.append("| **mean** | " + " | ".join(f"**{means[n]:.3f}** | " for n in names) + " |")
    ingest = section["ingestion"]
    lines += ["", f"Ingestion through `ingest_file` into the engine, {ingest['lines']:,} lines, best of {ROUNDS} "
              f"interleaved rounds: **{ingest['with patterns']:,} lines/s with pattern mining**, "
              f"{ingest['without patterns']:,} without ({ingest['ratio']:.2f}x)."]
    return lines
