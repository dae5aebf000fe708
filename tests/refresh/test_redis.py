"""RedisRefreshCoordinator (``refresh/redis``) against a real redis-server."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from auth0_async import (
    AccessTokenError,
    Auth0Error,
    ConfigurationError,
    OAuthError,
    SessionStoreError,
    TransportError,
)
from auth0_async._exceptions import KeyNotFoundError

from ..support.fetchers import KEY, Fetcher, asyncio_only, gather, never_fetch
from ..support.fixtures import require_redis_server
from ..support.redis_server import RedisServer, client_options

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from auth0_async.refresh.redis import RedisRefreshCoordinator

    from ..support.redis_server import RedisClusterNodes


# --- RedisRefreshCoordinator against a real redis-server --------------------------------------


def make_coordinator(client: object, prefix: str, **kwargs: float) -> RedisRefreshCoordinator:
    from auth0_async.refresh.redis import RedisRefreshCoordinator

    kwargs.setdefault("poll_interval", 0.02)
    return RedisRefreshCoordinator(client, prefix=prefix, **kwargs)  # type: ignore[arg-type]


class AsyncRedis:
    """``redis.asyncio`` clients for tests (the tests that need them skip without the extra)."""

    def __init__(self) -> None:
        self.module: Any = pytest.importorskip("redis.asyncio")
        self.options = client_options()

    def client(self, url: str, **options: Any) -> Any:
        return self.module.Redis.from_url(url, **self.options, **options)

    def cluster(self, url: str) -> Any:
        return self.module.RedisCluster.from_url(url, **self.options)


@pytest.fixture
def aioredis() -> AsyncRedis:
    return AsyncRedis()


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def instances(
    aioredis: AsyncRedis,
    redis_server: RedisServer,
) -> AsyncIterator[tuple[Any, Any]]:
    """Two separate clients, as two app instances would have."""
    async with (
        aioredis.client(redis_server.url) as one,
        aioredis.client(redis_server.url) as two,
    ):
        yield one, two


@asyncio_only
@pytest.mark.anyio
async def test_two_instances_make_one_grant(instances: tuple[Any, Any], prefix: str) -> None:
    coordinators = [make_coordinator(client, prefix) for client in instances]
    fetch = Fetcher(delay=0.3)
    outcomes: list[bytes | BaseException] = []

    async def instance(coordinator: RedisRefreshCoordinator) -> None:
        outcomes.extend(await gather(10, lambda: coordinator.coordinate(KEY, fetch)))

    async with anyio.create_task_group() as tg:
        for coordinator in coordinators:
            tg.start_soon(instance, coordinator)
    assert outcomes == [b"tokens"] * 20
    assert fetch.calls == 1
    # A later instance (or request) still carrying the old token gets the kept result.
    assert await make_coordinator(instances[1], prefix).coordinate(KEY, never_fetch) == b"tokens"
    # Hash-tagged keys: the lock is released, the result kept for result_ttl.
    client = instances[0]
    assert await client.exists(f"{prefix}{{{KEY}}}:lock") == 0
    assert await client.get(f"{prefix}{{{KEY}}}:result") == b"vtokens"
    assert 0 < await client.pttl(f"{prefix}{{{KEY}}}:result") <= 60_000


@pytest.mark.parametrize(
    ("error", "check"),
    [
        (
            OAuthError("invalid_grant", "Unknown or invalid refresh token.", status=403),
            lambda e: (
                isinstance(e, OAuthError)
                and (e.error, e.error_description, e.status)
                == ("invalid_grant", "Unknown or invalid refresh token.", 403)
            ),
        ),
        (
            AccessTokenError(
                "failed_to_refresh_token", "no", cause=OAuthError("invalid_grant", status=400)
            ),
            lambda e: (
                isinstance(e, AccessTokenError)
                and e.code == "failed_to_refresh_token"
                and isinstance(e.cause, OAuthError)
                and e.cause.status == 400
            ),
        ),
        (TransportError("timed out"), lambda e: type(e) is TransportError),
        (KeyNotFoundError("no key"), lambda e: type(e) is KeyNotFoundError),
        (
            RuntimeError("https://tenant/oauth/token?secret"),
            lambda e: (
                isinstance(e, AccessTokenError)
                and e.code == "failed_to_refresh_token"
                and "secret" not in str(e)
            ),
        ),
    ],
    ids=["oauth", "access-token", "transport", "subclass", "foreign"],
)
@asyncio_only
@pytest.mark.anyio
async def test_error_reaches_the_other_instance(
    instances: tuple[Any, Any],
    prefix: str,
    error: Exception,
    check: Callable[[Auth0Error], bool],
) -> None:
    holder, other = (make_coordinator(client, prefix) for client in instances)
    failing = Fetcher(error=error, gated=True)
    outcomes: list[bytes | BaseException] = []

    async with anyio.create_task_group() as tg:

        async def hold() -> None:
            with pytest.raises(type(error)) as caught:
                await holder.coordinate(KEY, failing)
            assert caught.value is error

        tg.start_soon(hold)

        async def wait_on_other() -> None:
            outcomes.extend(await gather(3, lambda: other.coordinate(KEY, never_fetch)))

        await failing.started.wait()
        tg.start_soon(wait_on_other)
        await anyio.sleep(0.1)
        assert failing.gate is not None
        failing.gate.set()
    assert len(outcomes) == 3
    assert all(isinstance(o, Exception) and check(o) for o in outcomes), outcomes  # type: ignore[arg-type]
    assert failing.calls == 1
    # The failure is not reused: the next caller makes a new grant.
    retry = Fetcher(b"retried")
    assert await other.coordinate(KEY, retry) == b"retried"
    assert retry.calls == 1


@asyncio_only
@pytest.mark.anyio
async def test_dead_holder_lock_expires_and_a_waiter_takes_over(
    instances: tuple[Any, Any], prefix: str
) -> None:
    client = instances[0]
    await client.set(f"{prefix}{{{KEY}}}:lock", b"dead-instance", px=300)
    fetch = Fetcher(b"recovered")
    started = anyio.current_time()
    assert await make_coordinator(instances[1], prefix).coordinate(KEY, fetch) == b"recovered"
    assert anyio.current_time() - started >= 0.25
    assert fetch.calls == 1
    assert await client.exists(f"{prefix}{{{KEY}}}:lock") == 0


@asyncio_only
@pytest.mark.anyio
async def test_waiting_is_bounded_by_the_lock_timeout(
    instances: tuple[Any, Any], prefix: str
) -> None:
    await instances[0].set(f"{prefix}{{{KEY}}}:lock", b"busy", px=10_000)
    coordinator = make_coordinator(instances[1], prefix, lock_timeout=0.3)
    started = anyio.current_time()
    with pytest.raises(AccessTokenError) as caught:
        await coordinator.coordinate(KEY, never_fetch)
    assert caught.value.code == "failed_to_refresh_token"
    assert 0.25 <= anyio.current_time() - started < 2


@asyncio_only
@pytest.mark.anyio
async def test_cancelled_holder_still_shares_its_result(
    instances: tuple[Any, Any], prefix: str
) -> None:
    holder, other = (make_coordinator(client, prefix) for client in instances)
    fetch = Fetcher(gated=True)
    async with anyio.create_task_group() as tg:
        tg.start_soon(holder.coordinate, KEY, fetch)
        await fetch.started.wait()
        tg.cancel_scope.cancel()
        assert fetch.gate is not None
        fetch.gate.set()
    assert fetch.finished.is_set()
    assert await other.coordinate(KEY, never_fetch) == b"tokens"
    assert fetch.calls == 1


@asyncio_only
@pytest.mark.anyio
async def test_redis_down_or_hung_is_a_session_store_error(
    aioredis: AsyncRedis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    require_redis_server()
    with RedisServer() as server:
        async with aioredis.client(server.url) as client:
            coordinator = make_coordinator(client, prefix, command_timeout=0.5)
            await anyio.to_thread.run_sync(server.stop)
            with anyio.fail_after(5), caplog.at_level(logging.WARNING, logger="auth0_async"):
                started = anyio.current_time()
                with pytest.raises(SessionStoreError) as caught:
                    await coordinator.coordinate(KEY, never_fetch)
                assert anyio.current_time() - started < 2
            assert caught.value.__cause__ is not None
            [logged] = [
                r for r in caplog.records if getattr(r, "event", None) == "auth0_async.store.error"
            ]
            assert logged.operation == "coordinate_refresh"  # type: ignore[attr-defined]
            caplog.clear()

            await anyio.to_thread.run_sync(server.start)
            assert await coordinator.coordinate(KEY, Fetcher(b"back")) == b"back"

            # Redis failing after the grant: the new tokens still reach the caller.
            async def grant_then_redis_dies() -> bytes:
                await anyio.to_thread.run_sync(server.stop)
                return b"new-tokens"

            with caplog.at_level(logging.WARNING, logger="auth0_async"):
                assert (
                    await coordinator.coordinate("c" * 64, grant_then_redis_dies) == b"new-tokens"
                )
            assert "could not share" in caplog.text
            assert "new-tokens" not in caplog.text
            await anyio.to_thread.run_sync(server.start)

            os.kill(server.pid, signal.SIGSTOP)
            try:
                with anyio.fail_after(5), pytest.raises(SessionStoreError, match="did not answer"):
                    await coordinator.coordinate("b" * 64, never_fetch)
            finally:
                os.kill(server.pid, signal.SIGCONT)


@asyncio_only
@pytest.mark.anyio
async def test_redis_cluster(
    aioredis: AsyncRedis,
    redis_cluster_nodes: RedisClusterNodes,
    prefix: str,
) -> None:
    async with (
        aioredis.cluster(redis_cluster_nodes.url) as one,
        aioredis.cluster(redis_cluster_nodes.url) as two,
    ):
        coordinators = [make_coordinator(one, prefix), make_coordinator(two, prefix)]
        fetch = Fetcher(delay=0.2)
        outcomes: list[bytes | BaseException] = []

        async def instance(coordinator: RedisRefreshCoordinator) -> None:
            outcomes.extend(await gather(5, lambda: coordinator.coordinate(KEY, fetch)))

        async with anyio.create_task_group() as tg:
            for coordinator in coordinators:
                tg.start_soon(instance, coordinator)
        assert outcomes == [b"tokens"] * 10
        assert fetch.calls == 1


@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.anyio
async def test_redis_coordinator_refuses_trio(aioredis: AsyncRedis) -> None:
    client = aioredis.client("redis://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="asyncio"):
        await make_coordinator(client, "p:").coordinate(KEY, never_fetch)


@pytest.mark.parametrize(
    "kwargs",
    [{"lock_timeout": 0}, {"error_ttl": -1}, {"poll_interval": 20}, {"command_timeout": True}],
)
def test_redis_rejects_bad_options(aioredis: AsyncRedis, kwargs: dict[str, float]) -> None:
    client = aioredis.client("redis://127.0.0.1:1")
    with pytest.raises(ConfigurationError):
        make_coordinator(client, "p:", **kwargs)
    decoding = aioredis.client("redis://127.0.0.1:1", decode_responses=True)
    with pytest.raises(ConfigurationError, match="decode_responses"):
        make_coordinator(decoding, "p:")


def test_missing_extra_names_it() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import auth0_async.refresh\n"
        "try:\n"
        "    import auth0_async.refresh.redis\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'auth0-async[redis]'" in out.stdout


def test_two_processes_make_one_grant(redis_server: RedisServer, prefix: str) -> None:
    redis = pytest.importorskip("redis")
    worker = Path(__file__).parents[1] / "support" / "refresh_worker.py"
    start_at = str(time.time() + 2.0)  # both interpreters are up by then
    args = [sys.executable, str(worker), redis_server.url, prefix, KEY, start_at]
    processes = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr.decode()
        outputs.append(json.loads(stdout))
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.get(f"{prefix}counter") == b"1"
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 1
