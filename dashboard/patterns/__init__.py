"""
Message patterns: every log line's template (variables as `<*>`) and a stable id for it.

`masking` recognises variables by their type, `miner` clusters masked lines into templates,
`store` keeps what a product's uploads taught it in the database, and `accuracy` scores the
grouping against hand-labelled events. Ingestion calls `store.PatternAssigner`.
"""

from dashboard.patterns.masking import WILDCARD, mask_message
from dashboard.patterns.miner import TemplateMiner, pattern_id_for

__all__ = ["WILDCARD", "TemplateMiner", "mask_message", "pattern_id_for"]
