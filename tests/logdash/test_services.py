"""Start-up and shutdown of the embedded services, checked by PID."""

import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from logdash.services import (
    ServiceError,
    find_or_start_redis,
    free_port,
    process_is_alive,
    redis_answers,
    start_redis,
    start_search_engine,
)


def _wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_is_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_search_engine_starts_answers_and_stops():
    engine = start_search_engine()
    try:
        assert process_is_alive(engine.pid)
        with urllib.request.urlopen(engine.url, timeout=5) as response:
            assert response.status == 200
    finally:
        engine.stop()
    assert _wait_dead(engine.pid)


def test_bundled_redis_starts_answers_and_stops():
    service = start_redis()
    try:
        assert service.started_here
        assert redis_answers(service.url)
    finally:
        service.stop()
    assert _wait_dead(service.pid)
    assert not redis_answers(service.url)


def test_a_redis_that_answers_is_used_and_never_stopped(redis_service):
    found = find_or_start_redis(redis_service.url, url_is_explicit=True)
    assert found.url == redis_service.url
    assert not found.started_here
    found.stop()
    assert redis_answers(redis_service.url)


def test_default_url_with_nothing_listening_starts_the_bundled_redis():
    silent_url = f"redis://127.0.0.1:{free_port()}/0"
    service = find_or_start_redis(silent_url, url_is_explicit=False)
    try:
        assert service.started_here
        assert service.url != silent_url
        assert redis_answers(service.url)
    finally:
        service.stop()


def test_an_explicit_url_with_nothing_listening_is_an_error_naming_it():
    silent_url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(ServiceError, match="No Redis answers at REDIS_URL"):
        find_or_start_redis(silent_url, url_is_explicit=True)


def test_services_die_with_a_parent_killed_by_sigkill():
    """A parent that cannot clean up (SIGKILL) still leaves no orphan behind."""
    script = textwrap.dedent(
        """
        import time
        from logdash.services import start_redis, start_search_engine
        engine = start_search_engine()
        redis_service = start_redis()
        print(engine.pid, redis_service.pid, flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as parent:
        engine_pid, redis_pid = map(int, parent.stdout.readline().split())
        assert process_is_alive(engine_pid) and process_is_alive(redis_pid)
        parent.kill()
    assert _wait_dead(engine_pid), "osmem-server outlived its parent"
    assert _wait_dead(redis_pid), "redis-server outlived its parent"
