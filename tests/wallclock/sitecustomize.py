"""Run every Python process at another hour of today (UTC): `make test-at WALL_CLOCK=00:05`.

Put this folder on PYTHONPATH and set WALL_CLOCK=HH:MM; Python imports `sitecustomize` at start,
so pytest, gunicorn and its workers, and every subprocess that inherits the environment, start
time-machine's ticking travel to that time of today. Only the wall clock moves (time.time(),
datetime.now()); monotonic time, sleeps and thread waits stay real, which libfaketime cannot do.
This is a test tool, never imported by the product.
"""

import os
from datetime import UTC, datetime

_wall_clock = os.environ.get("WALL_CLOCK", "")
if _wall_clock:
    import time_machine

    _hour, _minute = (int(part) for part in _wall_clock.split(":"))
    _target = datetime.now(UTC).replace(hour=_hour, minute=_minute, second=0, microsecond=0)
    time_machine.travel(_target, tick=True).start()
