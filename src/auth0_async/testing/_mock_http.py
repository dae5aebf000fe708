"""Plain-ASGI plumbing for :class:`~auth0_async.testing.MockAuth0`: requests, replies, forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import msgspec

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .._types import Receive, Scope, Send

__all__ = [
    "MAX_BODY_BYTES",
    "OAuthFailure",
    "Reply",
    "Request",
    "parse_params",
    "with_query",
]

MAX_BODY_BYTES = 64 * 1024
_MAX_FIELDS = 100
_NO_STORE = (("cache-control", "no-store"), ("pragma", "no-cache"))


@dataclass(slots=True)
class Request:
    """One HTTP request: method, path, lower-cased headers, query, and a lazily read body."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    receive: Receive

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive) -> Request:
        """Build a request from an ASGI ``http`` scope (repeated headers are joined with ``,``)."""
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name == "cookie" and name in headers:
                headers[name] += "; " + value
            elif name in headers:
                headers[name] += ", " + value
            else:
                headers[name] = value
        return cls(
            method=scope.get("method", "GET").upper(),
            path=scope.get("path", "/"),
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            receive=receive,
        )

    def cookie(self, name: str) -> str | None:
        """Return the value of cookie ``name``, if sent."""
        for part in self.headers.get("cookie", "").split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key == name:
                return value
        return None

    async def body(self) -> bytes | None:
        """Read the body; ``None`` when it exceeds :data:`MAX_BODY_BYTES`."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def form(self) -> dict[str, str]:
        """Read an ``application/x-www-form-urlencoded`` body.

        Raises:
            OAuthFailure: ``invalid_request`` for another content type, an
                oversized or undecodable body, or a repeated parameter.

        """
        content_type = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthFailure(
                "invalid_request", "the body must be application/x-www-form-urlencoded"
            )
        raw = await self.body()
        if raw is None:
            raise OAuthFailure("invalid_request", "the request body is too large")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise OAuthFailure("invalid_request", "the request body is not UTF-8") from None
        params, repeated = parse_params(text)
        if params is None:
            raise OAuthFailure("invalid_request", "the request body is not a valid form")
        if repeated:
            raise OAuthFailure("invalid_request", f"parameter {min(repeated)} is repeated")
        return params


def parse_params(text: str) -> tuple[dict[str, str] | None, set[str]]:
    """Parse a query string or form body into ``(params, repeated names)``.

    ``params`` is ``None`` when the text cannot be parsed (too many fields).
    Empty values count as absent, as RFC 6749 §3.1 asks.
    """
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError:
        return None, set()
    params: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in pairs:
        if name in params:
            repeated.add(name)
        if value:
            params[name] = value
    return params, repeated


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """Return ``url`` with ``params`` (``None`` values left out) added to its query."""
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    if not query:
        return url
    separator = "&" if "?" in url else "?"
    if url.endswith(("?", "&")):
        separator = ""
    return f"{url}{separator}{query}"


class OAuthFailure(Exception):
    """An OAuth error answer (RFC 6749 §5.2): raised by an endpoint, sent as JSON."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = list(headers)

    def reply(self) -> Reply:
        """Return the JSON error response."""
        return Reply.json(
            {"error": self.error, "error_description": self.description},
            status=self.status,
            headers=self.headers,
        )


_JSON = msgspec.json.Encoder()
_HTML_HEADERS = (
    ("content-type", "text/html; charset=utf-8"),
    # No script at all; inline styles only; nothing may frame the login page.
    (
        "content-security-policy",
        (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; frame-ancestors 'none'"
        ),
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    *_NO_STORE,
)


@dataclass(slots=True)
class Reply:
    """Status, headers and body of one response."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(
        cls, data: Any, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> Reply:
        """Build a JSON response that no cache keeps (tokens and errors alike)."""
        return cls(
            status,
            [("content-type", "application/json"), *_NO_STORE, *headers],
            _JSON.encode(data),
        )

    @classmethod
    def html(
        cls, page: str, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> Reply:
        """Build an HTML page response with a strict content security policy."""
        return cls(status, [*_HTML_HEADERS, *headers], page.encode("utf-8"))

    @classmethod
    def redirect(
        cls, location: str, *, status: int = 302, headers: Iterable[tuple[str, str]] = ()
    ) -> Reply:
        """Build a redirect to ``location`` (already validated by the caller)."""
        return cls(status, [("location", location), *_NO_STORE, *headers])

    async def send(self, send: Send) -> None:
        """Send this response over ASGI."""
        headers = [(b"content-length", str(len(self.body)).encode("ascii"))]
        for name, value in self.headers:
            if any(c in value for c in "\r\n\x00"):
                raise ValueError(f"refusing a control character in the {name!r} header")
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
