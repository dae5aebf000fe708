"""What the framework adapters share: the 401 body, the login redirect, the scope of a request.

Framework-free, so that ``auth0_async.starlette``, ``.fastapi``, ``.litestar`` and
``.django`` answer unauthenticated requests the same way: API routes get
:data:`NOT_AUTHENTICATED` as a 401 JSON body (nextjs-auth0's
``withApiAuthRequired`` body), pages are redirected to the login route with
``returnTo`` set to the page's path and query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlencode

from .._core._config import Routes
from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from .._exceptions import AccessTokenError

__all__ = [
    "NOSNIFF",
    "NOT_AUTHENTICATED",
    "access_token_error_body",
    "login_location",
    "redirect_status",
    "resolve_login_path",
    "scope_of_connection",
]

NOT_AUTHENTICATED: Final[Mapping[str, str]] = {
    "error": "not_authenticated",
    "description": "The user does not have an active session or is not authenticated",
}
"""The JSON body of a 401 for an API route without a session."""

NOSNIFF: Final[Mapping[str, str]] = {"x-content-type-options": "nosniff"}
"""Sent with every 401 and login redirect the adapters answer (as the ``/auth/*`` routes do)."""

# RFC 3986 pchar minus "%" (the scope's path is already decoded, so "%" must be re-encoded).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def resolve_login_path(login_path: str | None) -> str:
    """Return the login route's path (the default :class:`Routes` one when ``None``).

    Raises:
        ConfigurationError: ``login_path`` is not a path starting with a single ``/``.

    """
    path = Routes().login if login_path is None else login_path
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith("//")
        or "?" in path
    ):
        raise ConfigurationError("login_path must be a path starting with a single '/'")
    return path


def scope_of_connection(request: object) -> Mapping[str, Any]:
    """Return the ASGI scope behind a framework's request object.

    Raises:
        TypeError: ``request`` carries no ASGI scope (a WSGI request, for example).

    """
    scope = getattr(request, "scope", None)
    if not isinstance(scope, Mapping) or "type" not in scope:
        raise TypeError(
            "auth0_async needs the request's ASGI scope: run the app under an ASGI server "
            "and wrap it with auth0.middleware(app)"
        )
    return scope


def _full_path(scope: Mapping[str, Any]) -> str:
    path = str(scope.get("path", "/")) or "/"
    root = str(scope.get("root_path", ""))
    # Starlette keeps ``root_path`` inside ``path``; Litestar and older servers do not.
    if root and not (path == root or path.startswith(root.rstrip("/") + "/")):
        path = root.rstrip("/") + path
    return path


def login_location(scope: Mapping[str, Any], login_path: str) -> str:
    """Return the login URL (a path) that brings the user back to this request's page.

    ``login_path`` is used as given (as the browser sees it, so include the prefix
    a proxy strips). ``returnTo`` is the request's path (with its ``root_path``
    prefix) and query; the login route only ever keeps it when it is same-origin.
    """
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return_to = quote(_full_path(scope), safe=_PATH_SAFE) + (f"?{query}" if query else "")
    return f"{login_path}?{urlencode({'returnTo': return_to})}"


def redirect_status(scope: Mapping[str, Any]) -> int:
    """307 for ``GET``/``HEAD``; 303 otherwise, so a form ``POST`` becomes a ``GET`` of the login."""
    return 307 if scope.get("method", "GET") in ("GET", "HEAD") else 303


def access_token_error_body(exc: AccessTokenError) -> dict[str, str]:
    """Return the 401 JSON body for an :class:`AccessTokenError`: its stable code and message."""
    return {"error": exc.code, "description": exc.message}
