"""
Plays a trace against a running stack: one thread per simulated actor, each sending its events
at their (compressed) times, and records every answer.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.traffic.model import Event, TrafficModel
from bench.traffic.stack import PASSWORD


@dataclass
class Answer:
    actor: str
    kind: str              # what the trace asked: search_page2 for a second page
    status: int
    x_cache: str           # HIT, MISS, STALE, or "" when the cache did not answer
    key: str               # X-Cache-Key: what the cache keys the answer on
    seconds: float
    at: float              # real seconds from the start of the replay
    path: str = ""         # what was asked (a second page's identity is its first page's, less the cursor)
    answer: tuple[int, str] | None = None  # a search's (total, digest of its results and next_cursor)
    done_at: float | None = None  # an upload's: when its job completed (real seconds from the start)


def call(base: str, method: str, path: str, *, token: str = "", body: bytes | None = None,
         content_type: str = "", timeout: float = 120.0) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except OSError as exc:
        return 0, {}, repr(exc).encode()


def log_in(base: str, username: str) -> str:
    status, _, body = call(base, "POST", "/api/auth/token", content_type="application/json",
                           body=json.dumps({"username": username, "password": PASSWORD}).encode())
    if status != 200:
        raise RuntimeError(f"{username} could not log in: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def multipart(path: Path, product: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    if product:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="product"\r\n\r\n{product}\r\n'.encode())
    parts.append((f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                  "Content-Type: text/plain\r\n\r\n").encode() + path.read_bytes() + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _search_params(event: Event) -> dict:
    """A search event's parameters less the page number it stands for."""
    return {name: value for name, value in event.params.items() if name != "page"}


def _first_page_key(event: Event) -> str:
    """The key a search's first page files its `next_cursor` under, for its second page to find."""
    return urllib.parse.urlencode(sorted(_search_params(event).items()))


def request_for(event: Event, cursors: dict[str, str] | None = None) -> tuple[str, str]:
    """The kind an event's answer is filed under, and the path it asks for.

    A second page asks with the `next_cursor` its first page answered (`cursors`, by filters).
    """
    if event.kind == "search":
        params = _search_params(event)
        if event.params.get("page") == 2:
            cursor = (cursors or {}).get(_first_page_key(event), "")
            return "search_page2", "/api/search?" + urllib.parse.urlencode({**params, "cursor": cursor})
        return "search", "/api/search?" + urllib.parse.urlencode(params)
    if event.kind == "invalidate":
        return "invalidate", f"/api/cache/invalidate/{event.params['cache_type']}"
    return event.kind, {"dashboard": "/api/dashboard", "trends": "/api/analytics/trends",
                        "user_dashboard": "/api/user/dashboard", "me": "/api/user/me",
                        "upload": "/api/upload"}[event.kind]


def has_next_page(event: Event, cursors: dict[str, str]) -> bool:
    """Whether the client can ask for a second page: only when its first page answered a `next_cursor`.

    The Angular client shows "Load more" only then (clients/angular/src/app/components/search.ts).
    """
    return bool(cursors.get(_first_page_key(event)))


def search_answer(page: dict) -> tuple[int, str]:
    """What tells two answers of one search apart: the total, and a digest of the page it shows."""
    shown = json.dumps([page.get("results"), page.get("next_cursor")], sort_keys=True).encode()
    return page.get("total"), hashlib.md5(shown, usedforsecurity=False).hexdigest()


def send(base: str, token: str, event: Event,
         cursors: dict[str, str]) -> tuple[str, str, int, dict[str, str], tuple[int, str] | int | None]:
    """Send one event; return its kind, path, status and headers, and a search's answer or an upload's id."""
    kind, path = request_for(event, cursors)
    answer: tuple[int, str] | int | None = None
    if event.kind == "search":
        status, headers, body = call(base, "GET", path, token=token)
        if status == 200:
            page = json.loads(body)
            answer = search_answer(page)
            if kind == "search":
                cursors[_first_page_key(event)] = page.get("next_cursor") or ""
    elif event.kind == "upload":
        body, content_type = multipart(Path(event.params["file"]), event.params.get("product", ""))
        status, headers, made = call(base, "POST", path, token=token, body=body, content_type=content_type)
        if 200 <= status < 300:
            answer = json.loads(made)["id"]
    elif event.kind == "invalidate":
        status, headers, _ = call(base, "POST", path, token=token, body=b"{}", content_type="application/json")
    else:
        status, headers, _ = call(base, "GET", path, token=token)
    return kind, path, status, headers, answer


def replay(base: str, model: TrafficModel, trace: list[Event], *, tokens: dict[str, str] | None = None) -> list[Answer]:
    """Send every event at its time; return every answer, in the order they came.

    Each actor logs in once first, unless `tokens` already holds its token. A second page whose
    first page had no `next_cursor` (the last page, or an error) is not asked.
    """
    by_actor: dict[str, list[Event]] = defaultdict(list)
    for event in trace:
        by_actor[event.actor].append(event)
    given = tokens or {}
    tokens = {actor: given.get(actor) or log_in(base, actor) for actor in by_actor}
    answers: list[Answer] = []
    uploads: dict[int, Answer] = {}  # the id of an upload made -> the answer that made it
    lock = threading.Lock()
    began, began_wall = time.monotonic(), time.time()

    def act(actor: str, events: list[Event]) -> None:
        cursors: dict[str, str] = {}
        for event in events:
            delay = began + event.at / model.compression - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if event.kind == "search" and event.params.get("page") == 2 and not has_next_page(event, cursors):
                continue
            sent = time.monotonic()
            kind, path, status, headers, shown = send(base, tokens[actor], event, cursors)
            answer = Answer(actor, kind, status, headers.get("X-Cache", ""), headers.get("X-Cache-Key", ""),
                            time.monotonic() - sent, sent - began, path, shown if kind.startswith("search") else None)
            with lock:
                answers.append(answer)
                if isinstance(shown, int):
                    uploads[shown] = answer

    threads = [threading.Thread(target=act, args=item, daemon=True) for item in by_actor.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if uploads:
        uploader = next(iter(uploads.values())).actor
        for upload_id, moment in upload_completions(base, tokens[uploader], set(uploads)).items():
            uploads[upload_id].done_at = moment - began_wall
    return answers


def upload_completions(base: str, token: str, ids: set[int], wait: float = 60.0) -> dict[int, float]:
    """When each upload's job completed (epoch seconds), waiting up to `wait` for the ones still running.

    Its invalidation is done as the job commits: a search answered between the upload's request
    and this moment was answered before the upload's lines counted.
    """
    completed: dict[int, float] = {}
    deadline = time.monotonic() + wait
    while True:
        for upload_id in ids - completed.keys():
            status, _, body = call(base, "GET", f"/api/uploads/{upload_id}", token=token)
            moment = json.loads(body).get("completed_at") if status == 200 else None
            if moment:
                completed[upload_id] = datetime.fromisoformat(moment).timestamp()
        if completed.keys() >= ids or time.monotonic() > deadline:
            return completed
        time.sleep(0.5)
