"""
The structure finder: the time, level and source of lines in a layout logdash has no name for.

    find_structure(sample, now=...)  ->  Structure | None   (decided once per file, from a sample)
    GenericFormat(structure)         ->  a LogFormat         (the decision compiled for every line)
"""

from __future__ import annotations

from dashboard.ingest.finder.decide import SAMPLE_SIZE, find_structure
from dashboard.ingest.finder.structure import GenericFormat, Structure

__all__ = ["SAMPLE_SIZE", "GenericFormat", "Structure", "find_structure"]
