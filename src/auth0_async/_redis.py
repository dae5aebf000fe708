"""Plumbing shared by the Redis-backed classes (extra ``redis``); imported only by them.

They all talk to ``redis.asyncio`` through tiny private Protocols (redis-py's
own annotations make every command ``Awaitable[Any] | Any``), refuse clients
that decode responses to ``str``, run on asyncio only, and report every Redis
failure or timeout as :class:`~auth0_async.SessionStoreError`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol

import anyio
from redis.exceptions import RedisError

from ._exceptions import ConfigurationError, SessionStoreError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["RedisLike", "check_client", "redis_errors", "require_asyncio"]


class RedisLike(Protocol):
    """The commands used; ``redis.asyncio.Redis`` and ``RedisCluster`` both have them."""

    async def eval(self, script: str, numkeys: int, *keys_and_args: str | bytes | int) -> object:
        """Run a Lua script (all its keys in one cluster slot)."""
        ...

    async def hget(self, name: str, key: str) -> bytes | None:
        """Return one field of a hash, or ``None``."""
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


@contextlib.contextmanager
def redis_errors(timeout: float) -> Iterator[None]:
    """Bound the Redis calls in the block by ``timeout`` and map their failures.

    Raises:
        SessionStoreError: Redis failed, was unreachable, or did not answer in time.

    """
    try:
        with anyio.fail_after(timeout):
            yield
    except TimeoutError as exc:
        raise SessionStoreError(f"Redis did not answer within {timeout:g} s") from exc
    except (RedisError, OSError) as exc:
        raise SessionStoreError(f"Redis failed: {type(exc).__name__}: {exc}"[:300]) from exc
