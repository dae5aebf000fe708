"""A TTL slot with single-flight refresh, on anyio so it works under asyncio and trio.

When a refetch of an expired value fails, the last good value is served
(logged as ``auth0_async.provider.stale``) for up to ``max_stale`` seconds past
its expiry, and the next attempt waits ``retry_after`` seconds, so that a
provider outage neither fails every request nor makes each one wait for a
timeout.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import anyio

from .._exceptions import DiscoveryError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._types import Clock

__all__ = ["DEFAULT_MAX_STALE", "DEFAULT_RETRY_AFTER", "CachedFetch"]

DEFAULT_MAX_STALE = 24 * 3600.0
"""Seconds past its expiry that a value may still be served while refetches fail (1 day)."""
DEFAULT_RETRY_AFTER = 30.0
"""Seconds between refetch attempts while a stale value is being served."""

logger = logging.getLogger("auth0_async")

T = TypeVar("T")


class _Flight(Generic[T]):
    __slots__ = ("done", "error", "event", "value")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.done = False
        self.value: T | None = None
        self.error: DiscoveryError | None = None


class CachedFetch(Generic[T]):
    """One cached value, refreshed by at most one fetch at a time.

    Concurrent callers that miss the cache wait for the fetch already in
    flight instead of starting their own, and share its result or its
    :class:`DiscoveryError`. If the fetching task is cancelled, a waiter
    takes over. Failures are not cached. :meth:`get` serves the last good
    value when a refetch fails, for at most ``max_stale`` seconds past the
    value's expiry, trying again every ``retry_after`` seconds meanwhile;
    :meth:`refresh` (a forced refetch) always reports the failure.

    Raises:
        ValueError: ``ttl``, ``max_stale`` or ``retry_after`` is negative.

    """

    __slots__ = (
        "_clock",
        "_expires_at",
        "_fetch",
        "_flight",
        "_max_stale",
        "_retry_after",
        "_stale_until",
        "_value",
        "generation",
        "name",
        "ttl",
    )

    def __init__(
        self,
        fetch: Callable[[], Awaitable[T]],
        *,
        ttl: float,
        clock: Clock,
        name: str = "value",
        max_stale: float = DEFAULT_MAX_STALE,
        retry_after: float = DEFAULT_RETRY_AFTER,
    ) -> None:
        if min(ttl, max_stale, retry_after) < 0:
            raise ValueError("ttl, max_stale and retry_after must not be negative")
        self._fetch = fetch
        self._clock = clock
        self.ttl = ttl
        self.name = name
        self._max_stale = max_stale
        self._retry_after = retry_after
        self._value: T | None = None
        self._expires_at = float("-inf")
        self._stale_until = float("-inf")
        self._flight: _Flight[T] | None = None
        self.generation = 0
        """Incremented by every successful fetch, so callers can tell a newer value."""

    @property
    def in_flight(self) -> bool:
        """Whether a fetch is running now."""
        return self._flight is not None

    def peek(self) -> T | None:
        """Return the cached value, fresh or stale, without fetching."""
        return self._value

    async def get(self) -> T:
        """Return the cached value, fetching it first if it expired.

        Raises:
            DiscoveryError: the fetch failed (in this task or the one it waited for).

        """
        value = self._value
        if value is not None and self._clock() < self._expires_at:
            return value
        try:
            return await self.refresh()
        except DiscoveryError as exc:
            now = self._clock()
            if value is None or now >= self._stale_until:
                raise
            if now >= self._expires_at:  # the first caller to see this failure logs it
                self._expires_at = min(now + self._retry_after, self._stale_until)
                logger.warning(
                    "serving the cached %s: refetching it failed (%s)",
                    self.name,
                    exc.message,
                    extra={"event": "auth0_async.provider.stale", "what": self.name},
                )
            return value

    async def refresh(self) -> T:
        """Fetch a new value now, or join the fetch already in flight.

        Raises:
            DiscoveryError: the fetch failed (in this task or the one it waited for).

        """
        while True:
            flight = self._flight
            if flight is None:
                return await self._lead()
            await flight.event.wait()
            if flight.error is not None:
                raise DiscoveryError(flight.error.message) from flight.error
            if flight.done:
                return cast("T", flight.value)
            # The fetching task was cancelled: loop, and one waiter leads anew.

    async def _lead(self) -> T:
        flight = self._flight = _Flight[T]()
        try:
            value = await self._fetch()
            self._value = flight.value = value
            self._expires_at = self._clock() + self.ttl
            self._stale_until = self._expires_at + self._max_stale
            self.generation += 1
            flight.done = True
            return value
        except DiscoveryError as exc:
            flight.error = exc
            raise
        finally:
            self._flight = None
            flight.event.set()
