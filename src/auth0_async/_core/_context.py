"""The per-request state: the request's cookies (updated by writes), pending response headers.

A :class:`RequestContext` is what the middleware binds into a context variable
for the length of one request. Reads after a write in the same request see the
written value ("read-after-write"), because writes update the cookie jar too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import SessionError
from ._cookies import (
    NEEDS_PARSE,
    CookieAttributes,
    chunk_names,
    deletion,
    find_cookie_span,
    parse_cookie_header,
    set_cookie,
)

if TYPE_CHECKING:
    from ._models import SessionData
    from ._protocols import RequestSource

__all__ = [
    "CACHE_HEADERS",
    "CONNECTION_COOKIE_PREFIX",
    "UNREAD",
    "RequestContext",
    "scope_of",
]

CACHE_HEADERS: Final = (
    ("cache-control", "private, no-cache, no-store, must-revalidate, max-age=0"),
    ("pragma", "no-cache"),
    ("expires", "0"),
)
"""Headers added to every response that writes a session cookie (no CDN may cache it)."""

CONNECTION_COOKIE_PREFIX: Final = "__FC_"
"""nextjs-auth0 v4 (stateless) keeps Token Vault connection tokens in ``__FC_<index>`` cookies."""


class _Unread:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD: Final = _Unread()


def _cookie_header_from_scope(scope: Mapping[str, Any]) -> str:
    # ASGI servers send lower-case header names (the spec requires it); the second test is
    # for hand-built scopes in tests and adapters. HTTP/2 may split cookies over headers.
    header = ""
    for k, v in scope.get("headers", ()):
        if k == b"cookie" or (len(k) == 6 and k.lower() == b"cookie"):
            value = v.decode("latin-1")
            header = f"{header}; {value}" if header else value
    return header


def scope_of(request: object) -> Mapping[str, Any] | None:
    """Return the ASGI scope behind ``request`` (a scope itself, or a Starlette-like request)."""
    if type(request) is dict:  # an ASGI server's scope
        return request if "type" in request else None
    scope = getattr(request, "scope", None)
    if type(scope) is dict or isinstance(scope, Mapping):
        return scope
    if isinstance(request, Mapping) and "type" in request:
        return request
    return None


class RequestContext:
    """Cookies of one request, and the cookie writes its response will carry."""

    __slots__ = (
        "_cookie_header",
        "_cookies",
        "_early_writes",
        "_known_value",
        "bound",
        "closed",
        "https",
        "no_store",
        "pending",
        "request",
        "session",
        "session_expired",
        "session_written",
    )

    session_expired: bool
    """Set (only) when the read found a session past its upstream ``session_expiry`` ceiling.

    Left unset otherwise, so the per-request constructor pays nothing for it:
    read it with ``getattr(ctx, "session_expired", False)``.
    """

    def __init__(self, cookie_header: str, https: bool, request: object) -> None:
        self._cookie_header = cookie_header
        self._cookies: dict[str, str] | None = None
        # Writes made before anything needed the whole jar: applied when the header is
        # parsed, so a read-then-roll request never parses it (``None``: deleted).
        self._early_writes: dict[str, str | None] | None = None
        # Where the longest value found without parsing sits in the header: no cookie name
        # can start inside it, so scans for names skip it (it is most of a session header).
        self._known_value: tuple[int, int] = (0, 0)
        self.https = https
        self.request = request
        self.pending: dict[str, str] = {}
        self.no_store = False
        # No cookie, no session (in either store): nothing to read.
        self.session: SessionData | None | _Unread = UNREAD if cookie_header else None
        self.session_written = False
        self.bound = False
        """Whether the middleware bound this context (it will send the queued cookies)."""
        self.closed: str | None = None
        """Why cookies can no longer be written for this request (``None`` while they can)."""

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any], request: object | None = None) -> RequestContext:
        """Build a context from an ASGI HTTP scope."""
        scheme = scope.get("scheme")
        return cls(
            _cookie_header_from_scope(scope),
            scheme == "https" or scheme == "wss",
            scope if request is None else request,
        )

    @classmethod
    def from_source(cls, source: RequestSource) -> RequestContext:
        """Build a context from anything implementing :class:`RequestSource`."""
        header = source.headers.get("cookie") or ""
        return cls(header, str(source.url).startswith("https:"), source)

    @property
    def has_cookies(self) -> bool:
        """Whether the request sent any cookie at all (cheap, no parsing)."""
        return (
            bool(self._cookie_header) or self._cookies is not None or self._early_writes is not None
        )

    def cookie(self, name: str) -> str | None:
        """Return one cookie's value (cheaper than :attr:`cookies` while nothing was parsed)."""
        if self._cookies is not None:
            return self._cookies.get(name)
        early = self._early_writes
        if early is not None and name in early:
            return early[name]
        header = self._cookie_header
        span = find_cookie_span(header, name)
        if type(span) is not tuple:
            if span is NEEDS_PARSE:
                return self.cookies.get(name)  # parse once, and keep it for later lookups
            return None
        start, end = span
        if end - start > self._known_value[1] - self._known_value[0]:
            self._known_value = span
        return header[start:end].strip()

    @property
    def cookies(self) -> dict[str, str]:
        """The request's cookies, as updated by writes made during this request."""
        if self._cookies is None:
            jar = parse_cookie_header(self._cookie_header)
            if self._early_writes is not None:
                for name, value in self._early_writes.items():
                    if value is None:
                        jar.pop(name, None)
                    else:
                        jar[name] = value
                self._early_writes = None
            self._cookies = jar
        return self._cookies

    def names_starting(self, prefixes: tuple[str, ...]) -> list[str]:
        """Return the jar's cookie names that start with any of ``prefixes``.

        Answers without parsing the header when no prefix occurs in it at all.
        """
        jar = self._cookies
        if jar is None:
            header = self._cookie_header
            start, end = self._known_value
            for prefix in prefixes:
                if header.find(prefix, 0, start) >= 0 or header.find(prefix, end) >= 0:
                    jar = self.cookies
                    break
            else:
                names: list[str] = []
                for name, value in (self._early_writes or {}).items():  # a loop: no frame
                    if value is not None and name.startswith(prefixes):
                        names.append(name)
                return names
        return [n for n in jar if n.startswith(prefixes)]

    def _jar_set(self, name: str, value: str | None) -> None:
        jar = self._cookies
        if jar is None:
            if self._early_writes is None:
                self._early_writes = {}
            self._early_writes[name] = value
        elif value is None:
            jar.pop(name, None)
        else:
            jar[name] = value

    def set_cookie(
        self,
        name: str,
        value: str,
        attributes: CookieAttributes,
        max_age: int | None,
        now: float,
        encoded: bool = False,
    ) -> None:
        """Queue a ``Set-Cookie`` and update the jar (``encoded``: see :func:`set_cookie`).

        Raises:
            SessionError: the response has already started (or the request is a websocket).

        """
        if self.closed is not None:
            raise SessionError(self.closed)
        self.pending[name] = set_cookie(name, value, attributes, max_age, now, encoded)
        if self._cookies is None:
            self._jar_set(name, value)
        else:
            self._cookies[name] = value

    def delete_cookie(self, name: str, attributes: CookieAttributes) -> None:
        """Queue a deletion and remove the cookie from the jar.

        Raises:
            SessionError: the response has already started (or the request is a websocket).

        """
        self._check_open()
        self.pending[name] = deletion(name, attributes)
        self._jar_set(name, None)

    def delete_family(
        self,
        name: str,
        attributes: CookieAttributes,
        *,
        legacy: bool = False,
        chunks_only: bool = False,
    ) -> None:
        """Queue deletion of a cookie and its chunks, where the request carries them.

        Chunks are ``name__N`` (``name.N`` when ``legacy``); ``chunks_only`` keeps ``name``.

        Raises:
            SessionError: the response has already started (or the request is a websocket).

        """
        cookies = self.cookies
        chunks = chunk_names(cookies, name, legacy=legacy)
        for index in sorted(chunks):
            self.delete_cookie(chunks[index], attributes)
        if not chunks_only and name in cookies:
            self.delete_cookie(name, attributes)

    def delete_connection_cookies(self, attributes: CookieAttributes) -> None:
        """Queue deletion of nextjs-auth0's ``__FC_<digits>`` cookies, where the request has them.

        nextjs-auth0 v4 attaches every such cookie it can decrypt to whatever session
        it reads (as ``connectionTokenSets``), so they must go whenever the session
        they belong to ends or is replaced by another login. ``attributes`` are the
        session cookie's, which nextjs-auth0 writes and deletes them with.

        Raises:
            SessionError: the response has already started (or the request is a websocket).

        """
        prefix = CONNECTION_COOKIE_PREFIX
        for name in self.names_starting((prefix,)):
            index = name[len(prefix) :]
            if index.isdigit() and index.isascii():  # nextjs-auth0's /^\d+$/
                self.delete_cookie(name, attributes)

    def _check_open(self) -> None:
        if self.closed is not None:
            raise SessionError(self.closed)

    def take_pending(self) -> list[str]:
        """Return and clear the queued ``Set-Cookie`` values."""
        lines = list(self.pending.values())
        self.pending.clear()
        return lines
