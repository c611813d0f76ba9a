"""
`python -m bench.traffic.probe URL TOKEN [COUNT]`: GET /api/dashboard one request after another, in a
process of its own, and print the seconds of each HIT as one JSON line.

The idle p99 and the p99 under the replay's load are both measured by this probe, so they differ
only by the load: the replay's own answers come from a process whose twenty-odd client threads
share one interpreter, and their waits for it would be counted as the server's. With COUNT it
stops after that many requests; without, when its stdin closes. Standard library only: it must
not pay for Django's start.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request

PAUSE = 0.02  # between requests: a poller, not a load of its own


def probe(url: str, token: str, *, count: int | None, stop: threading.Event) -> dict:
    request = urllib.request.Request(f"{url}/api/dashboard",
                                     headers={"Accept": "application/json", "Authorization": f"Token {token}"})
    hits: list[float] = []
    other = 0
    while not stop.is_set() and (count is None or len(hits) + other < count):
        sent = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                cache = response.headers.get("X-Cache", "")
        except (OSError, urllib.error.HTTPError):
            cache = ""
        took = time.monotonic() - sent
        if cache == "HIT":
            hits.append(took)
        else:
            other += 1
        time.sleep(PAUSE)
    return {"hits": hits, "other": other}


def main(argv: list[str]) -> None:
    url, token = argv[:2]
    count = int(argv[2]) if len(argv) > 2 else None
    stop = threading.Event()
    if count is None:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(json.dumps(probe(url, token, count=count, stop=stop)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
