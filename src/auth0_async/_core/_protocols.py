"""The seams: small Protocols that adapters implement and users may implement too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from contextlib import AbstractContextManager

    from ._models import SessionData

__all__ = [
    "RefreshCoordinator",
    "ReplayCache",
    "RequestSource",
    "ResponseSink",
    "SecretValue",
    "SessionStore",
    "Span",
    "SpanValue",
    "Tracer",
]

SpanValue: TypeAlias = "str | int | float | bool"
"""A span attribute's value."""


class SecretValue(Protocol):
    """A wrapped secret, such as pydantic's ``SecretStr``, accepted wherever a secret string is.

    auth0_async calls ``get_secret_value()`` once, when the client is created, and
    never shows the value in a repr, a log line or an error.
    """

    def get_secret_value(self) -> str:
        """Return the secret string."""
        ...


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
            * A successful result (opaque ASCII bytes: already encrypted by
              auth0_async, and bound to ``key`` and to the session's user, so a
              value served under another key is refused, never adopted)
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
            * A coordinator whose results never leave the process may declare a
              class attribute ``in_process = True``: its results are then
              bound to their key and user but not encrypted.
        """
        ...


class SessionStore(Protocol):
    """Where stateful sessions live; the browser's cookie then holds only an encrypted session id.

    Implementations hold :class:`~auth0_async.SessionData` as they see fit
    (``auth0_async.stores`` serializes it with msgspec). ``auth0_async.testing.
    check_session_store(factory)`` checks any implementation against this contract.

    Contract, for every method:
        * ``id`` is an opaque string of at most 64 URL-safe characters, minted by
          auth0_async; stores must not interpret it.
        * ``expires_at`` is an epoch second: the record must disappear (or read as
          missing) no later than then; stores should use a native TTL.
        * A store failure (backend unreachable, timeout, corrupt data) raises an
          exception, ideally :class:`~auth0_async.SessionStoreError`; auth0_async
          wraps anything else into one. Never return ``None`` for a failure: that
          would log the user out.
        * Calls must be safe to run concurrently.
    """

    async def get(self, id: str) -> SessionData | None:
        """Return the session stored under ``id``, or ``None`` if there is none (or it expired)."""
        ...

    async def set(self, id: str, session: SessionData, *, expires_at: int) -> None:
        """Create or replace the session under ``id``, expiring at ``expires_at``."""
        ...

    async def update(self, id: str, session: SessionData, *, expires_at: int) -> bool:
        """Replace the session under ``id`` only if it still exists; return whether it did.

        Must be atomic: a rolling write racing a logout (or a back-channel logout)
        must never bring a deleted session back.
        """
        ...

    async def delete(self, id: str) -> None:
        """Delete the session under ``id``; deleting a missing one is not an error."""
        ...

    async def delete_by_logout_token(
        self, *, sid: str | None, sub: str | None, iss: str | None
    ) -> int:
        """Delete the sessions a back-channel logout token names; return how many were deleted.

        With ``sid``: the sessions whose ``internal.sid`` equals it (and whose
        ``user.sub`` equals ``sub`` when that is given too). Without ``sid``: every
        session of ``sub``. ``iss`` is the token's issuer; stores serving a single
        issuer may ignore it. Must work across every instance sharing the store.
        """
        ...


class ReplayCache(Protocol):
    """Remembers accepted logout-token ``jti`` values, so a replayed token is refused.

    auth0_async calls :meth:`remember_jti` only after every other check of a
    logout token passed. Implement it on your own :class:`~auth0_async.SessionStore`
    (beside its five methods) to share the memory between app instances.
    """

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        """Remember ``jti`` from ``issuer`` until ``until``; return ``False`` if it already was.

        Contract:
            * Atomic for everyone sharing the memory: of any number of calls
              with one ``(issuer, jti)`` while it is remembered, exactly one
              returns ``True`` (that token is accepted, every other call is a
              replay).
            * ``now`` and ``until`` are epoch seconds on the caller's clock;
              keep the entry for at least ``until - now`` seconds. After that it
              may be forgotten (the token is then refused as too old anyway).
            * Failures raise; auth0_async reports them as
              :class:`~auth0_async.SessionStoreError` and answers 503, so the
              provider retries: a token is never accepted unremembered.
        """
        ...


class Span(Protocol):
    """One traced operation, open while its ``with`` block runs."""

    def set_attribute(self, key: str, value: SpanValue) -> None:
        """Record one attribute (a status code, a count); never a token or a secret."""
        ...


class Tracer(Protocol):
    """Opens spans around the slow, remote parts of auth0_async: the seam tracing plugs into.

    auth0_async calls :meth:`span` for a login, a callback, a refresh, a logout,
    each provider request and each session-store write; never on the
    per-request session read. An exception leaving the ``with`` block marks
    the span failed (the implementation records it). ``auth0_async.otel``
    implements it over OpenTelemetry.
    """

    def span(self, name: str, attributes: Mapping[str, SpanValue]) -> AbstractContextManager[Span]:
        """Return a context manager that opens the span ``name`` and closes it on exit."""
        ...
