"""The app's own origin for a request: configured ``app_base_url`` values, or the request's."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._core._request import request_origin
from .._exceptions import InvalidRequestError
from .._oidc import safe_return_to

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core._context import RequestContext

__all__ = ["AppOrigin", "origin_of"]


def origin_of(base: str) -> str:
    """Return ``scheme://host[:port]`` of a base URL."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


class AppOrigin:
    """Where the app lives, per request, and the same-origin checks that depend on it."""

    __slots__ = ("_bases", "_callback_path")

    def __init__(self, app_base_urls: Sequence[str], callback_path: str | None) -> None:
        self._bases = tuple(app_base_urls)
        self._callback_path = callback_path or ""

    def base_url(self, ctx: RequestContext) -> str:
        """Return the app's base URL for this request: configured, or inferred from the request.

        Raises:
            InvalidRequestError: the request's origin is not an allowed base URL,
                or its Host header cannot be trusted to build one.

        """
        if len(self._bases) == 1:
            return self._bases[0]  # the request's Host plays no part
        scheme, host = request_origin(ctx)
        origin = f"{scheme}://{host}".lower()
        if self._bases:
            for url in self._bases:
                if url.startswith(origin) and (len(url) == len(origin) or url[len(origin)] == "/"):
                    return url
            raise InvalidRequestError(
                "The request's origin is not one of the configured app_base_url values."
            )
        if scheme not in ("http", "https"):
            raise InvalidRequestError("The request's scheme is not http or https.")
        return origin

    def redirect_uri(self, base: str) -> str:
        """Return the callback URL under ``base``."""
        return f"{base}{self._callback_path}"

    @staticmethod
    def safe_path(value: str | None, base: str, default: str) -> str:
        """Return ``value`` as a same-origin path under ``base``, or ``default``."""
        return safe_return_to(value, base_url=base + "/", default=default)
