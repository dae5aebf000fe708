"""A framework-free HTTP response for the ``/auth/*`` routes and the ``on_callback`` hook."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from ._cookies import is_token

if TYPE_CHECKING:
    from .._types import Send

__all__ = ["RouteResponse"]

_JSON = msgspec.json.Encoder()


_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NOSNIFF = ("x-content-type-options", "nosniff")
_ENCODED_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _check_header(name: str, value: str) -> None:
    if not is_token(name):
        raise ValueError(f"refusing a control character or separator in header name {name!r}")
    if _BAD_VALUE.search(value) is not None:
        raise ValueError(f"refusing a control character in the {name!r} header")


@dataclass(slots=True)
class RouteResponse:
    """Status, headers and body of one response produced by auth0_async.

    Cookie writes queued during the request are added by the middleware, so a
    response built here never carries ``Set-Cookie`` itself. Every response
    says ``X-Content-Type-Options: nosniff``: the constructors add it, and
    :meth:`send` adds it to one built by hand (an ``on_callback`` answer) that
    does not set the header itself.

    Raises:
        ValueError: a header name or value contains CR, LF or NUL.

    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse invalid header names and control characters in header values.

        Raises:
            ValueError: a header is invalid.

        """
        for name, value in self.headers:
            _check_header(name, value)

    @classmethod
    def redirect(cls, location: str, status: int = 307) -> RouteResponse:
        """Redirect to ``location`` (which the caller has already validated)."""
        return cls(status, [("location", location), ("content-length", "0"), _NOSNIFF])

    @classmethod
    def text(cls, message: str, status: int) -> RouteResponse:
        """Build a plain-text response (never HTML, so messages cannot inject markup)."""
        body = message.encode("utf-8")
        return cls(
            status,
            [
                ("content-type", "text/plain; charset=utf-8"),
                ("content-length", str(len(body))),
                _NOSNIFF,
            ],
            body,
        )

    @classmethod
    def json(cls, data: Any, status: int = 200) -> RouteResponse:
        """Build a JSON response."""
        body = _JSON.encode(data)
        return cls(
            status,
            [("content-type", "application/json"), ("content-length", str(len(body))), _NOSNIFF],
            body,
        )

    @classmethod
    def empty(cls, status: int) -> RouteResponse:
        """Build a response with no body (``204``, ``401`` …)."""
        return cls(status, [("content-length", "0"), _NOSNIFF])

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name`` (case-insensitive), or ``None``."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    async def send(self, send: Send) -> None:
        """Send this response over an ASGI ``send`` callable.

        Raises:
            ValueError: a header (possibly changed after construction) is invalid.

        """
        self.check()
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        if not any(k == _ENCODED_NOSNIFF[0] for k, _ in headers):
            headers.append(_ENCODED_NOSNIFF)
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})
