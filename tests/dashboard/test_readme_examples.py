"""
Issue 18 item 8: the README's search examples find something on the demo data.

The demo lines of `make run` are loaded into the test engine and every `/api/search` and
`/api/analytics/patterns` URL written in README.md is requested as it stands there.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"'http://127\.0\.0\.1:8000(/api/(?:search|analytics/patterns)\?[^'\s]*)'")


def readme_examples() -> list[str]:
    """The example URLs of the README, leaving out those with a placeholder (`...`)."""
    return sorted({url for url in EXAMPLE.findall(README.read_text()) if "..." not in url})


def test_the_readme_has_search_examples():
    examples = readme_examples()
    assert "/api/search?q=error&size=5" in examples
    assert len([url for url in examples if url.startswith("/api/search")]) >= 4


@pytest.fixture
def demo(search_engine, ticking_clock, django_user_model):
    django_user_model.objects.create_superuser("admin", "a@localhost", "pw")
    call_command("load_demo_logs", lines=1500, stdout=io.StringIO())


def test_every_readme_example_finds_something_on_the_demo_data(demo, api):
    for url in readme_examples():
        parts = urlsplit(url)
        response = api.get(parts.path, dict(parse_qsl(parts.query)))
        assert response.status_code == 200, (url, response.json())
        body = response.json()
        assert body["results"], f"{url} found nothing on the demo data"
        if parts.path == "/api/search" and "q=" in url:
            assert all("<mark>" in hit["highlight"] for hit in body["results"]), url


@pytest.mark.parametrize(
    ("q", "marked"),
    [("error", "Value<mark>Error</mark>"), ("ValueError", "<mark>ValueError</mark>"),
     ("valueerror", "<mark>ValueError</mark>"), ('"connection pool"', "<mark>connection</mark> <mark>pool</mark>")],
)
def test_a_word_inside_an_identifier_is_found_and_marked(demo, api, q, marked):
    body = api.get("/api/search", {"q": q, "size": 100}).json()
    assert any(marked in hit["highlight"] for hit in body["results"]), (q, [h["highlight"] for h in body["results"]])


def test_a_quoted_phrase_keeps_its_word_order(demo, api):
    assert api.get("/api/search", {"q": '"connection pool"'}).json()["total"] > 0
    assert api.get("/api/search", {"q": '"pool connection"'}).json()["total"] == 0
