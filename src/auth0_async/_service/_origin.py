"""The app's own origin for a request: configured ``app_base_url`` values, or the request's.

Without ``app_base_url`` the origin comes from the request, so a server that
does not apply a TLS-terminating proxy's ``X-Forwarded-Proto`` sees ``http``
and builds ``http://`` callback URLs. :class:`AppOrigin` says so once: a
:class:`SecurityWarning` and the log event ``auth0_async.proxy.insecure_request``.
"""

from __future__ import annotations

import ipaddress
import logging
import warnings
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._core._context import scope_of
from .._core._request import request_origin
from .._exceptions import InvalidRequestError, SecurityWarning
from .._oidc import safe_return_to

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._core._context import RequestContext

__all__ = ["AppOrigin", "origin_of"]

logger = logging.getLogger("auth0_async")

_PROXY_ADVICE = (
    "auth0_async builds its callback and logout URLs from the request because app_base_url "
    "is not set, and a login request arrived over plain http {why}. Behind a proxy that "
    "terminates TLS, set app_base_url (or APP_BASE_URL), or let the server apply the proxy's "
    "headers (uvicorn --proxy-headers --forwarded-allow-ips=<proxy address>, hypercorn "
    "ProxyFixMiddleware, ...); otherwise the callback URL is http:// and the provider may "
    "refuse it or send the code over plain http."
)


def origin_of(base: str) -> str:
    """Return ``scheme://host[:port]`` of a base URL."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


class AppOrigin:
    """Where the app lives, per request, and the same-origin checks that depend on it."""

    __slots__ = ("_bases", "_callback_path", "_proxy_settled")

    def __init__(self, app_base_urls: Sequence[str], callback_path: str | None) -> None:
        self._bases = tuple(app_base_urls)
        self._callback_path = callback_path or ""
        # Whether the proxy check has nothing left to say: it warned, or saw https.
        self._proxy_settled = bool(self._bases)

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
        if not self._proxy_settled:
            self._check_proxy(ctx, scheme)
        return origin

    def _check_proxy(self, ctx: RequestContext, scheme: str) -> None:
        """Warn once when plain http comes from afar or through a proxy whose headers went unused.

        Loopback clients (local development) and clients that are no IP
        address (Starlette's ``testclient``, a Unix socket) never warn.
        """
        if scheme == "https":
            self._proxy_settled = True  # the server sees https: the deployment is right
            return
        scope = scope_of(ctx.request)
        if scope is None:
            return  # a bare RequestSource: no client address to judge by
        why = _insecure_because(scope)
        if why is None:
            return
        self._proxy_settled = True
        message = _PROXY_ADVICE.format(why=why)
        logger.warning(message, extra={"event": "auth0_async.proxy.insecure_request"})
        warnings.warn(message, SecurityWarning, stacklevel=2)

    def redirect_uri(self, base: str) -> str:
        """Return the callback URL under ``base``."""
        return f"{base}{self._callback_path}"

    @staticmethod
    def safe_path(value: str | None, base: str, default: str) -> str:
        """Return ``value`` as a same-origin path under ``base``, or ``default``."""
        return safe_return_to(value, base_url=base + "/", default=default)


def _insecure_because(scope: Any) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() in (b"x-forwarded-proto", b"forwarded") and b"https" in value.lower():
            return "although a proxy forwarded it as https (its headers were not applied)"
    client = scope.get("client")
    host = client[0] if isinstance(client, (tuple, list)) and client else None
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return None
    if address.is_loopback or (
        isinstance(address, ipaddress.IPv6Address)
        and address.ipv4_mapped is not None
        and address.ipv4_mapped.is_loopback
    ):
        return None
    return "from a client that is not on this machine"
