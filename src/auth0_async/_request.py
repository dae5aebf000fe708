"""A minimal request view over an ASGI scope, for hooks and routes (no framework needed)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ScopeHeaders", "ScopeRequest"]


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
        """The absolute request URL, from the scope's scheme, Host header (or server) and path."""
        scope = self.scope
        scheme = scope.get("scheme", "http")
        host = self.headers.get("host")
        if not host:
            server = scope.get("server")
            host = f"{server[0]}:{server[1]}" if server else "localhost"
        path = f"{scope.get('root_path', '')}{scope.get('path', '/')}"
        query = self.query_string
        return f"{scheme}://{host}{path}{'?' + query if query else ''}"
