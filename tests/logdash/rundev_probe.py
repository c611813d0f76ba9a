"""
Drive `manage.py rundev` the way a user drives `make run`, and report what happened as JSON.

Run by tests/logdash/test_rundev.py, sometimes inside a network namespace of its own
(`unshare -n`) where nothing listens on 127.0.0.1:6379.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wait_for_health(url: str, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                return exc.code
        except OSError:
            pass
        time.sleep(0.5)
    return None


def upload_through_the_worker(base: str) -> int | str:
    """Log in as the demo admin and upload a small file, waiting for `make run`'s Celery worker to index it."""
    try:
        request = urllib.request.Request(f"{base}/api/auth/token", method="POST",
                                         data=json.dumps({"username": "admin", "password": "admin"}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            token = json.loads(response.read())["token"]
        body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"probe.log\"\r\n\r\n"
                b'{"level": "error", "message": "probe line"}\n\r\n--b0undary--\r\n')
        request = urllib.request.Request(f"{base}/api/upload?wait=60", data=body, method="POST", headers={
            "Authorization": f"Token {token}", "Content-Type": "multipart/form-data; boundary=b0undary"})
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read()[:300]!r}"
    except OSError as exc:
        return repr(exc)


def process_is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    except OSError:
        return False
    return state != "Z"


def main() -> None:
    port = int(sys.argv[1])
    command = [sys.executable, "manage.py", "rundev", "--port", str(port), "--demo-lines", "600"]
    started = time.monotonic()
    runner = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=os.environ.copy())
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(runner.stdout), daemon=True)
    reader.start()
    status = wait_for_health(f"http://127.0.0.1:{port}/api/health", timeout=150)
    health_seconds = time.monotonic() - started
    upload_status = upload_through_the_worker(f"http://127.0.0.1:{port}") if status == 200 else None
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    pids = [int(pid) for pid in re.findall(r"pid (\d+)", "".join(output))]
    runner.send_signal(signal.SIGTERM)
    code = runner.wait(60)
    reader.join(10)
    time.sleep(1)
    print(json.dumps({
        "health_status": status,
        "health_seconds": round(health_seconds, 1),
        "upload_status": upload_status,
        "exit_code": code,
        "second_run_code": second.returncode,
        "second_run_output": second.stdout + second.stderr,
        "pids": pids,
        "alive_after_stop": [pid for pid in pids if process_is_alive(pid)],
        # The start (what was found or started) and the end (how it stopped): the access log between can be long.
        "output": _head_and_tail("".join(output)),
    }))


def _head_and_tail(text: str, size: int = 4000) -> str:
    return text if len(text) <= 2 * size else f"{text[:size]}\n[...]\n{text[-size:]}"


if __name__ == "__main__":
    main()
