from __future__ import annotations

import anyio
import pytest

from auth0_async import ConfigurationError, SessionData
from auth0_async._core._models import Internal, TokenSet, User, encode_session
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
async def test_full_store_evicts_the_oldest_unused_record_whatever_its_expiry(
    clock: FrozenClock,
) -> None:
    store = MemorySessionStore(max_entries=3, clock=clock)
    await store.set("late", session(), expires_at=NOW + 300)
    await store.set("soon", session(), expires_at=NOW + 100)
    await store.set("middle", session(), expires_at=NOW + 200)
    await store.get("soon")  # used: it outlives the unused ones
    await store.set("new", session(), expires_at=NOW + 50)
    assert [await store.get(i) is not None for i in ("late", "soon", "middle", "new")] == [
        False,
        True,
        True,
        True,
    ]
    # Replacing or updating an existing record never evicts another one.
    await store.set("soon", session(n=1), expires_at=NOW + 400)
    assert await store.update("middle", session(n=1), expires_at=NOW + 10)
    assert [await store.get(i) is not None for i in ("soon", "middle", "new")] == [True] * 3


@pytest.mark.anyio
async def test_full_store_of_used_records_evicts_the_least_recently_used(
    clock: FrozenClock,
) -> None:
    store = MemorySessionStore(max_entries=3, clock=clock)
    for id in ("a", "b", "c"):
        await store.set(id, session(sub=id), expires_at=NOW + 100)
    await store.get("a")
    await store.update("b", session(sub="b"), expires_at=NOW + 100)  # a rolling touch is a use
    await store.get("c")
    await store.get("a")  # b is now the least recently used
    await store.set("d", session(sub="d"), expires_at=NOW + 100)
    assert [await store.get(i) is not None for i in "abcd"] == [True, False, True, True]


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


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_rejects_bad_max_sessions_per_user(value: object) -> None:
    with pytest.raises(ConfigurationError, match="max_sessions_per_user"):
        MemorySessionStore(max_sessions_per_user=value)  # type: ignore[arg-type]


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


async def _fill_with_legit(store: MemorySessionStore, count: int) -> list[str]:
    ids = [f"legit-{n}" for n in range(count)]
    for n, id in enumerate(ids):
        await store.set(id, session(sub=f"auth0|user{n}", sid=f"sid-{n}"), expires_at=NOW + 3600)
        assert await store.get(id) is not None  # the redirect after the callback reads it
    return ids


async def _legit_alive(store: MemorySessionStore, ids: list[str]) -> int:
    return sum([await store.get(id) is not None for id in ids])


@pytest.mark.anyio
@pytest.mark.parametrize("accounts", ["one", "many"])
async def test_a_flood_of_fresh_logins_does_not_log_anyone_out(
    clock: FrozenClock, accounts: str
) -> None:
    """N sessions in use, then 10xN logins that are never used: every used session survives.

    The flood's sessions expire later than the legitimate ones (they were made
    later), which is what let them push the legitimate ones out before.
    """
    n = 50
    store = MemorySessionStore(max_entries=n + 10, clock=clock)
    legit = await _fill_with_legit(store, n)
    for attempt in range(10 * n):
        clock.advance(1)
        sub = "auth0|mallory" if accounts == "one" else f"auth0|bot{attempt}"
        await store.set(f"flood-{attempt}", session(sub=sub), expires_at=int(clock()) + 3600)
        if attempt % n == 0:  # the legitimate users keep using their sessions
            assert await _legit_alive(store, legit) == n
    assert await _legit_alive(store, legit) == n
    assert len(store._records) == n + 10


@pytest.mark.anyio
async def test_one_account_holds_at_most_its_share_even_using_each_session(
    clock: FrozenClock,
) -> None:
    n = 50
    store = MemorySessionStore(max_entries=n + 20, max_sessions_per_user=10, clock=clock)
    legit = await _fill_with_legit(store, n)
    for attempt in range(10 * n):
        clock.advance(1)
        id = f"mallory-{attempt}"
        await store.set(id, session(sub="auth0|mallory"), expires_at=int(clock()) + 3600)
        assert await store.get(id) is not None  # and uses it, to look legitimate
    assert await _legit_alive(store, legit) == n
    assert len(store._by_sub["auth0|mallory"]) == 10
    newest = [f"mallory-{a}" for a in range(10 * n - 10, 10 * n)]
    assert store._by_sub["auth0|mallory"] == set(newest)  # the user's own oldest went first


@pytest.mark.anyio
async def test_a_user_over_the_limit_loses_their_least_recently_used_session(
    clock: FrozenClock,
) -> None:
    store = MemorySessionStore(max_sessions_per_user=2, clock=clock)
    await store.set("laptop", session(), expires_at=NOW + 100)
    await store.set("phone", session(), expires_at=NOW + 100)
    await store.get("laptop")
    await store.set("tablet", session(), expires_at=NOW + 100)
    assert [await store.get(i) is not None for i in ("laptop", "phone", "tablet")] == [
        True,
        False,
        True,
    ]
    await store.set("laptop", session(n=2), expires_at=NOW + 100)  # a rewrite is no new session
    assert await store.get("tablet") is not None
    await store.set("other", session(sub="auth0|bob"), expires_at=NOW + 100)
    assert len(store._records) == 3


@pytest.mark.anyio
async def test_eviction_queues_follow_every_removal(clock: FrozenClock) -> None:
    store = MemorySessionStore(max_entries=4, clock=clock)
    await store.set("a", session(sid="s-a"), expires_at=NOW + 10)
    await store.set("b", session(sid="s-b"), expires_at=NOW + 100)
    await store.set("c", session(sub="auth0|carol", sid="s-c"), expires_at=NOW + 100)
    await store.get("b")
    await store.delete("c")
    assert await store.delete_by_logout_token(sid="s-b", sub=None, iss=None) == 1
    clock.advance(20)
    assert await store.get("a") is None  # expired and pruned
    assert store._records == {}
    assert not store._fresh
    assert not store._used
