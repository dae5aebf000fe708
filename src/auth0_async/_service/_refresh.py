"""The in-process refresh coordinator: one refresh grant per key, shared by every caller."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel

from .._core._config import seconds
from .._exceptions import AccessTokenError, ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["LocalRefreshCoordinator"]


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be an integer >= 1")
    return value


class _Flight:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        # Created by the caller that starts the flight, so inside its running loop.
        self.done = anyio.Event()
        self.result: bytes | None = None
        self.error: BaseException | None = None


class LocalRefreshCoordinator:
    """Single flight per key inside one process (and one event loop).

    The default coordinator of :class:`~auth0_async.Auth0Client`. Concurrent
    callers with the same key share one ``fetch()``: the first caller runs it,
    the others wait and receive its result or its exception. A successful
    result is kept for ``result_ttl`` seconds (so requests still carrying the
    rotated-out refresh token get the new tokens); a failure is forgotten as
    soon as its flight ends.

    ``fetch`` runs shielded from cancellation: cancelling the caller that
    started it does not abandon the grant, and its result is kept for later
    callers. Waiting is bounded by the fetch itself (which the HTTP timeout
    bounds); cancelling a waiter only stops that waiter.

    Its results stay in this process (``in_process``): they are passed on
    unencrypted, still bound to their key and user, unlike a shared
    coordinator's, which are sealed.

    Works on asyncio and trio. It does not coordinate across processes: with
    several app instances and rotating refresh tokens, use
    :class:`auth0_async.refresh.redis.RedisRefreshCoordinator`.

    Args:
        result_ttl: seconds a successful result stays available (0 disables reuse).
        max_results: most results kept at once; the oldest are dropped first.
        clock: monotonic time in seconds (injectable for tests).

    Raises:
        ConfigurationError: ``result_ttl`` is negative or not finite, or
            ``max_results`` is less than 1.

    """

    __slots__ = ("_clock", "_flights", "_max_results", "_result_ttl", "_results")

    in_process = True
    """Results never leave this process, so the client hands them over bound but unencrypted."""

    def __init__(
        self,
        *,
        result_ttl: float = 60.0,
        max_results: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._result_ttl = seconds("result_ttl", result_ttl, zero_ok=True)
        self._max_results = _count("max_results", max_results)
        self._clock = clock
        self._flights: dict[str, _Flight] = {}
        # Insertion order is expiry order (constant ttl, monotonic clock), so
        # pruning only ever looks at the front.
        self._results: dict[str, tuple[float, bytes]] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(result_ttl={self._result_ttl!r}, "
            f"max_results={self._max_results!r})"
        )

    async def coordinate(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        """Return ``fetch()``'s result for ``key``, running at most one ``fetch`` per flight.

        Returns a result kept from an earlier flight if it is younger than
        ``result_ttl``; joins the flight in progress if there is one; otherwise
        runs ``fetch`` (shielded from cancellation) and shares its outcome.

        Raises:
            Exception: whatever ``fetch`` raised, in this caller or in the one
                whose flight this caller joined (the same exception object).
            AccessTokenError: (``failed_to_refresh_token``) the flight this
                caller joined ended with a ``BaseException`` that is not an
                ``Exception`` (such as ``KeyboardInterrupt``).

        """
        # A caller that is already cancelled must not start a grant.
        await anyio.lowlevel.checkpoint_if_cancelled()
        kept = self._kept(key)
        if kept is not None:
            return kept
        flight = self._flights.get(key)
        if flight is not None:
            await flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return flight.result
        return await self._run(key, fetch)

    async def _run(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        flight = _Flight()
        self._flights[key] = flight
        try:
            with anyio.CancelScope(shield=True):
                result = await fetch()
        except Exception as exc:
            flight.error = exc
            raise
        except BaseException:
            flight.error = AccessTokenError(
                "failed_to_refresh_token", "the token refresh was interrupted"
            )
            raise
        else:
            flight.result = result
            self._keep(key, result)
            return result
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set()

    def _kept(self, key: str) -> bytes | None:
        entry = self._results.get(key)
        if entry is None:
            return None
        if entry[0] > self._clock():
            return entry[1]
        del self._results[key]
        return None

    def _keep(self, key: str, result: bytes) -> None:
        if self._result_ttl <= 0:
            return
        now = self._clock()
        results = self._results
        results.pop(key, None)
        results[key] = (now + self._result_ttl, result)
        while results:
            oldest = next(iter(results))
            if len(results) <= self._max_results and results[oldest][0] > now:
                break
            del results[oldest]
