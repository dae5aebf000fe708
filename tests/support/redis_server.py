"""Real ``redis-server`` processes for tests: one standalone server, or a small cluster.

Everything binds 127.0.0.1 on free ports, runs in a temporary directory with
persistence off, and is bounded in time: a server that does not answer PING,
or a cluster that does not reach ``cluster_state:ok``, fails fast with its log.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from types import TracebackType

    from typing_extensions import Self

__all__ = ["RedisClusterNodes", "RedisServer", "client_options", "free_ports", "redis_cluster"]

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
CLUSTER_TIMEOUT = 30.0


def client_options() -> dict[str, Any]:
    """Keyword options for redis-py clients in tests: a fixed library version.

    Unless told its version, redis-py reads it from package metadata (a blocking
    ``os.stat``) for every new connection, which blockbuster flags. redis-py with
    ``redis.driver_info`` takes a ``DriverInfo``; older releases take ``lib_version``.
    """
    try:
        from redis.driver_info import DriverInfo
    except ImportError:
        return {"lib_version": "test"}
    return {"driver_info": DriverInfo(lib_version="test")}


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _command(port: int, *args: str, timeout: float = 1.0) -> bytes | None:
    """Send one inline command and return the raw reply, or ``None`` if nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(" ".join(args).encode() + b"\r\n")
            reply = b""
            while not reply.endswith(b"\r\n") or (
                reply.startswith(b"$") and reply.count(b"\r\n") < 2
            ):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return reply
    except OSError:
        return None


class RedisServer:
    """One ``redis-server`` on 127.0.0.1; a context manager, restartable on the same port.

    ``stop()`` and ``start()`` can be called any number of times (for fault
    tests); the temporary directory lives until ``close()`` or the end of the
    ``with`` block.
    """

    def __init__(self, *, port: int | None = None, extra_args: Sequence[str] = ()) -> None:
        self.port = port if port is not None else free_ports(1)[0]
        self._extra_args = list(extra_args)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        """The running server's process id."""
        if self._process is None:
            raise RuntimeError("redis-server is not running")
        return self._process.pid

    @property
    def directory(self) -> Path:
        """The server's working directory (created on first start)."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="auth0-async-redis-")
        return Path(self._tmp.name)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """The server's output so far (for failure messages)."""
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server (no-op if running) and wait until it answers PING.

        Raises:
            FileNotFoundError: ``redis-server`` is not installed.
            RuntimeError: the server exited or did not answer within ``timeout``.

        """
        if self.running:
            return
        executable = shutil.which("redis-server")
        if executable is None:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        args = [
            executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.directory),
            *self._extra_args,
        ]  # fmt: skip
        self._log = (self.directory / "redis.log").open("ab")
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._reap()
                raise RuntimeError(f"redis-server exited on start:\n{self.log()}")
            if _command(self.port, "PING", timeout=0.5) == b"+PONG\r\n":
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a few seconds); no-op if stopped."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        self._reap()

    def _reap(self) -> None:
        if self._process is not None:
            self._process.wait(STOP_TIMEOUT)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RedisClusterNodes:
    """The running nodes of a cluster made by :func:`redis_cluster`."""

    def __init__(self, nodes: list[RedisServer]) -> None:
        self.nodes = nodes

    @property
    def url(self) -> str:
        """A startup-node URL for ``redis.asyncio.RedisCluster.from_url``."""
        return f"redis://127.0.0.1:{self.nodes[0].port}"

    @property
    def ports(self) -> list[int]:
        """The nodes' client ports."""
        return [node.port for node in self.nodes]


def _cluster_args(bus_port: int) -> list[str]:
    return [
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "5000",
        "--cluster-port", str(bus_port),
    ]  # fmt: skip


def _cluster_ok(port: int) -> bool:
    reply = _command(port, "CLUSTER", "INFO")
    return reply is not None and b"cluster_state:ok" in reply


@contextlib.contextmanager
def redis_cluster(
    size: int = 3, *, timeout: float = CLUSTER_TIMEOUT
) -> Iterator[RedisClusterNodes]:
    """Start ``size`` cluster-enabled nodes, join them (no replicas) and wait for ``cluster_state:ok``.

    Raises:
        FileNotFoundError: ``redis-server`` or ``redis-cli`` is not installed.
        RuntimeError: the cluster was not created or not ready within ``timeout``.

    """
    cli = shutil.which("redis-cli")
    if cli is None:
        raise FileNotFoundError("redis-cli is not installed (apt-get install redis-server)")
    ports = free_ports(2 * size)
    nodes = [
        RedisServer(port=ports[i], extra_args=_cluster_args(ports[size + i])) for i in range(size)
    ]
    with contextlib.ExitStack() as stack:
        for node in nodes:
            stack.enter_context(node)
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if created.returncode != 0:
            raise RuntimeError(
                "redis-cli --cluster create failed:\n" + created.stdout.decode(errors="replace")
            )
        deadline = time.monotonic() + timeout
        while not all(_cluster_ok(node.port) for node in nodes):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach cluster_state:ok within {timeout} s")
            time.sleep(0.05)
        yield RedisClusterNodes(nodes)
