"""bench/patterns: the ingestion baseline (no mining) indexes what real ingestion indexes, mining nothing."""

import pytest

from bench.patterns import _ingest_all, without_mining
from dashboard.models import LogPattern

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_baseline_without_mining_indexes_every_line_and_mines_nothing(search_engine, loghub_dir):
    sample = loghub_dir / "Apache_2k.log"
    lines = len(sample.read_text(errors="replace").splitlines())

    with without_mining():
        assert _ingest_all([sample], "bench-plain") == lines
    assert not LogPattern.objects.filter(product="bench-plain").exists()

    assert _ingest_all([sample], "bench-patterns") == lines
    assert LogPattern.objects.filter(product="bench-patterns").exists()
