"""
gunicorn settings `make run` loads (`--config python:logdash.gunicorn_conf`).

`child_exit` runs in the gunicorn master when a worker exits: it drops the dead worker's
"live" gauges (the circuit-breaker state) from prometheus_client's multiprocess directory, so
/metrics reports only workers that exist. Its counters and histograms stay, as they must.
"""

import os


def child_exit(server: object, worker: object) -> None:
    # The master is not a Django process: the directory comes from its environment (`--env`),
    # and prometheus_client is imported here, not at the top, because it picks its
    # multiprocess mode once, on import, and the workers forked later must inherit that mode.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
