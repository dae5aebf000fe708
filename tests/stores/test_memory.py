from __future__ import annotations

import anyio
import pytest

from auth0_async import ConfigurationError, SessionData
from auth0_async._models import Internal, TokenSet, User, encode_session
from auth0_async.stores import MemorySessionStore
from auth0_async.testing import FrozenClock, check_session_store

NOW = 1_700_000_000


def session(sub: str = "auth0|alice", sid: str | None = "sid-1", n: int = 0) -> SessionData:
    return SessionData(
        user=User(sub=sub, extra={"n": n}),
        token_set=TokenSet(access_token=f"at-{n}"),
        internal=Internal(created_at=NOW, sid=sid),
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.mark.anyio
async def test_conformance_with_a_frozen_clock(clock: FrozenClock) -> None:
    await check_session_store(lambda: MemorySessionStore(clock=clock), clock=clock)


@pytest.mark.anyio
async def test_conformance_in_real_time() -> None:
    with anyio.fail_after(5):
        await check_session_store(MemorySessionStore)


@pytest.mark.anyio
async def test_async_factory_is_awaited(clock: FrozenClock) -> None:
    async def make() -> MemorySessionStore:
        await anyio.lowlevel.checkpoint()
        return MemorySessionStore(clock=clock)

    await check_session_store(make, clock=clock)


@pytest.mark.anyio
async def test_full_store_evicts_the_soonest_expiring(clock: FrozenClock) -> None:
    store = MemorySessionStore(max_entries=3, clock=clock)
    await store.set("late", session(), expires_at=NOW + 300)
    await store.set("soon", session(), expires_at=NOW + 100)
    await store.set("middle", session(), expires_at=NOW + 200)
    await store.set("new", session(), expires_at=NOW + 50)
    assert await store.get("soon") is None
    for id in ("late", "middle", "new"):
        assert await store.get(id) is not None
    # Replacing or updating an existing record never evicts another one.
    await store.set("late", session(n=1), expires_at=NOW + 400)
    assert await store.update("middle", session(n=1), expires_at=NOW + 10)
    assert [await store.get(i) is not None for i in ("late", "middle", "new")] == [True] * 3


@pytest.mark.anyio
async def test_full_store_evicts_the_oldest_among_equal_expiries(clock: FrozenClock) -> None:
    store = MemorySessionStore(max_entries=2, clock=clock)
    await store.set("first", session(), expires_at=NOW + 100)
    await store.set("second", session(), expires_at=NOW + 100)
    await store.set("third", session(), expires_at=NOW + 100)
    assert await store.get("first") is None
    assert await store.get("second") is not None
    assert await store.get("third") is not None


@pytest.mark.anyio
async def test_expired_records_make_room_before_live_ones_are_evicted(clock: FrozenClock) -> None:
    store = MemorySessionStore(max_entries=2, clock=clock)
    await store.set("expiring", session(), expires_at=NOW + 10)
    await store.set("live", session(), expires_at=NOW + 1000)
    clock.advance(20)
    await store.set("new", session(), expires_at=NOW + 100)
    assert await store.get("live") is not None
    assert await store.get("new") is not None


@pytest.mark.anyio
async def test_expired_records_and_their_indexes_are_pruned(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    for n in range(50):
        await store.set(f"s{n}", session(sub=f"u{n % 5}", sid=f"sid{n}"), expires_at=NOW + 10 + n)
    clock.advance(35)
    assert await store.get("s0") is None  # any call prunes every expired record
    assert len(store._records) == 24  # expires_at <= now: n <= 25 expired
    assert len(store._by_sid) == 24
    clock.advance(100)
    assert await store.get("s49") is None
    assert store._records == {}
    assert store._by_sid == {}
    assert store._by_sub == {}
    assert store._heap == []


@pytest.mark.anyio
async def test_rewrites_do_not_grow_the_expiry_heap(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    await store.set("a", session(), expires_at=NOW + 100)
    for n in range(1000):
        assert await store.update("a", session(n=n), expires_at=NOW + 100 + n)
    assert len(store._heap) <= 2 * len(store._records) + 64
    assert await store.get("a") == session(n=999)


@pytest.mark.anyio
async def test_indexes_follow_rewrites_and_deletes(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    await store.set("a", session(sub="alice", sid="s1"), expires_at=NOW + 100)
    await store.set("a", session(sub="bob", sid=None), expires_at=NOW + 100)
    assert store._by_sid == {}
    assert store._by_sub == {"bob": {"a"}}
    assert await store.delete_by_logout_token(sid="s1", sub=None, iss=None) == 0
    assert await store.delete_by_logout_token(sid=None, sub="alice", iss=None) == 0
    assert await store.delete_by_logout_token(sid=None, sub="bob", iss=None) == 1
    assert store._by_sub == {}
    assert store._records == {}


@pytest.mark.anyio
async def test_records_are_held_encoded(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    stored = session()
    await store.set("a", stored, expires_at=NOW + 100)
    assert store._records["a"].data == encode_session(stored)
    first, second = await store.get("a"), await store.get("a")
    assert first == second == stored
    assert first is not stored
    assert first is not second


@pytest.mark.anyio
async def test_expired_but_unpruned_record_cannot_be_updated(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    await store.set("a", session(), expires_at=NOW + 10)
    clock.advance(10)  # expires_at is reached: the record reads as missing from now on
    assert not await store.update("a", session(n=1), expires_at=NOW + 100)
    assert await store.get("a") is None


@pytest.mark.anyio
async def test_a_cancelled_call_changes_nothing(clock: FrozenClock) -> None:
    store = MemorySessionStore(clock=clock)
    with anyio.CancelScope() as scope:
        scope.cancel()
        await store.set("a", session(), expires_at=NOW + 100)
    assert scope.cancelled_caught
    assert await store.get("a") is None


@pytest.mark.parametrize("max_entries", [0, -1, 1.5, True, "10"])
def test_rejects_bad_max_entries(max_entries: object) -> None:
    with pytest.raises(ConfigurationError, match="max_entries"):
        MemorySessionStore(max_entries=max_entries)  # type: ignore[arg-type]


def test_rejects_a_clock_that_is_not_callable() -> None:
    with pytest.raises(ConfigurationError, match="clock"):
        MemorySessionStore(clock=12.0)  # type: ignore[arg-type]


def test_repr_and_module() -> None:
    assert repr(MemorySessionStore(max_entries=5)) == "MemorySessionStore(max_entries=5)"
    assert MemorySessionStore.__module__ in ("auth0_async.stores", "auth0_async")


@pytest.mark.anyio
async def test_conformance_failure_is_a_clear_assertion_error(clock: FrozenClock) -> None:
    class Forgetful(MemorySessionStore):
        async def update(self, id: str, session: SessionData, *, expires_at: int) -> bool:
            await self.set(id, session, expires_at=expires_at)  # resurrects deleted sessions
            return True

    with pytest.raises(AssertionError, match=r"check_session_store: update\(\) of a missing id"):
        await check_session_store(lambda: Forgetful(clock=clock), clock=clock)
