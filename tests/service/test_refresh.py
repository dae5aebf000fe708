"""LocalRefreshCoordinator (``_service/_refresh``): one refresh grant per key in a process."""

from __future__ import annotations

import anyio
import pytest

from auth0_async import ConfigurationError, OAuthError
from auth0_async.refresh import LocalRefreshCoordinator
from auth0_async.testing import FrozenClock

from ..support.fetchers import KEY, Fetcher, gather, never_fetch

# --- LocalRefreshCoordinator ---------------------------------------------------------------


@pytest.mark.anyio
async def test_concurrent_callers_share_one_fetch() -> None:
    coordinator = LocalRefreshCoordinator()
    fetch = Fetcher(gated=True)

    async def release() -> None:
        await anyio.wait_all_tasks_blocked()
        assert fetch.gate is not None
        fetch.gate.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(release)
        outcomes = await gather(20, lambda: coordinator.coordinate(KEY, fetch))
    assert outcomes == [b"tokens"] * 20
    assert fetch.calls == 1


@pytest.mark.anyio
async def test_failure_reaches_every_waiter_and_is_not_cached() -> None:
    coordinator = LocalRefreshCoordinator()
    failing = Fetcher(error=OAuthError("invalid_grant", "Unknown refresh token"), delay=0.05)
    outcomes = await gather(5, lambda: coordinator.coordinate(KEY, failing))
    assert failing.calls == 1
    assert len(outcomes) == 5
    assert all(outcome is failing.error for outcome in outcomes)

    working = Fetcher(b"second")
    assert await coordinator.coordinate(KEY, working) == b"second"
    assert working.calls == 1


@pytest.mark.anyio
async def test_result_reused_within_ttl_and_refetched_after() -> None:
    clock = FrozenClock(1000.0)
    coordinator = LocalRefreshCoordinator(result_ttl=60, clock=clock)
    first = Fetcher(b"first")
    assert await coordinator.coordinate(KEY, first) == b"first"
    clock.advance(59.9)
    assert await coordinator.coordinate(KEY, never_fetch) == b"first"
    clock.advance(0.2)
    second = Fetcher(b"second")
    assert await coordinator.coordinate(KEY, second) == b"second"
    assert (first.calls, second.calls) == (1, 1)


@pytest.mark.anyio
async def test_zero_ttl_keeps_nothing() -> None:
    coordinator = LocalRefreshCoordinator(result_ttl=0)
    fetch = Fetcher()
    await coordinator.coordinate(KEY, fetch)
    await coordinator.coordinate(KEY, fetch)
    assert fetch.calls == 2


@pytest.mark.anyio
async def test_kept_results_are_bounded_oldest_first() -> None:
    coordinator = LocalRefreshCoordinator(max_results=2)
    for key in ("k1", "k2", "k3"):
        await coordinator.coordinate(key, Fetcher(key.encode()))
    assert await coordinator.coordinate("k3", never_fetch) == b"k3"
    assert await coordinator.coordinate("k2", never_fetch) == b"k2"
    again = Fetcher(b"k1 again")
    assert await coordinator.coordinate("k1", again) == b"k1 again"
    assert again.calls == 1


@pytest.mark.anyio
async def test_cancelling_the_first_caller_does_not_abandon_the_fetch() -> None:
    coordinator = LocalRefreshCoordinator()
    fetch = Fetcher(gated=True)
    scope = anyio.CancelScope()

    async def first() -> None:
        with scope:
            await coordinator.coordinate(KEY, fetch)

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        await fetch.started.wait()
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert not fetch.finished.is_set()  # shielded: still waiting for its response
        assert fetch.gate is not None
        fetch.gate.set()
    assert fetch.finished.is_set()
    assert await coordinator.coordinate(KEY, never_fetch) == b"tokens"
    assert fetch.calls == 1


@pytest.mark.anyio
async def test_cancelling_a_waiter_is_harmless() -> None:
    coordinator = LocalRefreshCoordinator()
    fetch = Fetcher(gated=True)
    results: list[bytes] = []
    waiter_scope = anyio.CancelScope()

    async def caller() -> None:
        results.append(await coordinator.coordinate(KEY, fetch))

    async def waiter() -> None:
        with waiter_scope:
            await coordinator.coordinate(KEY, never_fetch)

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await fetch.started.wait()
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        waiter_scope.cancel()
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(caller)  # a waiter joining after the cancellation
        await anyio.wait_all_tasks_blocked()
        assert fetch.gate is not None
        fetch.gate.set()
    assert waiter_scope.cancelled_caught
    assert results == [b"tokens", b"tokens"]
    assert fetch.calls == 1


@pytest.mark.anyio
async def test_different_keys_run_independently() -> None:
    coordinator = LocalRefreshCoordinator()
    slow = Fetcher(b"slow", gated=True)
    fast = Fetcher(b"fast")
    async with anyio.create_task_group() as tg:
        tg.start_soon(coordinator.coordinate, "slow", slow)
        await slow.started.wait()
        assert await coordinator.coordinate("fast", fast) == b"fast"
        assert not slow.finished.is_set()
        assert slow.gate is not None
        slow.gate.set()
    assert (slow.calls, fast.calls) == (1, 1)


@pytest.mark.anyio
async def test_a_cancelled_caller_starts_no_fetch() -> None:
    coordinator = LocalRefreshCoordinator()
    fetch = Fetcher()
    with anyio.CancelScope() as scope:
        scope.cancel()
        await coordinator.coordinate(KEY, fetch)
    assert fetch.calls == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"result_ttl": -1}, {"result_ttl": float("inf")}, {"max_results": 0}, {"max_results": True}],
)
def test_local_rejects_bad_options(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        LocalRefreshCoordinator(**kwargs)  # type: ignore[arg-type]


def test_public_module_names() -> None:
    import auth0_async.refresh

    assert auth0_async.refresh.__all__ == ["LocalRefreshCoordinator"]
    assert auth0_async.refresh.LocalRefreshCoordinator.__module__ in (
        "auth0_async.refresh",
        "auth0_async",
    )
    assert "result_ttl=60.0" in repr(LocalRefreshCoordinator())
