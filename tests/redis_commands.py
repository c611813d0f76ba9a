"""Record the Redis commands the code under test sends through redis-py (names, in order)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.client import Pipeline


@contextmanager
def recorded_commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Yield a list that fills with the name of each command sent (pipelined ones included)."""
    names: list[str] = []
    execute_command = redis.Redis.execute_command
    execute_pipeline = Pipeline.execute

    def record_command(self, *args, **options):
        names.append(str(args[0]).upper())
        return execute_command(self, *args, **options)

    def record_pipeline(self, *args, **kwargs):
        names.extend(str(command[0][0]).upper() for command in self.command_stack)
        return execute_pipeline(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(redis.Redis, "execute_command", record_command)
        patch.setattr(Pipeline, "execute", record_pipeline)
        yield names
