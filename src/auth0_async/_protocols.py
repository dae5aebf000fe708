"""The seams: small Protocols that adapters implement and users may implement too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RequestSource", "ResponseSink"]


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
