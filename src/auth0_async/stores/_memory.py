"""An in-process session store: bounded, expiring, indexed by ``sid`` and ``sub``."""

from __future__ import annotations

import heapq
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import anyio.lowlevel

from .._core._models import decode_session, encode_session
from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core._models import SessionData

__all__ = ["MemorySessionStore"]


class _Record:
    __slots__ = ("data", "expires_at", "seq", "sid", "sub", "used_at")

    def __init__(self, data: bytes, expires_at: float, seq: int, sid: str | None, sub: str) -> None:
        self.data = data
        self.expires_at = expires_at
        self.seq = seq
        self.sid = sid
        self.sub = sub
        self.used_at = seq


class MemorySessionStore:
    """Sessions in a dict of this process: for development, tests and single-instance apps.

    Records are held encoded (the JSON that :class:`~auth0_async.SessionData`
    has on the wire), so a session read back is always a fresh copy: callers
    cannot change the stored state by mutating what they got, and what is kept
    matches what a shared store such as Redis would keep.

    A record expires at its ``expires_at``: from then on it reads as missing,
    and it is pruned on the next call. Indexes by the session's
    ``internal.sid`` and ``user.sub`` make :meth:`delete_by_logout_token`
    proportional to the sessions it deletes.

    The bound, and who it can hurt: at most ``max_entries`` records are kept,
    and at most ``max_sessions_per_user`` per ``user.sub``. A client can create
    records at will (every login without a cookie makes one), so eviction must
    not let one client log everybody else out:

    * a user over their own limit loses their own least recently used session;
    * when the store is full, expired records go first; then the oldest record
      that has not been used (read by :meth:`get`, or rewritten by
      :meth:`update`) since it was written; only when every record has been
      used, the least recently used one.

    So a flood of logins that are never used again, from any number of
    accounts, costs the sessions in use at most one record (when the store
    holds no unused one); after that the flood only evicts itself. What is
    left: an attacker who also *uses* each new session, from many accounts
    (one account holds at most ``max_sessions_per_user``), can still push out
    the sessions that have gone unused the longest. Size ``max_entries`` for
    the peak of concurrent sessions, or use a shared store such as Redis.

    Every call runs its read-modify-write without awaiting, so calls are
    atomic with respect to each other on one event loop, on asyncio and trio
    alike; each call is still a checkpoint (it yields to the scheduler and
    honours cancellation before touching the store). Sessions are not shared
    between processes: with several app instances, or to make back-channel
    logout reach every instance, use
    :class:`auth0_async.stores.redis.RedisSessionStore`.

    Args:
        max_entries: most records kept at once.
        max_sessions_per_user: most records kept for one ``user.sub``.
        clock: the current time in epoch seconds (injectable for tests, such
            as :class:`auth0_async.testing.FrozenClock`).

    Raises:
        ConfigurationError: ``max_entries`` or ``max_sessions_per_user`` is not
            an integer >= 1, or ``clock`` is not callable.

    """

    __slots__ = (
        "_by_sid",
        "_by_sub",
        "_clock",
        "_fresh",
        "_heap",
        "_max_entries",
        "_max_per_user",
        "_records",
        "_seq",
        "_used",
    )

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        max_sessions_per_user: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._max_entries = _positive_int("max_entries", max_entries)
        self._max_per_user = _positive_int("max_sessions_per_user", max_sessions_per_user)
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning epoch seconds")
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._by_sid: dict[str, set[str]] = {}
        self._by_sub: dict[str, set[str]] = {}
        # (expires_at, seq, id); an entry is stale once its record is replaced
        # or removed (seq no longer matches) and is skipped when popped.
        self._heap: list[tuple[float, int, str]] = []
        self._seq = 0
        # Eviction order: records not used since written (oldest write first), then
        # used ones (least recently used first). Every record is in exactly one.
        self._fresh: OrderedDict[str, None] = OrderedDict()
        self._used: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_entries={self._max_entries!r})"

    async def get(self, id: str) -> SessionData | None:
        """Return the session stored under ``id``, or ``None`` if there is none or it expired."""
        await anyio.lowlevel.checkpoint()
        self._prune(self._clock())
        record = self._records.get(id)
        if record is None:
            return None
        self._touch(id, record)
        return decode_session(record.data)

    async def set(self, id: str, session: SessionData, *, expires_at: int) -> None:
        """Create or replace the session under ``id``, expiring at ``expires_at``.

        Makes room when the store (or the user's share of it) is full; see the
        class docstring for which record goes.
        """
        await anyio.lowlevel.checkpoint()
        data = encode_session(session)
        now = self._clock()
        self._prune(now)
        used = id in self._used  # replacing a record keeps its standing
        self._remove(id)
        if expires_at <= now:
            return
        mine = self._by_sub.get(session.user.sub)
        while mine and len(mine) >= self._max_per_user:
            self._remove(min(mine, key=lambda i: self._records[i].used_at))
        while len(self._records) >= self._max_entries and self._evict():
            pass
        self._insert(id, data, expires_at, session, used=used)

    async def update(self, id: str, session: SessionData, *, expires_at: int) -> bool:
        """Replace the session under ``id`` only if it still exists; return whether it did."""
        await anyio.lowlevel.checkpoint()
        data = encode_session(session)
        now = self._clock()
        self._prune(now)
        if id not in self._records:
            return False
        self._remove(id)
        if expires_at > now:
            self._insert(id, data, expires_at, session, used=True)
        return True

    async def delete(self, id: str) -> None:
        """Delete the session under ``id``; deleting a missing one is not an error."""
        await anyio.lowlevel.checkpoint()
        self._remove(id)

    async def delete_by_logout_token(
        self, *, sid: str | None, sub: str | None, iss: str | None
    ) -> int:
        """Delete the sessions of ``sid`` (and ``sub`` if given), or else of ``sub``; return how many.

        ``iss`` is ignored: one store serves one issuer. With neither ``sid``
        nor ``sub``, nothing is deleted.
        """
        await anyio.lowlevel.checkpoint()
        self._prune(self._clock())
        if sid is not None:
            candidates = self._by_sid.get(sid, ())
        elif sub is not None:
            candidates = self._by_sub.get(sub, ())
        else:
            return 0
        victims = [i for i in candidates if sub is None or self._records[i].sub == sub]
        for id in victims:
            self._remove(id)
        return len(victims)

    def _insert(
        self, id: str, data: bytes, expires_at: float, session: SessionData, *, used: bool
    ) -> None:
        self._seq += 1
        sid = session.internal.sid if session.internal is not None else None
        sub = session.user.sub
        self._records[id] = _Record(data, expires_at, self._seq, sid, sub)
        (self._used if used else self._fresh)[id] = None
        if sid is not None:
            self._by_sid.setdefault(sid, set()).add(id)
        self._by_sub.setdefault(sub, set()).add(id)
        heapq.heappush(self._heap, (expires_at, self._seq, id))
        if len(self._heap) > 2 * len(self._records) + 64:
            self._heap = [(r.expires_at, r.seq, i) for i, r in self._records.items()]
            heapq.heapify(self._heap)

    def _touch(self, id: str, record: _Record) -> None:
        self._seq += 1
        record.used_at = self._seq
        if id in self._fresh:  # its first use since it was written
            del self._fresh[id]
            self._used[id] = None
        else:
            self._used.move_to_end(id)

    def _remove(self, id: str) -> None:
        record = self._records.pop(id, None)
        if record is None:
            return
        if id in self._fresh:
            del self._fresh[id]
        else:
            del self._used[id]
        if record.sid is not None:
            _unindex(self._by_sid, record.sid, id)
        _unindex(self._by_sub, record.sub, id)

    def _is_current(self, seq: int, id: str) -> bool:
        record = self._records.get(id)
        return record is not None and record.seq == seq

    def _prune(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, seq, id = heapq.heappop(heap)
            if self._is_current(seq, id):
                self._remove(id)

    def _evict(self) -> bool:
        queue = self._fresh or self._used
        if not queue:
            return False
        self._remove(next(iter(queue)))
        return True


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be an integer >= 1")
    return value


def _unindex(index: dict[str, set[str]], key: str, id: str) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(id)
        if not ids:
            del index[key]
