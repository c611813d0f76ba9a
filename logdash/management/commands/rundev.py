"""
`python manage.py rundev` (what `make run` calls): the whole stack on one machine.

It starts what is missing (the embedded search engine, a bundled Redis when none answers),
migrates, creates the demo admin, loads demo logs, warms the cache and serves with gunicorn.
Ctrl-C or SIGTERM stops everything it started. The gunicorn workers share a fresh
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, so /metrics sums every worker).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from logdash.broker import next_redis_db
from logdash.services import (
    RunningService,
    ServiceError,
    _die_with_parent,
    find_or_start_redis,
    resident_memory_bytes,
    start_search_engine,
)

# The demo superuser's password when LOGDASH_ADMIN_PASSWORD is not set: for a laptop (DEBUG on) only.
DEFAULT_ADMIN_PASSWORD = "admin"


def check_admin_password() -> None:
    """Refuse, outside DEBUG, to create or announce a superuser whose password anyone can guess.

    `make run` (DEBUG=1) keeps admin/admin for the demo; a server started with DEBUG off and the
    defaults would otherwise serve an admin account open to the first visitor.
    """
    password = settings.LOGDASH_ADMIN_PASSWORD
    if settings.DEBUG or password not in {DEFAULT_ADMIN_PASSWORD, settings.LOGDASH_ADMIN_USER, ""}:
        return
    raise CommandError(
        f"DEBUG is off and the admin password is {password!r}, which anyone can guess: rundev will not create "
        "or advertise that account. Set LOGDASH_ADMIN_PASSWORD to a long random password, or run with DEBUG=1 "
        "for development."
    )


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urllib.parse.urlunsplit(parts)


def port_is_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


class Command(BaseCommand):
    help = "Start the search engine and Redis if missing, migrate, load demo logs and serve with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--workers", type=int, default=settings.LOGDASH_WEB_WORKERS)
        parser.add_argument("--demo-lines", type=int, default=settings.LOGDASH_DEMO_LINES)

    def handle(self, *args: Any, host: str, port: int, workers: int, demo_lines: int, **options: Any) -> None:
        check_admin_password()
        if workers < 2:
            raise CommandError(f"--workers={workers}: serve with 2 workers or more, so shared state is really shared.")
        if port_is_taken(host, port):
            raise CommandError(
                f"Port {port} on {host} is taken: is another `make run` serving http://{host}:{port}/ ? "
                "Stop it, or choose another port with PORT=8001 make run."
            )
        self.services: list[RunningService] = []
        self.temporary_metrics_dir: str | None = None
        self.beat_dir: str | None = None
        signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._run(host, port, workers, demo_lines)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self.stdout.write("\nStopping.")
        finally:
            self._stop_all()

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    def _start_services(self) -> dict[str, Any]:
        overrides: dict[str, Any] = {}
        if not settings.ELASTICSEARCH_URL:
            engine = start_search_engine(niceness=settings.LOGDASH_EMBEDDED_ENGINE_NICENESS)
            self.services.append(engine)
            overrides.update(ELASTICSEARCH_URL=engine.url, ELASTICSEARCH_FLAVOR="osmem")
            self.stdout.write(f"Search engine: embedded osmem-server at {engine.url} (pid {engine.pid})")
        else:
            self.stdout.write(f"Search engine: {settings.ELASTICSEARCH_URL} ({settings.ELASTICSEARCH_FLAVOR})")
        if settings.REDIS_CLUSTER_NODES or settings.REDIS_SENTINELS:
            # The cache's CACHES already point at them (settings.py); nothing to find or start.
            where = settings.REDIS_CLUSTER_NODES or [f"{host}:{port}" for host, port in settings.REDIS_SENTINELS]
            self.stdout.write(f"Redis: {'cluster' if settings.REDIS_CLUSTER_NODES else 'Sentinels'} {', '.join(where)}")
            return overrides
        redis_service = find_or_start_redis(settings.REDIS_URL, url_is_explicit=settings.REDIS_URL_IS_EXPLICIT)
        if redis_service.started_here:
            self.services.append(redis_service)
            self.stdout.write(f"Redis: nothing answered at {settings.REDIS_URL}; started bundled redis-server at "
                              f"{redis_service.url} (pid {redis_service.pid})")
        else:
            self.stdout.write(f"Redis: {redis_service.url}")
        caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
        caches["default"]["LOCATION"] = redis_service.url
        overrides.update(CACHES=caches, REDIS_URL=redis_service.url)
        if not settings.CELERY_BROKER_URL_IS_EXPLICIT:
            overrides["CELERY_BROKER_URL"] = next_redis_db(redis_service.url)
        return overrides

    def _run(self, host: str, port: int, workers: int, demo_lines: int) -> None:
        overrides = self._start_services()
        with override_settings(**overrides):
            call_command("migrate", interactive=False, verbosity=0)
            self._create_admin()
            call_command("recover_uploads", stdout=self.stdout)
            if "ELASTICSEARCH_URL" in overrides:
                call_command("load_demo_logs", lines=demo_lines, replace=True, stdout=self.stdout)
                self._report_engine_memory()
            call_command("warm_cache", stdout=self.stdout)
        self._serve(host, port, workers, overrides)

    def _report_engine_memory(self) -> None:
        """State what the embedded engine holds in memory, against the LOGDASH_EMBEDDED_MAX_DOCS budget."""
        from dashboard import client
        from dashboard.conf import dashboard_settings

        engine = next((service for service in self.services if service.name.startswith("search engine")), None)
        rss = resident_memory_bytes(engine.pid) if engine and engine.pid else None
        lines = client.document_count()
        limit = dashboard_settings.EMBEDDED_MAX_DOCS
        used = f"{rss / 2**20:.0f} MB resident" if rss is not None else "resident memory unknown (no /proc)"
        per_line = f", {rss / lines / 1024:.1f} KB a line" if rss and lines else ""
        budget = f"the budget is {limit} lines (LOGDASH_EMBEDDED_MAX_DOCS)" if limit else "no line budget"
        self.stdout.write(f"Search engine memory: {used} for {lines} lines{per_line}; {budget}.")

    def _create_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            self.stdout.write("Admin: a superuser already exists; log in with it.")
            return
        user_model.objects.create_superuser(
            settings.LOGDASH_ADMIN_USER, f"{settings.LOGDASH_ADMIN_USER}@localhost", settings.LOGDASH_ADMIN_PASSWORD
        )
        shown = repr(settings.LOGDASH_ADMIN_PASSWORD) if settings.DEBUG else "from LOGDASH_ADMIN_PASSWORD"
        self.stdout.write(f"Admin: created superuser {settings.LOGDASH_ADMIN_USER!r} with password {shown}")

    def _serve(self, host: str, port: int, workers: int, overrides: dict[str, Any]) -> None:
        environment = [f"PROMETHEUS_MULTIPROC_DIR={self._metrics_dir()}"]
        if "REDIS_URL" in overrides:
            environment.append(f"REDIS_URL={overrides['REDIS_URL']}")
        if "ELASTICSEARCH_URL" in overrides:
            environment += [f"ELASTICSEARCH_URL={overrides['ELASTICSEARCH_URL']}", "ELASTICSEARCH_FLAVOR=osmem"]
        # Threads per worker: a hit is answered while other threads wait on slow misses (bench/serving.py).
        command = [sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"{host}:{port}",
                   "--workers", str(workers), "--worker-class", "gthread",
                   "--threads", str(settings.LOGDASH_WEB_THREADS), "--timeout", "600", "--access-logfile", "-",
                   "--config", "python:logdash.gunicorn_conf"]
        for item in environment:
            command += ["--env", item]
        self.stdout.write(self.style.SUCCESS(
            f"\nlogdash is serving on http://{host}:{port}/  (API: /api/, admin: /admin/, health: /api/health)\n"
            f"Log in as {settings.LOGDASH_ADMIN_USER!r} / "
            f"{repr(settings.LOGDASH_ADMIN_PASSWORD) if settings.DEBUG else '(LOGDASH_ADMIN_PASSWORD)'}. "
            "Ctrl-C stops everything.\n"
        ))
        self.stdout.flush()
        self._start_worker(environment, overrides.get("CELERY_BROKER_URL", settings.CELERY_BROKER_URL))
        gunicorn = subprocess.Popen(command)
        self.services.append(RunningService("gunicorn", f"http://{host}:{port}", gunicorn, stop_grace=10))
        self.stdout.write(f"gunicorn: master pid {gunicorn.pid}, {workers} workers x "
                          f"{settings.LOGDASH_WEB_THREADS} threads")
        self.stdout.flush()
        code = gunicorn.wait()
        if code:
            raise CommandError(f"gunicorn exited with code {code}.")

    def _start_worker(self, environment: list[str], broker_url: str) -> None:
        """One Celery worker beside gunicorn, on the same services: it indexes the uploads (dashboard/tasks.py)."""
        variables = {**os.environ, **dict(item.split("=", 1) for item in environment)}
        # --beat: one machine, so the worker also sends the periodic tasks (retention); production runs
        # `celery -A logdash beat` once, beside any number of workers.
        self.beat_dir = tempfile.mkdtemp(prefix="logdash-beat-")
        schedule = Path(self.beat_dir) / "celerybeat-schedule"
        command = [sys.executable, "-m", "celery", "-A", "logdash", "worker", "--loglevel", "INFO",
                   "--concurrency", str(settings.LOGDASH_JOB_WORKERS), "--without-gossip", "--without-mingle",
                   "--beat", "--schedule", str(schedule)]
        worker = subprocess.Popen(command, env=variables, preexec_fn=_die_with_parent)
        # Celery's warm shutdown (SIGTERM) finishes the job in hand; a job cut short is delivered again later.
        self.services.append(RunningService("celery worker", broker_url, worker, stop_grace=30))
        self.stdout.write(f"Celery worker: pid {worker.pid}, {settings.LOGDASH_JOB_WORKERS} processes, "
                          f"broker {_without_password(broker_url)}")

    def _metrics_dir(self) -> str:
        """Return an empty directory for the workers' metric files: a given one emptied, else a temporary one.

        Files left by an earlier run would add its counts to this one's (and keep its dead workers' gauges).
        """
        if settings.PROMETHEUS_MULTIPROC_DIR:
            directory = Path(settings.PROMETHEUS_MULTIPROC_DIR)
            directory.mkdir(parents=True, exist_ok=True)
            for leftover in directory.glob("*.db"):
                leftover.unlink()
            return str(directory)
        self.temporary_metrics_dir = tempfile.mkdtemp(prefix="logdash-metrics-")
        return self.temporary_metrics_dir

    def _stop_all(self) -> None:
        for service in reversed(self.services):
            service.stop()
        for directory in (self.temporary_metrics_dir, self.beat_dir):
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
