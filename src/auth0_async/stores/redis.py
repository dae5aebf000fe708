"""Sessions in a shared Redis or Redis Cluster (extra ``redis``).

Keys, for a prefix ``P`` (``auth0_async:session:`` by default)::

    P{<id>}        hash   d    the session's JSON (its nextjs-auth0 wire shape)
                          sub  the session's user.sub
                          sid  the session's internal.sid (absent when it has none)
                          ix   the epoch second this session's index entries last until
                   EXPIREAT expires_at

    Psid:{<sid>}   sorted set   member <id>, score: that session's ix
    Psub:{<sub>}   sorted set   member <id>, score: that session's ix
                   EXPIREAT the highest score; members whose score has passed are dropped

    Pjti:{<h>}     string "1"   an accepted back-channel logout token; <h> is the
                   SHA-256 hex of its issuer and jti. PX: as long as such a
                   token would still be accepted (see ``remember_jti``)

Every command and script touches a single key, so the store works unchanged on
a Redis Cluster; the braces (hash tags) place each key by its session id, sid
or sub alone.

Consistency model. A session record and its two index entries live in
different slots, so no write changes them atomically together. Instead, an
index entry is written *before* the record that needs it, with a score (``ix``)
at least the record's expiry, and an entry is only ever removed once its score
has passed. So an index can point at a session that no longer exists (it was
deleted, expired, or rewritten for another sid or sub) but never misses a live
one: :meth:`RedisSessionStore.delete_by_logout_token` therefore checks, in the
record's own atomic script, that the record still names that sid and sub
before deleting it. ``ix`` runs an hour past ``expires_at``, so a rolling
session re-writes its index entries about once an hour and an
:meth:`~RedisSessionStore.update` is otherwise a single script.

Run Redis with ``maxmemory-policy noeviction``: a Redis that evicts keys can
drop a live session's index entry, and a back-channel logout would then miss
that session.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from typing import TYPE_CHECKING, cast

import msgspec

try:
    # Imported at run time (not only for annotations) so a missing extra fails here.
    from redis.asyncio import Redis, RedisCluster  # noqa: TC002
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.stores.redis needs the redis package: pip install 'auth0-async[redis]'"
    ) from exc

from .._core._config import seconds
from .._core._models import decode_session, encode_session
from .._exceptions import ConfigurationError, SessionStoreError
from .._redis import RedisLike, Script, bounded, check_client, require_asyncio

if TYPE_CHECKING:
    from .._core._models import SessionData

__all__ = ["RedisSessionStore"]

_INDEX_SLACK = 3600
"""Seconds an index entry outlives the ``expires_at`` it was written for."""

# KEYS: record. ARGV: data, expires_at, sub, sid, has_sid ("1"/"0"), must_exist
# ("1"/"0"), ix ("0": only if the stored index entries already cover this write).
# Returns 1 when written, 0 when must_exist and the record is gone, -1 when the
# index entries must be written first (then call again with their ix).
_WRITE = Script("""
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[6] == '1' and not exists then return 0 end
if ARGV[7] == '0' then
  if not exists then return -1 end
  local f = redis.call('HMGET', KEYS[1], 'sub', 'sid', 'ix')
  local sid = false
  if ARGV[5] == '1' then sid = ARGV[4] end
  if f[1] ~= ARGV[3] or f[2] ~= sid or not f[3] or tonumber(f[3]) < tonumber(ARGV[2]) then
    return -1
  end
  redis.call('HSET', KEYS[1], 'd', ARGV[1])
else
  redis.call('HSET', KEYS[1], 'd', ARGV[1], 'sub', ARGV[3], 'ix', ARGV[7])
  if ARGV[5] == '1' then
    redis.call('HSET', KEYS[1], 'sid', ARGV[4])
  else
    redis.call('HDEL', KEYS[1], 'sid')
  end
end
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return 1
""")

# KEYS: index. ARGV: id, ix. Raises the id's score to ix, drops passed entries,
# and keeps the key until its highest score.
_INDEX = Script("""
local now = redis.call('TIME')[1]
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not current or tonumber(current) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('EXPIREAT', KEYS[1], top[2]) end
return 1
""")

# KEYS: index. Drops passed entries and returns the ids left.
_MEMBERS = Script("""
local now = redis.call('TIME')[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
""")

# KEYS: record. ARGV: has_sid, sid, has_sub, sub. Deletes the record if it
# still names that sid and sub; returns 1 if it did.
_DELETE_IF = Script("""
local f = redis.call('HMGET', KEYS[1], 'sid', 'sub')
if ARGV[1] == '1' and f[1] ~= ARGV[2] then return 0 end
if ARGV[3] == '1' and f[2] ~= ARGV[4] then return 0 end
return redis.call('DEL', KEYS[1])
""")

_DELETE = Script("return redis.call('DEL', KEYS[1])")


def _check_prefix(prefix: object) -> str:
    if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
        raise ConfigurationError("prefix must be a string without '{' or '}'")
    return prefix


def _flag(value: str | None) -> tuple[str, str]:
    return ("0", "") if value is None else ("1", value)


class RedisSessionStore:
    """Sessions in Redis, shared by every app instance; a :class:`~auth0_async.SessionStore`.

    Each session is one Redis hash that expires at the session's
    ``expires_at`` (``EXPIREAT``), holding the session's JSON. Sorted sets
    indexed by the session's ``internal.sid`` and ``user.sub`` let
    :meth:`delete_by_logout_token` find the sessions a back-channel logout
    names, from any instance. Works with ``redis.asyncio.Redis`` and
    ``redis.asyncio.RedisCluster`` alike: every command touches one key. The
    key layout and the consistency model are described in the module
    docstring.

    :meth:`update` is atomic (one Lua script that writes only if the record
    still exists), so a rolling write racing a logout never brings the session
    back. It is also a :class:`~auth0_async.ReplayCache`: the logout tokens
    one instance accepted are refused as replays by every other. Every Redis command is bounded by ``command_timeout``; a failure or
    a timeout raises :class:`~auth0_async.SessionStoreError`, never returns
    ``None``.

    Requires an asyncio event loop: ``redis.asyncio`` does not run on trio.

    Args:
        redis: a ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster``
            created with ``decode_responses=False`` (the default). The store
            does not close it.
        prefix: prepended to every key; must not contain ``{`` or ``}``.
        command_timeout: seconds one Redis command may take.

    Raises:
        ConfigurationError: ``prefix`` is not a string or contains a brace,
            ``command_timeout`` is not a positive finite number, or the client
            decodes responses to ``str``.

    """

    __slots__ = ("_command_timeout", "_prefix", "_redis")

    def __init__(
        self,
        redis: Redis | RedisCluster,
        *,
        prefix: str = "auth0_async:session:",
        command_timeout: float = 3.0,
    ) -> None:
        self._prefix = _check_prefix(prefix)
        self._command_timeout = seconds("command_timeout", command_timeout)
        check_client(redis, "RedisSessionStore")
        self._redis = cast("RedisLike", redis)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(<{type(self._redis).__name__}>, prefix={self._prefix!r}, "
            f"command_timeout={self._command_timeout!r})"
        )

    async def get(self, id: str) -> SessionData | None:
        """Return the session stored under ``id``, or ``None`` if there is none or it expired.

        Raises:
            SessionStoreError: Redis failed or did not answer in time, or the
                record is not a session.
            ConfigurationError: not running on asyncio.

        """
        require_asyncio("RedisSessionStore")
        data = await bounded(self._redis.hget(self._record(id), "d"), self._command_timeout)
        if data is None:
            return None
        try:
            return decode_session(data)
        except msgspec.DecodeError as exc:
            raise SessionStoreError("a session record in Redis is corrupt") from exc

    async def set(self, id: str, session: SessionData, *, expires_at: int) -> None:
        """Create or replace the session under ``id``, expiring at ``expires_at``.

        Raises:
            SessionStoreError: Redis failed or did not answer in time.
            ConfigurationError: not running on asyncio.

        """
        await self._write(id, session, expires_at, must_exist=False)

    async def update(self, id: str, session: SessionData, *, expires_at: int) -> bool:
        """Replace the session under ``id`` only if it still exists (atomically); return whether it did.

        Raises:
            SessionStoreError: Redis failed or did not answer in time.
            ConfigurationError: not running on asyncio.

        """
        return await self._write(id, session, expires_at, must_exist=True)

    async def delete(self, id: str) -> None:
        """Delete the session under ``id``; deleting a missing one is not an error.

        Its index entries are left to expire: they may point at missing sessions.

        Raises:
            SessionStoreError: Redis failed or did not answer in time.
            ConfigurationError: not running on asyncio.

        """
        require_asyncio("RedisSessionStore")
        await self._eval(_DELETE, self._record(id))

    async def delete_by_logout_token(
        self, *, sid: str | None, sub: str | None, iss: str | None
    ) -> int:
        """Delete the sessions of ``sid`` (and ``sub`` if given), or else of ``sub``; return how many.

        Reads the sid (or sub) index, then deletes each session it lists that
        still has that sid and sub, one atomic check-and-delete per session.
        ``iss`` is ignored: one store serves one issuer. With neither ``sid``
        nor ``sub``, nothing is deleted.

        Raises:
            SessionStoreError: Redis failed or did not answer in time (some of
                the sessions may have been deleted already).
            ConfigurationError: not running on asyncio.

        """
        require_asyncio("RedisSessionStore")
        if sid is not None:
            index = self._index("sid", sid)
        elif sub is not None:
            index = self._index("sub", sub)
        else:
            return 0
        members = await self._eval(_MEMBERS, index)
        if not isinstance(members, list):
            raise SessionStoreError("Redis returned an unexpected reply for a session index")
        deleted = 0
        prefix = self._prefix.encode()
        for member in members:
            if not isinstance(member, bytes):
                continue
            record = prefix + b"{" + member + b"}"
            if await self._eval(_DELETE_IF, record, *_flag(sid), *_flag(sub)) == 1:
                deleted += 1
        return deleted

    async def _write(
        self, id: str, session: SessionData, expires_at: int, *, must_exist: bool
    ) -> bool:
        require_asyncio("RedisSessionStore")
        data = encode_session(session)
        expires_at = int(expires_at)
        sub = session.user.sub
        sid = session.internal.sid if session.internal is not None else None
        has_sid, sid_arg = _flag(sid)
        record = self._record(id)
        args = (data, expires_at, sub, sid_arg, has_sid, "1" if must_exist else "0")
        if must_exist:
            reply = await self._eval(_WRITE, record, *args, 0)
            if reply != -1:
                return reply == 1
        # Index entries first: a failure after them leaves only an entry
        # pointing at a missing (or other) session, which readers tolerate.
        ix = expires_at + _INDEX_SLACK
        if sid is None:
            await self._eval(_INDEX, self._index("sub", sub), id, ix)
        else:  # the two entries live in different slots: write them in one round trip's time
            done = await asyncio.gather(
                self._eval(_INDEX, self._index("sid", sid), id, ix),
                self._eval(_INDEX, self._index("sub", sub), id, ix),
                return_exceptions=True,
            )
            for outcome in done:
                if isinstance(outcome, BaseException):
                    raise outcome
        return await self._eval(_WRITE, record, *args, ix) == 1

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        """Remember an accepted logout token's ``jti`` until ``until``; ``False`` if it already was.

        One ``SET NX PX`` (atomic across instances) on a key named by a digest
        of ``issuer`` and ``jti``; see :class:`~auth0_async.ReplayCache`.
        Only tokens that passed every other check get here (they are signed
        by the provider), and each key expires on its own.

        Raises:
            SessionStoreError: Redis failed or did not answer in time.
            ConfigurationError: not running on asyncio.

        """
        require_asyncio("RedisSessionStore")
        digest = hashlib.sha256(f"{issuer}\0{jti}".encode()).hexdigest()
        millis = max(1, math.ceil((until - now) * 1000))
        written = await bounded(
            self._redis.set(self._index("jti", digest), b"1", nx=True, px=millis),
            self._command_timeout,
        )
        return bool(written)

    def _record(self, id: str) -> str:
        return f"{self._prefix}{{{id}}}"

    def _index(self, kind: str, value: str) -> str:
        return f"{self._prefix}{kind}:{{{value}}}"

    async def _eval(self, script: Script, key: str | bytes, *args: str | bytes | int) -> object:
        return await bounded(script(self._redis, 1, key, *args), self._command_timeout)
