"""
What `message.words` (the words inside identifiers, issue 18) costs and finds, against the same
mapping without it, in one run on one engine: bulk indexing rate of the 8 Loghub samples (16,000
lines, a fresh index per round, rounds interleaved, medians), the median time of the same searches,
and how many lines words found only inside identifiers (`exception`, `error`, `block`...) match.
"""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path

from dashboard.documents import get_index_template_body
from dashboard.ingest import parse_lines
from dashboard.queries import text_query

LOGHUB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub"
ROUNDS = 3
SEARCHES = 15
# Words a person types that the Loghub samples mostly hold inside identifiers.
WORDS = ("exception", "error", "block", "pointer", "state", "changed", "socket", "session", "task")


def _bodies() -> dict[str, dict]:
    """Index bodies: the real template, and the same without `message.words` and its analysis."""
    words = get_index_template_body()["template"]
    plain = copy.deepcopy(words)
    plain["settings"].pop("analysis", None)
    plain["mappings"]["properties"]["message"]["fields"].pop("words")
    return {"with message.words": words, "without (v1)": plain}


def _documents(loghub_dir: Path) -> list[dict]:
    documents = []
    for path in sorted(loghub_dir.glob("*_2k.log")):
        _, parsed = parse_lines(path.read_text(encoding="utf-8", errors="replace").splitlines())
        documents += [{"message": line.message, "level": line.level, "line_number": n}
                      for n, line in enumerate(parsed)]
    return documents


def _query(body: dict, word: str, *, words_field: bool) -> dict:
    query = text_query(word).to_dict() if words_field else {"match": {"message": {"query": word, "operator": "and"}}}
    return {"query": query, "size": 20, "track_total_hits": True, **body}


def run(loghub_dir: Path = LOGHUB_DIR) -> dict:
    from elasticsearch import helpers

    from dashboard.client import get_client

    if not loghub_dir.is_dir():
        return {"skipped": f"no Loghub samples at {loghub_dir}"}
    client, documents, bodies = get_client(), _documents(loghub_dir), _bodies()
    rates: dict[str, list[float]] = {name: [] for name in bodies}
    for round_number in range(ROUNDS):
        for n, (name, body) in enumerate(bodies.items()):
            index = f"bench-identifiers-{round_number}-{n}"
            client.options(ignore_status=404).indices.delete(index=index)
            client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
            began = time.perf_counter()
            helpers.bulk(client, ({"_index": index, "_source": document} for document in documents), chunk_size=2000)
            rates[name].append(len(documents) / (time.perf_counter() - began))
            client.indices.refresh(index=index)
    last = {name: f"bench-identifiers-{ROUNDS - 1}-{n}" for n, name in enumerate(bodies)}
    found: dict[str, dict[str, int]] = {name: {} for name in bodies}
    seconds: dict[str, list[float]] = {name: [] for name in bodies}
    for _ in range(SEARCHES):
        for name, index in last.items():
            for word in WORDS:
                began = time.perf_counter()
                answer = client.search(index=index, body=_query({}, word, words_field=name.startswith("with")))
                seconds[name].append(time.perf_counter() - began)
                found[name][word] = answer["hits"]["total"]["value"]
    for index in last.values():
        client.options(ignore_status=404).indices.delete(index=index)
    result = {"documents": len(documents), "indices": {}}
    for name in bodies:
        result["indices"][name] = {"bulk_docs_per_second": round(statistics.median(rates[name])),
                                   "search_ms_median": round(statistics.median(seconds[name]) * 1000, 2),
                                   "lines_found": found[name]}
    base, new = result["indices"]["without (v1)"], result["indices"]["with message.words"]
    result["bulk_ratio"] = round(new["bulk_docs_per_second"] / base["bulk_docs_per_second"], 2)
    result["search_ratio"] = round(new["search_ms_median"] / base["search_ms_median"], 2)
    return result


def table(section: dict) -> list[str]:
    if "skipped" in section:
        return [f"Skipped: {section['skipped']}."]
    names = list(section["indices"])
    lines = [f"{section['documents']:,} Loghub lines; medians of {ROUNDS} bulk rounds and {SEARCHES} x {len(WORDS)} "
             "searches, interleaved.", "",
             "| | " + " | ".join(names) + " |", "| --- | " + " | ".join("---:" for _ in names) + " |",
             "| bulk documents/s | " + " | ".join(f"{section['indices'][n]['bulk_docs_per_second']:,}"
                                                 for n in names) + " |",
             "| search, median ms | " + " | ".join(str(section["indices"][n]["search_ms_median"]) for n in names)
             + " |"]
    for word in WORDS:
        lines.append(f"| lines found for `{word}` | " + " | ".join(f"{section['indices'][n]['lines_found'][word]:,}"
                                                                  for n in names) + " |")
    lines += ["", f"Bulk rate with / without: {section['bulk_ratio']}x; search time: {section['search_ratio']}x."]
    return lines
