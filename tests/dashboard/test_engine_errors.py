"""Engine failures reach clients as fixed answers (503 search_unavailable, 500 search_refused), never its text."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from dashboard import client
from dashboard.exceptions import SearchRefused, SearchUnavailable

pytestmark = pytest.mark.django_db

SECRET = "shard [logdash-logs-v1][0] on node es-internal-7.corp failed"


def _engine_answering(status: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = json.dumps({"error": {"type": "search_phase_execution_exception", "reason": SECRET},
                               "status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = _answer  # noqa: N815 (http.server's handler names)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def failing_engine(request) -> Iterator[str]:
    """An HTTP engine that answers every request with `request.param` and a body naming its internals."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _engine_answering(request.param))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with override_settings(ELASTICSEARCH_URL=url, ELASTICSEARCH_FLAVOR="osmem"):
            yield SECRET
    finally:
        server.shutdown()
        server.server_close()
        client.reset_client()


@pytest.mark.parametrize(("failing_engine", "status", "code"), [(500, 503, "search_unavailable"),
                                                                 (429, 503, "search_unavailable"),
                                                                 (400, 500, "search_refused")],
                         indirect=["failing_engine"])
@pytest.mark.parametrize("path", ["/api/dashboard", "/api/search?q=x", "/api/analytics/trends", "/api/user/dashboard"])
def test_engine_failures_answer_a_fixed_error_without_the_engines_text(api, failing_engine, status, code, path):
    response = api.get(path)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert "es-internal" not in response.content.decode()
    assert "search_phase_execution_exception" not in response.content.decode()


@pytest.mark.parametrize("failing_engine", [500], indirect=True)
def test_the_integration_layer_raises_its_own_errors_with_the_reason_for_logs(failing_engine, caplog):
    with pytest.raises(SearchUnavailable, match="failed to answer \\(500\\)") as raised:
        client.refresh()
    assert "search_phase_execution_exception" in str(raised.value)
    assert not hasattr(raised.value, "status_code")  # not an HTTP answer: views map it


@pytest.mark.parametrize("failing_engine", [400], indirect=True)
def test_a_refused_request_is_search_refused(failing_engine):
    with pytest.raises(SearchRefused, match="refused a request \\(400\\)"):
        client.refresh()


def test_no_engine_configured_is_unavailable_and_health_says_so(settings):
    settings.ELASTICSEARCH_URL = ""
    client.reset_client()
    with pytest.raises(SearchUnavailable, match="set ELASTICSEARCH_URL"):
        client.get_client()
    assert client.ping() == (False, "not configured: set ELASTICSEARCH_URL")
    client.reset_client()
