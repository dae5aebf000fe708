"""A minimal request view over an ASGI scope, for hooks and routes (no framework needed).

The ``Host`` header is client input: nothing here splices it into a URL unless it
is a well-formed ``host[:port]`` (RFC 9110 §7.2, RFC 3986 §3.2.2), and the query
is always the request line's (``scope["query_string"]``), never one parsed back
out of a URL built from ``Host`` (a ``Host: x?a=b#`` would replace it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from .._exceptions import InvalidRequestError
from ._context import scope_of

if TYPE_CHECKING:
    from ._context import RequestContext
    from ._protocols import RequestSource

__all__ = [
    "ScopeHeaders",
    "ScopeRequest",
    "is_valid_host",
    "query_params",
    "request_host",
    "request_origin",
    "request_source",
    "server_host",
]

# A DNS-like name (letters, digits, "_", "-" and inner dots; what the redirect checks in
# ``_oidc._redirects`` accept as a host) or an IPv6 literal, then an optional port.
# ``fullmatch``: ``$`` would accept a final "\n".
_HOST = re.compile(
    r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?"
)


def is_valid_host(value: str) -> bool:
    """Whether ``value`` is a plain ``host[:port]`` that can be put into a URL as it is."""
    match = _HOST.fullmatch(value)
    if match is None:
        return False
    port = match.group(1)
    return port is None or int(port) <= 65535


def request_host(scope: Mapping[str, Any]) -> str | None:
    """Return the ``Host`` header of an ASGI scope, or ``None`` when the request has none.

    Raises:
        InvalidRequestError: the header is repeated or is not a plain ``host[:port]``
            (RFC 9112 §3.2: a server must answer such a request with a 400).

    """
    found: str | None = None
    for key, value in scope.get("headers", ()):
        if key == b"host" or (len(key) == 4 and bytes(key).lower() == b"host"):
            if found is not None:
                raise InvalidRequestError("The request has more than one Host header.")
            found = bytes(value).decode("latin-1")
    if found is not None and not is_valid_host(found):
        raise InvalidRequestError("The request's Host header is not a valid host.")
    return found


def server_host(scope: Mapping[str, Any]) -> str | None:
    """Return ``host:port`` of the scope's ``server`` (IPv6 in brackets), or ``None``.

    ``None`` also for a server that is no TCP address (a Unix socket, say).
    """
    server = scope.get("server")
    if not server or len(server) != 2:
        return None
    host, port = server
    host = f"[{host}]" if ":" in str(host) else str(host)
    value = host if port is None else f"{host}:{port}"
    return value if is_valid_host(value) else None


class ScopeHeaders(Mapping[str, str]):
    """Case-insensitive, read-only headers of an ASGI scope; repeated names are comma-joined."""

    __slots__ = ("_headers",)

    def __init__(self, raw: Any) -> None:
        headers: dict[str, str] = {}
        for key, value in raw:
            name = key.decode("latin-1").lower()
            text = value.decode("latin-1")
            if name in headers:
                headers[name] = f"{headers[name]}{'; ' if name == 'cookie' else ', '}{text}"
            else:
                headers[name] = text
        self._headers = headers

    def __getitem__(self, key: str) -> str:
        return self._headers[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._headers


class ScopeRequest:
    """Implements :class:`~auth0_async.RequestSource` over an ASGI scope."""

    __slots__ = ("_headers", "scope")

    def __init__(self, scope: Mapping[str, Any]) -> None:
        self.scope = scope
        self._headers: ScopeHeaders | None = None

    @property
    def headers(self) -> ScopeHeaders:
        """The request headers."""
        if self._headers is None:
            self._headers = ScopeHeaders(self.scope.get("headers", ()))
        return self._headers

    @property
    def method(self) -> str:
        """The HTTP method (``GET`` for websockets)."""
        return str(self.scope.get("method", "GET"))

    @property
    def path(self) -> str:
        """The request path, without the application's root path."""
        return str(self.scope.get("path", "/"))

    @property
    def query_string(self) -> str:
        """The raw query string (no leading ``?``)."""
        return bytes(self.scope.get("query_string", b"")).decode("latin-1")

    @property
    def url(self) -> str:
        """The absolute request URL, from the scope's scheme, Host header (or server) and path.

        A ``Host`` header that is not a plain ``host[:port]`` is ignored (the server's
        address is used instead), so the URL always parses back to this request's query.
        """
        scope = self.scope
        scheme = scope.get("scheme", "http")
        try:
            host = request_host(scope)
        except InvalidRequestError:
            host = None
        if not host:
            host = server_host(scope) or "localhost"
        path = f"{scope.get('root_path', '')}{scope.get('path', '/')}"
        query = self.query_string
        return f"{scheme}://{host}{path}{'?' + query if query else ''}"


def request_source(ctx: RequestContext) -> RequestSource:
    """Return the context's request as a :class:`RequestSource` (wrapping a bare ASGI scope)."""
    request = ctx.request
    if isinstance(request, Mapping):
        return ScopeRequest(request)
    return request  # type: ignore[return-value]


def _split_url(ctx: RequestContext) -> SplitResult:
    try:
        parts = urlsplit(str(request_source(ctx).url))
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise InvalidRequestError("The request's URL (or Host header) is not valid.") from None
    return parts


def request_origin(ctx: RequestContext) -> tuple[str, str]:
    """Return the request's scheme and ``host[:port]``, as the client addressed it.

    The host is the ``Host`` header (else the server's address), and only when
    it is a plain ``host[:port]``.

    Raises:
        InvalidRequestError: the ``Host`` header is repeated or malformed, or
            there is no usable host at all.

    """
    scope = scope_of(ctx.request)
    if scope is not None:
        scheme = str(scope.get("scheme") or "http")
        host = request_host(scope) or server_host(scope)
    else:
        parts = _split_url(ctx)
        scheme, host = parts.scheme, parts.netloc
    if not host or not is_valid_host(host):
        raise InvalidRequestError("The request's Host header is not a valid host.")
    return scheme, host


def query_params(ctx: RequestContext) -> dict[str, str]:
    """Return the first value of each query parameter of the context's request.

    The query is the request line's (``scope["query_string"]``) whenever the
    request carries an ASGI scope; only a bare :class:`RequestSource` is read
    through its ``url``.

    Raises:
        InvalidRequestError: more than 200 parameters, or a ``url`` that does not parse.

    """
    scope = scope_of(ctx.request)
    if scope is not None:  # the request line's query, never one re-parsed from a URL (Host)
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
    else:
        query = _split_url(ctx).query
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=200)
    except ValueError:
        raise InvalidRequestError("The request has too many query parameters.") from None
    for key, value in pairs:
        params.setdefault(key, value)
    return params
