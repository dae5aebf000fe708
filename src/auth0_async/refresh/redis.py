"""Refresh coordination across app instances through a shared Redis (extra ``redis``).

Keys, for a prefix ``P`` and a refresh key ``K`` (a hex digest, never a token)::

    P{K}:lock     random token of the instance running the grant    PX lock_timeout
    P{K}:result   b"v" + the grant's opaque (encrypted) result       PX result_ttl
                  or b"e" + JSON description of the grant's error    PX error_ttl

The ``{K}`` hash tag puts both keys of one refresh in one Redis Cluster slot,
so each step is one atomic Lua script on one node.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import TYPE_CHECKING, cast

import anyio
import msgspec

from .._core._config import seconds
from .._exceptions import (
    AccessTokenError,
    Auth0Error,
    ConfigurationError,
    DiscoveryError,
    KeyNotFoundError,
    OAuthError,
    SessionStoreError,
    TokenValidationError,
    TransportError,
)
from .._service._refresh import LocalRefreshCoordinator

try:
    # Imported at run time (not only for annotations) so a missing extra fails here.
    from redis.asyncio import Redis, RedisCluster  # noqa: TC002
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.refresh.redis needs the redis package: pip install 'auth0-async[redis]'"
    ) from exc

from .._redis import RedisLike, Script, bounded, check_client, require_asyncio

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["RedisRefreshCoordinator"]

logger = logging.getLogger("auth0_async.refresh")

# KEYS: result, lock. ARGV: token, lock ms. Returns the kept result (b"v..."),
# 1 if this caller now holds the lock, 0 if another caller holds it. A leftover
# error marker belongs to a finished flight: the new holder clears it.
_ACQUIRE = Script("""
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, 1) == 'v' then
  return value
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if value then redis.call('DEL', KEYS[1]) end
  return 1
end
return 0
""")

# KEYS: result, lock. Returns the outcome (b"v..." or b"e..."), else 1 while
# the lock is held, 0 when neither exists (the holder died).
_POLL = Script("""
local value = redis.call('GET', KEYS[1])
if value then return value end
return redis.call('EXISTS', KEYS[2])
""")

# KEYS: result, lock. ARGV: outcome, its ms, token. Stores the outcome (an
# error never replaces a result) and releases the lock if it is still ours.
_FINISH = Script("""
local outcome = ARGV[1]
if string.sub(outcome, 1, 1) == 'e' then
  local current = redis.call('GET', KEYS[1])
  if current and string.sub(current, 1, 1) == 'v' then outcome = false end
end
if outcome then redis.call('SET', KEYS[1], outcome, 'PX', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
""")

_RESULT = b"v"
_ERROR = b"e"


class _Failure(msgspec.Struct, kw_only=True, omit_defaults=True):
    kind: str
    code: str
    message: str
    description: str | None = None
    status: int | None = None
    cause: _Failure | None = None


_failure_decoder = msgspec.json.Decoder(_Failure)
_PLAIN: dict[str, type[Auth0Error]] = {
    cls.__name__: cls
    for cls in (
        KeyNotFoundError,
        TokenValidationError,
        DiscoveryError,
        TransportError,
        SessionStoreError,
    )
}
_FAILED = "failed_to_refresh_token"


def _describe(exc: BaseException) -> _Failure:
    if isinstance(exc, OAuthError):
        return _Failure(
            kind="OAuthError",
            code=exc.error,
            message=exc.message,
            description=exc.error_description,
            status=exc.status,
        )
    if isinstance(exc, AccessTokenError):
        cause = _describe(exc.cause) if exc.cause is not None else None
        return _Failure(kind="AccessTokenError", code=exc.code, message=exc.message, cause=cause)
    if isinstance(exc, Auth0Error):
        for cls in type(exc).__mro__:
            if _PLAIN.get(cls.__name__) is cls:
                return _Failure(kind=cls.__name__, code=exc.code, message=exc.message)
    # Foreign messages may carry URLs or bodies: share the type name only.
    return _Failure(
        kind="AccessTokenError",
        code=_FAILED,
        message=f"the token refresh failed on another instance ({type(exc).__name__})",
    )


def _rebuild(failure: _Failure) -> Auth0Error:
    if failure.kind == "OAuthError":
        return OAuthError(failure.code, failure.description, status=failure.status)
    if failure.kind == "AccessTokenError":
        cause = _rebuild(failure.cause) if failure.cause is not None else None
        return AccessTokenError(
            failure.code, failure.message, cause=cause if isinstance(cause, OAuthError) else None
        )
    plain = _PLAIN.get(failure.kind)
    if plain is not None:
        return plain(failure.message)
    return AccessTokenError(_FAILED, failure.message)


def _error_from(marker: bytes) -> Auth0Error:
    try:
        return _rebuild(_failure_decoder.decode(marker[1:]))
    except (msgspec.DecodeError, RecursionError):
        return AccessTokenError(_FAILED, "the token refresh failed on another instance")


def _millis(duration: float) -> int:
    return max(1, math.ceil(duration * 1000))


class RedisRefreshCoordinator:
    """Single flight per key across every app instance that shares one Redis.

    Callers in one process first share one flight in memory (a
    :class:`~auth0_async.refresh.LocalRefreshCoordinator`), so only one of
    them talks to Redis. That one returns a result another instance stored in
    the last ``result_ttl`` seconds, or takes the key's lock (``SET NX PX``)
    and runs ``fetch`` itself, shielded from cancellation, or polls every
    ``poll_interval`` seconds until the lock holder stores its outcome. The
    holder stores a success for ``result_ttl`` seconds and a failure, as a
    small error description, for ``error_ttl`` seconds so that waiters on other
    instances raise an error of the same class (:class:`~auth0_async.OAuthError`,
    :class:`~auth0_async.AccessTokenError`, :class:`~auth0_async.TransportError`,
    ...; an error from outside auth0_async becomes ``AccessTokenError`` with code
    ``failed_to_refresh_token``). A failure is not reused by later flights.

    If the lock holder dies, its lock expires after ``lock_timeout`` seconds
    and a waiter takes over, so ``lock_timeout`` must exceed the time one
    grant can take (the HTTP timeout). Waiting never lasts much longer than
    ``lock_timeout``; every Redis command is bounded by ``command_timeout``.

    The stored values are the opaque bytes ``fetch`` returns (already
    encrypted by auth0_async); they are never logged. Each is sealed with its
    key and the session's ``sub`` and ``sid`` as associated data: a value that
    someone with write access to Redis copies under another key does not open
    there, and the refresh fails instead of handing over another user's tokens.
    (Such a writer can still make refreshes fail, and error descriptions are
    not authenticated: protect the Redis as you protect the session store.)

    Requires an asyncio event loop: ``redis.asyncio`` does not run on trio.

    Args:
        redis: a ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster``
            created with ``decode_responses=False`` (the default). The
            coordinator does not close it.
        prefix: prepended to every key.
        lock_timeout: seconds a lock lives, and the bound on waiting for one.
        result_ttl: seconds a successful result stays available.
        error_ttl: seconds a failure stays visible to that flight's waiters.
        poll_interval: seconds between two looks at a flight held elsewhere.
        command_timeout: seconds one Redis command may take.

    Raises:
        ConfigurationError: a duration is not a positive finite number,
            ``poll_interval`` is not below ``lock_timeout``, ``prefix`` is not a
            string, or the client decodes responses to ``str``.

    """

    __slots__ = (
        "_command_timeout",
        "_error_ttl",
        "_local",
        "_lock_timeout",
        "_poll_interval",
        "_prefix",
        "_redis",
        "_result_ttl",
    )

    def __init__(
        self,
        redis: Redis | RedisCluster,
        *,
        prefix: str = "auth0_async:refresh:",
        lock_timeout: float = 15.0,
        result_ttl: float = 60.0,
        error_ttl: float = 2.0,
        poll_interval: float = 0.05,
        command_timeout: float = 3.0,
    ) -> None:
        if not isinstance(prefix, str):
            raise ConfigurationError("prefix must be a string")
        self._lock_timeout = seconds("lock_timeout", lock_timeout)
        self._result_ttl = seconds("result_ttl", result_ttl)
        self._error_ttl = seconds("error_ttl", error_ttl)
        self._poll_interval = seconds("poll_interval", poll_interval)
        self._command_timeout = seconds("command_timeout", command_timeout)
        if self._poll_interval >= self._lock_timeout:
            raise ConfigurationError("poll_interval must be shorter than lock_timeout")
        check_client(redis, "RedisRefreshCoordinator")
        self._redis = cast("RedisLike", redis)
        self._prefix = prefix
        self._local = LocalRefreshCoordinator(result_ttl=self._result_ttl)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(<{type(self._redis).__name__}>, prefix={self._prefix!r}, "
            f"lock_timeout={self._lock_timeout!r}, result_ttl={self._result_ttl!r})"
        )

    async def coordinate(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        """Return ``fetch()``'s result for ``key``, running at most one ``fetch`` across instances.

        Raises:
            Exception: whatever ``fetch`` raised, when this instance ran it (or
                joined the local flight that ran it).
            Auth0Error: a rebuilt error of the same class, when another
                instance's ``fetch`` failed while this caller waited for it.
            AccessTokenError: (``failed_to_refresh_token``) the flight held by
                another instance produced nothing within ``lock_timeout``.
            SessionStoreError: Redis failed or did not answer in time.
            ConfigurationError: not running on asyncio.

        """
        require_asyncio("RedisRefreshCoordinator")
        try:
            return await self._local.coordinate(key, lambda: self._shared(key, fetch))
        except SessionStoreError as exc:
            logger.warning(
                "could not coordinate a token refresh through Redis: %s",
                exc,
                extra={"event": "auth0_async.store.error", "operation": "coordinate_refresh"},
            )
            raise

    async def _shared(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        tag = f"{self._prefix}{{{key}}}"
        result_key, lock_key = f"{tag}:result", f"{tag}:lock"
        token = secrets.token_hex(16)
        deadline = anyio.current_time() + self._lock_timeout
        while True:
            reply = await self._eval(
                _ACQUIRE, result_key, lock_key, token, _millis(self._lock_timeout)
            )
            if isinstance(reply, bytes):
                return reply[1:]
            if reply == 1:
                return await self._lead(result_key, lock_key, token, fetch)
            if anyio.current_time() >= deadline:
                raise AccessTokenError(
                    _FAILED, "timed out waiting for the token refresh of another instance"
                )
            outcome = await self._wait(result_key, lock_key, deadline)
            if outcome is not None:
                return outcome

    async def _wait(self, result_key: str, lock_key: str, deadline: float) -> bytes | None:
        """Poll until the holder's outcome appears; ``None`` once the lock is gone or time is up."""
        while True:
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                return None
            await anyio.sleep(min(self._poll_interval, remaining))
            reply = await self._eval(_POLL, result_key, lock_key)
            if isinstance(reply, bytes):
                if reply[:1] == _RESULT:
                    return reply[1:]
                raise _error_from(reply)
            if reply != 1:
                return None

    async def _lead(
        self, result_key: str, lock_key: str, token: str, fetch: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        # Already shielded by the local flight; shielded again so this holds on its own.
        with anyio.CancelScope(shield=True):
            try:
                result = await fetch()
            except Exception as exc:
                marker = _ERROR + msgspec.json.encode(_describe(exc))
                await self._finish(result_key, lock_key, token, marker, self._error_ttl)
                raise
            await self._finish(result_key, lock_key, token, _RESULT + result, self._result_ttl)
        return result

    async def _finish(
        self, result_key: str, lock_key: str, token: str, outcome: bytes, ttl: float
    ) -> None:
        # The grant happened: its outcome goes back to the local callers even if
        # Redis fails now (other instances then wait for the lock to expire).
        try:
            await self._eval(_FINISH, result_key, lock_key, outcome, _millis(ttl), token)
        except SessionStoreError as exc:
            logger.warning(
                "could not share a token refresh outcome through Redis: %s",
                exc,
                extra={"event": "auth0_async.store.error", "operation": "share_refresh"},
            )

    async def _eval(self, script: Script, *keys_and_args: str | bytes | int) -> object:
        return await bounded(script(self._redis, 2, *keys_and_args), self._command_timeout)
