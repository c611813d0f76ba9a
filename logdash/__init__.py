"""logdash: a log-analytics API whose expensive reads are served from a Redis response cache."""

# The Celery app is loaded with Django, so `@shared_task` tasks bind to it and `.delay()` uses its broker.
from logdash.celery import app as celery_app

__all__ = ("celery_app",)
