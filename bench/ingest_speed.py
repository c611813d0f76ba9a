"""
Parsing speed on one core: each Loghub sample through its named format and through the generic
path (the structure finder's compiled layout, named formats switched off), and the search
engine's own bulk rate for the same documents, the ceiling ingestion must not fall under.

The per-line rate leaves out the one-off decision on the sample (reported apart as
`decide_ms`), so files of different lengths compare; `with_decision` is the rate of a whole
10,000-line file, decision included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dashboard.ingest import parse_lines
from dashboard.ingest.records import ParseContext

LOGHUB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub"
COPIES = 5  # each 2,000-line sample read 5 times over: 10,000 lines a run
ROUNDS = 3
# A fixed clock: year-less samples get the same year on every run.
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@contextmanager
def one_core() -> Iterator[None]:
    """Pin this process to one CPU while measuring (where the OS allows), then restore."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def _best_seconds(function: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - began)
    return best


def _path_rates(lines: list[str], *, named: bool) -> dict:
    began = time.perf_counter()
    log_format, _ = parse_lines(lines, now=NOW, named=named)
    decide = time.perf_counter() - began
    context = ParseContext(NOW, UTC)
    parse = log_format.parse
    per_line = _best_seconds(lambda: [parse(line, number, context) for number, line in enumerate(lines, 1)])
    whole = _best_seconds(lambda: sum(1 for _ in parse_lines(lines, now=NOW, named=named)[1]))
    return {"format": log_format.name, "lines_per_second": round(len(lines) / per_line),
            "with_decision": round(len(lines) / whole), "decide_ms": round(decide * 1000, 1)}


def run(loghub_dir: Path = LOGHUB_DIR) -> dict:
    """Lines per second per sample for both paths, or `skipped` when the samples are absent."""
    if not loghub_dir.is_dir():
        return {"skipped": f"no Loghub samples at {loghub_dir}"}
    files = {}
    with one_core():
        for path in sorted(loghub_dir.glob("*.log")):
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines() * COPIES
            named, generic = _path_rates(lines, named=True), _path_rates(lines, named=False)
            files[path.name] = {"lines": len(lines), "named": named, "generic": generic,
                                "ratio": round(generic["lines_per_second"] / named["lines_per_second"], 2)}
            print(f"  {path.name}: named {named['format']} {named['lines_per_second']:,} lines/s, generic "
                  f"{generic['lines_per_second']:,} lines/s ({files[path.name]['ratio']}x)", flush=True)
    return {"files": files, "min_ratio": min(row["ratio"] for row in files.values())}


def bulk_rate(loghub_dir: Path = LOGHUB_DIR, repeat: int = 3) -> dict:
    """Documents per second the search engine indexes in bulk, for the documents of one sample."""
    from dashboard import client
    from dashboard.conf import dashboard_settings

    path = loghub_dir / "Hadoop_2k.log"
    if not path.is_file():
        return {"skipped": f"no {path}"}
    _, parsed = parse_lines(path.read_text(encoding="utf-8").splitlines() * repeat, now=NOW, named=False)
    documents = [{"_id": f"bench-ingest-{line.line_number}-{n}",
                  "_source": {"@timestamp": line.timestamp.isoformat(), "level": line.level, "message": line.message,
                              "source": line.source, "host": line.host, "process": line.process,
                              "line_number": line.line_number, "parsed": line.parsed}}
                 for n, line in enumerate(parsed)]
    client.ensure_index()
    began = time.perf_counter()
    client.bulk_index(iter(documents), chunk_size=dashboard_settings.BULK_BATCH_SIZE)
    seconds = time.perf_counter() - began
    return {"documents": len(documents), "documents_per_second": round(len(documents) / seconds)}


def table(section: dict, bulk: dict | None) -> list[str]:
    """The Markdown rows of the README's benchmark page."""
    if "skipped" in section:
        return [f"Skipped: {section['skipped']}."]
    lines = ["| sample | named format | named lines/s | generic lines/s | generic / named | decision (ms) |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, row in section["files"].items():
        lines.append(f"| {name} | {row['named']['format']} | {row['named']['lines_per_second']:,} | "
                     f"{row['generic']['lines_per_second']:,} | {row['ratio']:.2f}x | "
                     f"{row['generic']['decide_ms']} |")
    if bulk and "documents_per_second" in bulk:
        lines += ["", f"The search engine's own bulk rate for the same documents: "
                      f"{bulk['documents_per_second']:,} documents/s ({bulk['documents']:,} documents)."]
    return lines
