"""Record the Redis commands the code under test sends through redis-py (names, in order)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.client import Pipeline
from redis.cluster import ClusterPipeline


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

    execute_cluster_pipeline = ClusterPipeline.execute

    def record_cluster_pipeline(self, *args, **kwargs):
        # redis-py 8 queues a cluster pipeline's commands in its execution strategy.
        queued = getattr(self._execution_strategy, "_command_queue", None) or self.command_stack
        names.extend(str(command.args[0]).upper() for command in queued)
        return execute_cluster_pipeline(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(redis.Redis, "execute_command", record_command)
        patch.setattr(Pipeline, "execute", record_pipeline)
        patch.setattr(ClusterPipeline, "execute", record_cluster_pipeline)
        yield names
