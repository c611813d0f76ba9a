"""
The `LogEntry` document and the one index template every partition is made from.

The lines live in daily partitions `logdash-logs-v{version}-{YYYY.MM.DD}` behind the read alias
`logdash-logs` (`dashboard.partitions`). The template matches every version, so a mapping change
is a new version filled in the background and an atomic alias swap (`rebuild_index`), with no
downtime.
"""

from __future__ import annotations

from elasticsearch_dsl import Boolean, Date, Document, Integer, Keyword, Long, Text

from dashboard.conf import dashboard_settings


class LogEntry(Document):
    """One line of an uploaded log file."""

    level = Keyword()
    message = Text(fields={"keyword": Keyword(ignore_above=512)})
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
            "settings": dict(LogEntry._index._settings),
            "mappings": LogEntry._doc_type.mapping.to_dict(),
        },
        "priority": 100,
    }
