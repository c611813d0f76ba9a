"""The reliability app's settings with every cache lifetime divided by a hundred (at least 1 s).

Entries then go stale within seconds and are refreshed in the background all through a short
test, the traffic that found a fill lock left behind by the refresh thread (issue 22).
"""

from cacheops.conf import DEFAULTS
from tests.reliability.app_settings import *  # noqa: F403
from tests.reliability.app_settings import CACHEOPS as _BASE


def _divided(name: str) -> dict[str, int]:
    return {type_name: max(1, seconds // 100) for type_name, seconds in DEFAULTS[name].items()}


CACHEOPS = {**_BASE, "TIMEOUTS": _divided("TIMEOUTS"), "STALE_WHILE_REVALIDATE": _divided("STALE_WHILE_REVALIDATE")}
