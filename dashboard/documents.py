"""
The `LogEntry` document and the one index template every partition is made from.

The lines live in daily partitions `logdash-logs-v{version}-{YYYY.MM.DD}` behind the read alias
`logdash-logs` (`dashboard.partitions`). The template matches every version, so a mapping change
is a new version filled in the background and an atomic alias swap (`rebuild_index`), with no
downtime.
"""

from __future__ import annotations

from elasticsearch_dsl import Boolean, Date, Document, Integer, Keyword, Long, Text, analyzer, tokenizer

from dashboard.conf import dashboard_settings

# The words inside identifiers, so that `error` finds `ValueError` and `pointer` finds
# `java.lang.NullPointerException`: each run of capitals with the lower-case letters after it, each run
# of lower-case letters, each run of digits (`onStandStepChanged` -> on stand step changed, `blk_-562725`
# -> blk 562725, `x86_64` -> x 86 64). A run of capitals stays one word (`HTTPServer` -> httpserver).
# A pattern tokenizer rather than `word_delimiter_graph`, which the embedded engine ignores, and rather than
# `pattern_replace` char filters, whose changed offsets crash its highlighter; the bracketed classes are
# the form both the embedded engine's regex and Java's accept. Letters outside these classes (CJK) are
# still found through `message` itself, which queries search together with this field.
IDENTIFIER_WORDS = analyzer(
    "identifier_words",
    tokenizer=tokenizer("identifier_parts", "pattern", pattern=r"[\p{Lu}]+[\p{Ll}]*|[\p{Ll}]+|[\p{N}]+", group=0),
    filter=["lowercase"],
)


class LogEntry(Document):
    """One line of an uploaded log file."""

    level = Keyword()
    message = Text(fields={"keyword": Keyword(ignore_above=512), "words": Text(analyzer=IDENTIFIER_WORDS)})
    # The line's template (variables as `<*>`) and its stable id, from `dashboard.patterns`.
    pattern = Keyword(ignore_above=1024)
    pattern_id = Keyword()
    source = Keyword()
    host = Keyword()
    process = Keyword()
    product = Keyword()
    upload_id = Long()
    owner_id = Long()
    line_number = Integer()
    parsed = Boolean()

    class Index:
        name = "logdash-logs"
        settings = {"number_of_shards": 1, "number_of_replicas": 0}


LogEntry._doc_type.mapping.field("@timestamp", Date())


def get_index_template_body() -> dict:
    """The composable template every `logdash-logs-v*` index is created from."""
    return {
        "index_patterns": [f"{dashboard_settings.INDEX_ALIAS}-v*"],
        "template": {
            "settings": LogEntry._index.to_dict()["settings"],  # with the analysis the mapping names
            "mappings": LogEntry._doc_type.mapping.to_dict(),
        },
        "priority": 100,
    }
