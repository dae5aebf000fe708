"""A minimal request view over an ASGI scope, for hooks and routes (no framework needed).

The ``Host`` header is client input: nothing here splices it into a URL unless it
is a well-formed ``host[:port]`` (RFC 9110 §7.2, RFC 3986 §3.2.2), and the query
is always the request line's (``scope["query_string"]``), never one parsed back
out of a URL built from ``Host`` (a ``Host: x?a=b#`` would replace it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .._exceptions import InvalidRequestError

__all__ = ["ScopeHeaders", "ScopeRequest", "is_valid_host", "request_host", "server_host"]

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
