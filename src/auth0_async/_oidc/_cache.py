"""A TTL slot with single-flight refresh, on anyio so it works under asyncio and trio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

import anyio

from .._exceptions import DiscoveryError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._types import Clock

__all__ = ["CachedFetch"]

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
    takes over. Failures are not cached.

    Raises:
        ValueError: ``ttl`` is negative.

    """

    __slots__ = ("_clock", "_expires_at", "_fetch", "_flight", "_value", "generation", "ttl")

    def __init__(self, fetch: Callable[[], Awaitable[T]], *, ttl: float, clock: Clock) -> None:
        if ttl < 0:
            raise ValueError("ttl must not be negative")
        self._fetch = fetch
        self._clock = clock
        self.ttl = ttl
        self._value: T | None = None
        self._expires_at = float("-inf")
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
        if self._value is not None and self._clock() < self._expires_at:
            return self._value
        return await self.refresh()

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
            self.generation += 1
            flight.done = True
            return value
        except DiscoveryError as exc:
            flight.error = exc
            raise
        finally:
            self._flight = None
            flight.event.set()
