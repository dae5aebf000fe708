"""Which status code answers which failure, and the plain-text answers the routes give."""

from __future__ import annotations

from .._core._responses import RouteResponse
from .._exceptions import (
    Auth0Error,
    AuthorizationError,
    InvalidRequestError,
    OAuthError,
    SessionStoreError,
    TokenValidationError,
    TransactionError,
    TransportError,
)

__all__ = ["UNAVAILABLE", "error_response", "error_status"]

UNAVAILABLE = RouteResponse.text("The session store is unavailable. Please try again shortly.", 503)
"""The answer while the session store is down: a 503, never a logout."""


def error_status(error: Auth0Error) -> int:
    """Return the HTTP status for an auth route's failure."""
    if isinstance(
        error, (TransactionError, AuthorizationError, TokenValidationError, InvalidRequestError)
    ):
        return 400
    if isinstance(error, OAuthError) and error.error == "invalid_grant":
        return 400  # a replayed, expired or foreign authorization code: the client's request
    if isinstance(error, SessionStoreError):
        return 503
    if isinstance(error, (TransportError, OAuthError)):
        return 502
    return 500


def error_response(error: Auth0Error) -> RouteResponse:
    """Return the default plain-text answer for an auth route error (no internals, no secrets)."""
    return RouteResponse.text(error.message, error_status(error))
