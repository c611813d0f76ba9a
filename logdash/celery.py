"""
The Celery app: `celery -A logdash worker` runs ingestion jobs, on any number of machines.

Configuration is Django's: every `CELERY_*` setting in logdash/settings.py (the broker is
CELERY_BROKER_URL). Tasks are found in each app's `tasks.py`.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")

app = Celery("logdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_cluster_broker(**kwargs) -> None:
    """Stop a worker whose Redis broker turns out to be a Redis Cluster node, which Celery cannot use."""
    from logdash.broker import check_broker_is_not_cluster

    check_broker_is_not_cluster(app.conf.broker_url)


@worker_process_init.connect
def lower_cpu_priority(**kwargs) -> None:
    """Run jobs at LOGDASH_WORKER_NICENESS, so that on a machine shared with gunicorn requests go first."""
    from django.conf import settings

    lower_priority(settings.LOGDASH_WORKER_NICENESS)


def lower_priority(niceness: int) -> None:
    """Set this process's niceness to `niceness` unless it is already lower in priority (never raise it)."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
