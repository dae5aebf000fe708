"""The :class:`~auth0_async.SessionStore` contract as an executable check (no pytest needed)."""

from __future__ import annotations

import functools
import inspect
import math
import secrets
import time
from typing import TYPE_CHECKING, NoReturn

import anyio
import anyio.lowlevel

from .._core._models import (
    AccessTokenSet,
    Internal,
    SessionData,
    TokenSet,
    User,
    decode_session,
    encode_session,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._core._protocols import SessionStore
    from ._clock import FrozenClock

__all__ = ["check_session_store"]

_ISS = "https://tenant.example.com/"
_CONCURRENT = 40
_RACES = 24


async def check_session_store(
    factory: Callable[[], SessionStore | Awaitable[SessionStore]],
    *,
    clock: FrozenClock | None = None,
) -> None:
    """Check that a session store keeps the :class:`~auth0_async.SessionStore` contract.

    Runs on asyncio and trio and needs no test framework: call it from any
    async test. It checks that

    * ``set`` then ``get`` returns an equal session, custom claims in
      ``user`` and custom top-level keys (``extra``) included, and that the
      session read back is a copy (mutating it does not change the store);
    * ``get`` of a missing id returns ``None``; ``delete`` is idempotent;
    * ``update`` of a missing id returns ``False`` and creates nothing, and
      of an existing one returns ``True`` and replaces it;
    * records expire at ``expires_at`` (``set`` and ``update`` reset it), and
      a record written with a past ``expires_at`` reads as missing;
    * ``delete_by_logout_token`` deletes only the sessions of that ``sid``
      (and of ``sub`` when both are given), every session of ``sub`` without
      a ``sid``, nothing for unknown or mismatched claims or a session that
      was since rewritten for another user, and returns the counts;
    * many concurrent ``set``/``get``/``update``/``delete`` calls leave a
      consistent state, readers never see an updated session missing, and an
      ``update`` racing a ``delete`` (or a back-channel logout) never brings
      the session back.

    ``factory`` is called once per group of checks and may return the store
    or an awaitable of it. The ids, ``sid`` and ``sub`` values are random per
    run, so a store shared with other data (a test database) works; the check
    deletes what it writes except a few records that expire on their own.

    Expiry: pass the :class:`~auth0_async.testing.FrozenClock` the store reads
    its time from, and the check advances it. Without ``clock`` the check uses
    real time and waits for records that expire in one to two seconds; the
    whole check then takes about three seconds.

    Example, for your own store::

        from auth0_async.testing import check_session_store

        async def test_my_store():
            await check_session_store(lambda: SqlSessionStore(engine))

    Args:
        factory: makes (or returns) the store to check.
        clock: the clock the store reads the time from, if it takes one.

    Raises:
        AssertionError: the store breaks the contract; the message says how.
        Exception: whatever the store raised.

    """
    run = _Run(factory, clock)
    for check in (_round_trip, _updates, _logout, _concurrency, _races, _expiry):
        await check(await run.store(), run)


def _fail(message: str) -> NoReturn:
    raise AssertionError(f"check_session_store: {message}")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        _fail(message)


def _expect_equal(actual: object, expected: object, what: str) -> None:
    if actual != expected:
        _fail(f"{what}: expected {expected!r}, got {actual!r}")


async def _all(*tasks: Callable[[], Awaitable[None]]) -> None:
    """Run ``tasks`` concurrently; re-raise the first failure as is (not in a group)."""
    failures: list[Exception] = []

    async def run(task: Callable[[], Awaitable[None]]) -> None:
        try:
            await task()
        except Exception as exc:  # noqa: BLE001 (re-raised below, outside the task group)
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        for task in tasks:
            tg.start_soon(run, task)
    if failures:
        raise failures[0]


class _Run:
    def __init__(
        self,
        factory: Callable[[], SessionStore | Awaitable[SessionStore]],
        clock: FrozenClock | None,
    ) -> None:
        self.factory = factory
        self.clock = clock
        self.tag = secrets.token_hex(4)

    async def store(self) -> SessionStore:
        made = self.factory()
        if inspect.isawaitable(made):
            made = await made
        return made

    def now(self) -> float:
        return self.clock() if self.clock is not None else time.time()

    def later(self, seconds: int = 3600) -> int:
        return math.ceil(self.now()) + seconds

    def name(self, kind: str) -> str:
        return f"{kind}-{self.tag}-{secrets.token_hex(4)}"


def _new_id() -> str:
    return secrets.token_urlsafe(24)


def _session(run: _Run, sub: str, *, sid: str | None = None, n: int = 0) -> SessionData:
    now = int(run.now())
    return SessionData(
        user=User(
            sub=sub,
            name="Zoë 🦊",
            email="zoe@example.com",
            email_verified=True,
            extra={
                "https://example.com/roles": ["admin", "editor"],
                "custom": {"nested": [1, 2.5, None, True], "n": n},
            },
        ),
        token_set=TokenSet(
            access_token=f"at-{n}",
            expires_at=now + 86400,
            id_token=f"id-{n}",
            refresh_token=f"rt-{n}",
            scope="openid profile email offline_access",
            extra={"customTokenField": "kept"},
        ),
        internal=Internal(created_at=now, sid=sid),
        access_tokens=[
            AccessTokenSet(access_token=f"at2-{n}", audience="https://api/", expires_at=now + 60)
        ],
        extra={"customTopLevel": {"a": 1, "b": [n]}},
    )


async def _round_trip(store: SessionStore, run: _Run) -> None:
    id = secrets.token_urlsafe(48)  # the longest id the contract allows (64 characters)
    session = _session(run, run.name("user"), sid=run.name("sid"))
    snapshot = decode_session(encode_session(session))
    await store.set(id, session, expires_at=run.later())
    got = await store.get(id)
    _expect_equal(got, snapshot, "get() after set()")
    assert got is not None
    # Sessions are frozen Structs, but their claim mappings are plain dicts.
    got.user.extra["custom"]["nested"].append("mutated")
    got.extra["customTopLevel"]["a"] = 2
    session.user.extra["https://example.com/roles"].append("mutated")
    _expect_equal(
        await store.get(id), snapshot, "get() after mutating the sessions passed and read"
    )
    _expect_equal(await store.get(_new_id()), None, "get() of an id never set")
    await store.delete(id)
    _expect_equal(await store.get(id), None, "get() after delete()")
    await store.delete(id)  # idempotent
    await store.delete(_new_id())


async def _updates(store: SessionStore, run: _Run) -> None:
    id = _new_id()
    sub, sid = run.name("user"), run.name("sid")
    updated = await store.update(id, _session(run, sub, sid=sid), expires_at=run.later())
    _expect_equal(updated, False, "update() of a missing id")
    _expect_equal(await store.get(id), None, "get() after update() of a missing id")

    first, second = _session(run, sub, sid=sid, n=1), _session(run, sub, sid=sid, n=2)
    await store.set(id, first, expires_at=run.later())
    _expect_equal(await store.update(id, second, expires_at=run.later(7200)), True, "update()")
    _expect_equal(await store.get(id), second, "get() after update()")
    third = _session(run, sub, sid=sid, n=3)
    await store.set(id, third, expires_at=run.later())
    _expect_equal(await store.get(id), third, "get() after set() replaced a session")

    await store.delete(id)
    updated = await store.update(id, second, expires_at=run.later())
    _expect_equal(updated, False, "update() after delete()")
    _expect_equal(await store.get(id), None, "get() after update() of a deleted session")


async def _logout(store: SessionStore, run: _Run) -> None:
    alice, bob, carol, dave = (run.name(n) for n in ("alice", "bob", "carol", "dave"))
    sid1, sid2, sid3, shared = (run.name(n) for n in ("sid1", "sid2", "sid3", "shared"))
    sid8, sid9, sid10 = (run.name(n) for n in ("sid8", "sid9", "sid10"))
    sessions = {
        "s1": _session(run, alice, sid=sid1),
        "s2": _session(run, alice, sid=sid2),
        "s3": _session(run, bob, sid=sid3),
        "s4": _session(run, alice),  # no sid
        "s5": _session(run, bob, sid=shared),
        "s6": _session(run, alice, sid=shared),
        "s7": SessionData(user=User(sub=alice), token_set=TokenSet(access_token="at")),
        "s8": _session(run, carol, sid=sid8),
        "s9": _session(run, alice, sid=sid10),
    }
    ids = {name: _new_id() for name in sessions}
    for name, session in sessions.items():
        await store.set(ids[name], session, expires_at=run.later())
    # s8 is rewritten for another user, s9 logged out: their index entries are stale.
    s8 = _session(run, dave, sid=sid9)
    await store.set(ids["s8"], s8, expires_at=run.later())
    sessions["s8"] = s8
    await store.delete(ids["s9"])
    del sessions["s9"]

    async def logout(
        expected: int, gone: tuple[str, ...], *, sid: str | None, sub: str | None
    ) -> None:
        what = f"delete_by_logout_token(sid={sid!r}, sub={sub!r})"
        _expect_equal(
            await store.delete_by_logout_token(sid=sid, sub=sub, iss=_ISS), expected, what
        )
        for name in gone:
            del sessions[name]
        for name, id in ids.items():
            expected_session = sessions.get(name)
            if await store.get(id) != expected_session:
                state = "still there" if expected_session is None else "gone or changed"
                _fail(f"after {what}, session {name} is {state}")

    await logout(0, (), sid=run.name("unknown"), sub=None)
    await logout(0, (), sid=None, sub=run.name("unknown"))
    await logout(0, (), sid=None, sub=None)
    await logout(0, (), sid=sid1, sub=bob)  # sid and sub of different sessions
    await logout(1, ("s6",), sid=shared, sub=alice)
    await logout(1, ("s2",), sid=sid2, sub=None)
    await logout(0, (), sid=None, sub=carol)  # s8 no longer belongs to carol
    await logout(0, (), sid=sid8, sub=None)
    await logout(1, ("s8",), sid=sid9, sub=dave)
    await logout(0, (), sid=sid10, sub=None)  # s9 was deleted already
    await logout(3, ("s1", "s4", "s7"), sid=None, sub=alice)
    await logout(0, (), sid=None, sub=alice)
    await logout(2, ("s3", "s5"), sid=None, sub=bob)


async def _concurrency(store: SessionStore, run: _Run) -> None:
    sub = run.name("concurrent")

    async def lifecycle(n: int) -> None:
        id = _new_id()
        first, second = _session(run, sub, sid=run.name("sid"), n=n), _session(run, sub, n=-n)
        await store.set(id, first, expires_at=run.later())
        _expect_equal(await store.get(id), first, f"task {n}: get() after set()")
        _expect_equal(await store.update(id, second, expires_at=run.later()), True, "update()")
        _expect_equal(await store.get(id), second, f"task {n}: get() after update()")
        await store.delete(id)
        _expect_equal(await store.get(id), None, f"task {n}: get() after delete()")
        updated = await store.update(id, first, expires_at=run.later())
        _expect_equal(updated, False, f"task {n}: update() after delete()")

    await _all(*(functools.partial(lifecycle, n) for n in range(1, _CONCURRENT + 1)))
    count = await store.delete_by_logout_token(sid=None, sub=sub, iss=_ISS)
    _expect_equal(count, 0, "delete_by_logout_token() after every session was deleted")

    # Many writers of one session: every update applies, readers never see it missing.
    id, shared_sub = _new_id(), run.name("shared")
    versions = [_session(run, shared_sub, n=n) for n in range(_CONCURRENT + 1)]
    await store.set(id, versions[0], expires_at=run.later())
    writing = True

    async def write(n: int) -> None:
        await anyio.lowlevel.checkpoint()
        result = await store.update(id, versions[n], expires_at=run.later(3600 + n))
        _expect_equal(result, True, "concurrent update() of an existing session")

    async def read() -> None:
        while writing:
            got = await store.get(id)
            _expect(got in versions, f"get() during concurrent updates returned {got!r}")

    async def write_all() -> None:
        nonlocal writing
        try:
            await _all(*(functools.partial(write, n) for n in range(1, _CONCURRENT + 1)))
        finally:
            writing = False

    await _all(read, read, read, read, write_all)
    _expect(await store.get(id) in versions[1:], "get() after concurrent updates")
    count = await store.delete_by_logout_token(sid=None, sub=shared_sub, iss=_ISS)
    _expect_equal(count, 1, "delete_by_logout_token() of a session updated concurrently")


async def _races(store: SessionStore, run: _Run) -> None:
    async def race(n: int) -> None:
        id, sub, sid = _new_id(), run.name("racer"), run.name("sid")
        await store.set(id, _session(run, sub, sid=sid), expires_at=run.later())
        # Later expiries than the first write, so stores that track them do real work.
        rolled = _session(run, sub, sid=sid, n=n)

        async def roll() -> None:
            for _ in range(n % 3):
                await anyio.lowlevel.checkpoint()
            await store.update(id, rolled, expires_at=run.later(7200 + 600 * n))

        async def log_out() -> None:
            for _ in range(n // 3 % 3):
                await anyio.lowlevel.checkpoint()
            if n % 2:
                await store.delete(id)
            else:
                count = await store.delete_by_logout_token(sid=sid, sub=None, iss=_ISS)
                _expect_equal(count, 1, f"race {n}: delete_by_logout_token() racing update()")

        await _all(roll, log_out)
        _expect_equal(await store.get(id), None, f"race {n}: get() after update() raced a logout")

    await _all(*(functools.partial(race, n) for n in range(_RACES)))


async def _expiry(store: SessionStore, run: _Run) -> None:
    soon = math.ceil(run.now()) + (10 if run.clock is not None else 1)
    sub = run.name("expiring")
    ids = {name: _new_id() for name in ("expires", "reset", "extended", "shortened", "past")}
    sid = run.name("sid")
    await store.set(ids["expires"], _session(run, sub, sid=sid), expires_at=soon)
    await store.set(ids["reset"], _session(run, sub), expires_at=soon)
    await store.set(ids["reset"], _session(run, sub, n=1), expires_at=run.later())
    await store.set(ids["extended"], _session(run, sub), expires_at=soon)
    await store.update(ids["extended"], _session(run, sub, n=1), expires_at=run.later())
    await store.set(ids["shortened"], _session(run, sub), expires_at=run.later())
    await store.update(ids["shortened"], _session(run, sub, n=1), expires_at=soon)
    await store.set(ids["past"], _session(run, sub), expires_at=math.floor(run.now()) - 10)
    _expect_equal(
        await store.get(ids["past"]), None, "get() of a session set to expire in the past"
    )
    for name in ("expires", "shortened"):
        _expect(await store.get(ids[name]) is not None, f"get() of an unexpired session ({name})")

    if run.clock is not None:
        run.clock.advance(soon - run.clock() + 1)
    else:
        await anyio.sleep(max(0.0, soon + 0.25 - time.time()))

    for name in ("expires", "shortened"):
        _expect_equal(await store.get(ids[name]), None, f"get() after expires_at ({name})")
    for name in ("reset", "extended"):
        _expect(
            await store.get(ids[name]) is not None,
            f"get() after the first expires_at of a session whose expiry was reset ({name})",
        )
    updated = await store.update(ids["expires"], _session(run, sub), expires_at=run.later())
    _expect_equal(updated, False, "update() of an expired session")
    _expect_equal(await store.get(ids["expires"]), None, "get() after update() of an expired one")
    count = await store.delete_by_logout_token(sid=sid, sub=None, iss=_ISS)
    _expect_equal(count, 0, "delete_by_logout_token() of an expired session")
    count = await store.delete_by_logout_token(sid=None, sub=sub, iss=_ISS)
    _expect_equal(count, 2, "delete_by_logout_token() of a user with two live sessions")
