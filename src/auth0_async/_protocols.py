"""The seams: small Protocols that adapters implement and users may implement too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

__all__ = ["RefreshCoordinator", "RequestSource", "ResponseSink"]


class RequestSource(Protocol):
    """What auth0_async reads from one incoming request.

    Starlette's ``Request`` satisfies it as it is; so can any framework's request
    with a small wrapper. (ASGI scope mappings are accepted directly as well.)
    """

    @property
    def headers(self) -> Mapping[str, str]:
        """The request headers; lookups must be case-insensitive (``"cookie"`` at least)."""
        ...

    @property
    def url(self) -> object:
        """The full request URL; ``str(url)`` must give it as an absolute URL."""
        ...


class ResponseSink(Protocol):
    """Where auth0_async writes the cookies and headers of one response."""

    def add_header(self, name: str, value: str) -> None:
        """Append a header line (used for ``Set-Cookie``; must not merge repeated names)."""
        ...

    def set_header(self, name: str, value: str) -> None:
        """Set a header, replacing any earlier value (used for cache-control headers)."""
        ...


class RefreshCoordinator(Protocol):
    """De-duplicates refresh-token grants: one grant per refresh token, shared by every caller.

    With rotating refresh tokens, two grants with the same token make the provider
    revoke the whole grant (reuse detection), so concurrent requests of one
    session must share a single grant. auth0_async calls :meth:`coordinate` with
    a ``key`` derived from the refresh token (a SHA-256 hex digest, never the token)
    and the requested audience and scope.
    """

    async def coordinate(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        """Return the result of ``fetch()`` for ``key``, calling ``fetch`` at most once per flight.

        Contract:
            * While a flight for ``key`` is in progress (in this process or, for
              shared coordinators, on another instance), other callers wait for it
              and receive its result; they never call ``fetch`` themselves.
            * A successful result (opaque bytes: already encrypted by auth0_async)
              stays available for a short time after the flight (tens of seconds),
              so that requests still carrying the old refresh token get the new
              tokens instead of replaying the rotated-out one.
            * If ``fetch`` raises, every waiter of that flight receives the same
              exception (or one of the same type); a failure is not remembered
              after the flight, so a later call may try again.
            * Cancelling a caller must not abandon a started ``fetch``: it runs to
              completion (it is bounded by the HTTP timeout) and its result is kept.
            * Waiting is bounded: a coordinator never blocks longer than its own
              lock timeout.
        """
        ...
