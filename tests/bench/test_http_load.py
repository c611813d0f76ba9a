"""bench/http_load: the Python load generator and the throughput ratio it reports."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.http_load import _python_load
from bench.measure import paired_ratio


class _Answers(BaseHTTPRequestHandler):
    """200 on /ok, 503 elsewhere; remembers the Authorization header of every request."""

    seen: list = []

    def do_GET(self) -> None:
        _Answers.seen.append(self.headers.get("Authorization"))
        status = 200 if self.path.startswith("/ok") else 503
        body = b'{"ok": true}' * 100
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    _Answers.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_generator_counts_the_answers_it_read_and_the_failures_apart(server):
    served = _python_load(f"{server}/ok", 1, 2)
    assert served["requests_per_second"] > 0
    assert served["non_2xx"] == 0
    assert served["median_us"] > 0

    failing = _python_load(f"{server}/missing", 1, 2)
    assert failing["requests_per_second"] == 0
    assert failing["non_2xx"] > 0


def test_the_token_goes_only_to_the_token_variants(server):
    _python_load(f"{server}/ok/ours-token-cached", 1, 1, "abc")
    _python_load(f"{server}/ok/floor", 1, 1, "abc")
    assert "Token abc" in _Answers.seen
    assert None in _Answers.seen


def test_the_ratio_pairs_each_round_with_the_floor_of_the_same_round():
    # The machine halves its speed in the second round and doubles it in the third: the variant
    # is 0.9x the floor in two rounds of three, which a ratio of the two medians (1.8x) hides.
    assert paired_ratio([900, 1800, 1800], [1000, 1000, 2000]) == 0.9


def test_a_variant_measured_in_fewer_rounds_is_paired_with_those_rounds_only():
    assert paired_ratio([100], [1000, 500, 500, 500]) == 0.1
