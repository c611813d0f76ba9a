"""
A cold /api/dashboard under 32 concurrent requests, through gunicorn (threaded workers, so the
requests really overlap), with a counting proxy in front of the search engine: how many search
requests did the burst cost?
"""

from __future__ import annotations

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.http_load import start_gunicorn

CONCURRENT = 32


class CountingProxy:
    """Forwards every request to the search engine and counts them: all, and the searches among them.

    A multi-search counts as the searches it carries (a header line and a body line each): one
    request that asks the engine 500 questions is 500 queries of work.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream, self.searches, self.requests, self.lock = upstream, 0, 0, threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.requests += 1
                    if "_msearch" in self.path:
                        lines = [line for line in (body or b"").splitlines() if line.strip()]
                        proxy.searches += max(1, len(lines) // 2)
                    elif "_search" in self.path or "_count" in self.path:
                        proxy.searches += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command,
                                                 headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload, kind = response.status, response.read(), response.headers.get("Content-Type")
                except urllib.error.HTTPError as exc:
                    status, payload, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _forward  # noqa: N815 (http.server's names)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def run(environment: dict[str, str], engine_url: str, token: str, invalidate) -> dict:
    proxy = CountingProxy(engine_url)
    process, base = start_gunicorn({**environment, "ELASTICSEARCH_URL": proxy.url}, workers=2, threads=16)
    try:
        invalidate()
        before = proxy.searches
        barrier = threading.Barrier(CONCURRENT)
        states: list[str] = []

        def request() -> None:
            barrier.wait()
            call = urllib.request.Request(f"{base}/api/dashboard", headers={
                "Accept": "application/json", "Authorization": f"Token {token}"})
            with urllib.request.urlopen(call, timeout=60) as response:
                states.append(response.headers["X-Cache"])

        threads = [threading.Thread(target=request) for _ in range(CONCURRENT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"concurrent_requests": CONCURRENT, "search_engine_requests": proxy.searches - before,
                "x_cache": {state: states.count(state) for state in sorted(set(states))}}
    finally:
        process.terminate()
        process.wait(30)
        proxy.close()
