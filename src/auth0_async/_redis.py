"""Plumbing shared by the Redis-backed classes (extra ``redis``); imported only by them.

They all talk to ``redis.asyncio`` through tiny private Protocols (redis-py's
own annotations make every command ``Awaitable[Any] | Any``), refuse clients
that decode responses to ``str``, run on asyncio only, and report every Redis
failure or timeout as :class:`~auth0_async.SessionStoreError`.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Protocol, TypeVar

from redis.exceptions import NoScriptError, RedisError

from ._deadlines import deadline
from ._exceptions import ConfigurationError, SessionStoreError

if TYPE_CHECKING:
    from collections.abc import Awaitable

__all__ = ["RedisLike", "Script", "bounded", "check_client", "require_asyncio"]

T = TypeVar("T")


class RedisLike(Protocol):
    """The commands used; ``redis.asyncio.Redis`` and ``RedisCluster`` both have them."""

    async def eval(self, script: str, numkeys: int, *keys_and_args: str | bytes | int) -> object:
        """Run a Lua script (all its keys in one cluster slot)."""
        ...

    async def evalsha(self, sha: str, numkeys: int, *keys_and_args: str | bytes | int) -> object:
        """Run a Lua script the server has cached, by its SHA-1."""
        ...

    async def hget(self, name: str, key: str) -> bytes | None:
        """Return one field of a hash, or ``None``."""
        ...

    async def set(self, name: str, value: bytes, *, nx: bool, px: int) -> bool | None:
        """``SET name value [NX] PX px``: ``True`` if written, ``None`` if ``NX`` kept it."""
        ...


def check_client(redis: object, owner: str) -> None:
    """Refuse a client created with ``decode_responses=True`` (the classes store bytes).

    Raises:
        ConfigurationError: the client decodes responses.

    """
    get_encoder = getattr(redis, "get_encoder", None)
    if get_encoder is not None and getattr(get_encoder(), "decode_responses", False):
        raise ConfigurationError(
            f"{owner} stores bytes: create the client with decode_responses=False"
        )


def require_asyncio(owner: str) -> None:
    """Fail clearly under trio, where ``redis.asyncio`` cannot run.

    Raises:
        ConfigurationError: no asyncio event loop is running.

    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            f"{owner} needs asyncio: redis.asyncio does not run on trio"
        ) from None


async def bounded(call: Awaitable[T], seconds: float) -> T:
    """Await one Redis call (which may make several round trips) within ``seconds``.

    Raises:
        SessionStoreError: Redis failed, was unreachable, or did not answer in time.

    """
    try:
        async with deadline(seconds):
            return await call
    except TimeoutError as exc:
        raise SessionStoreError(f"Redis did not answer within {seconds:g} s") from exc
    except (RedisError, OSError) as exc:
        raise SessionStoreError(f"Redis failed: {type(exc).__name__}: {exc}"[:300]) from exc


class Script:
    """A Lua script sent by SHA-1 (``EVALSHA``); sent whole only when a server lacks it."""

    __slots__ = ("sha", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(
        self, redis: RedisLike, numkeys: int, *keys_and_args: str | bytes | int
    ) -> object:
        """Run the script (not bounded in time: wrap the call in :func:`bounded`)."""
        try:
            return await redis.evalsha(self.sha, numkeys, *keys_and_args)
        except NoScriptError:
            # A server that restarted, or a cluster node that never ran it: EVAL caches it.
            return await redis.eval(self.source, numkeys, *keys_and_args)
