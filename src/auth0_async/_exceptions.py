"""Every error auth0_async raises, in one shallow tree.

::

    Auth0Error                          code
    ├── ConfigurationError              invalid_configuration
    ├── InvalidRequestError             invalid_request
    ├── RequestContextError             missing_request_context
    ├── SessionError                    session_error
    │   └── MissingSessionError         missing_session
    ├── TransportError                  transport_error
    │   └── DiscoveryError              discovery_error
    ├── OAuthError                      <the server's ``error`` value>
    ├── AuthorizationError              authorization_error
    ├── TransactionError                transaction_error
    │   ├── MissingStateError           missing_state
    │   └── InvalidStateError           invalid_state
    ├── TokenValidationError            invalid_token
    │   └── KeyNotFoundError            key_not_found
    ├── AccessTokenError                missing_session | missing_refresh_token |
    │                                   failed_to_refresh_token | session_expired
    ├── BackchannelLogoutError          backchannel_logout_error
    └── SessionStoreError               session_store_error

    SecurityWarning (a ``UserWarning``) flags an explicitly weakened setting.

Every class has a stable ``code`` (a class attribute, overridden per instance
where the reference has several codes) so that callers can branch on strings
that survive refactors, and so HTTP error bodies can carry them. Messages never
contain secrets, tokens or cookie values.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AccessTokenError",
    "Auth0Error",
    "AuthorizationError",
    "BackchannelLogoutError",
    "ConfigurationError",
    "DiscoveryError",
    "InvalidRequestError",
    "InvalidStateError",
    "KeyNotFoundError",
    "MissingSessionError",
    "MissingStateError",
    "OAuthError",
    "RequestContextError",
    "SecurityWarning",
    "SessionError",
    "SessionStoreError",
    "TokenValidationError",
    "TransactionError",
    "TransportError",
]


class Auth0Error(Exception):
    """Base class of every error raised by auth0_async."""

    code: ClassVar[str] = "auth0_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigurationError(Auth0Error):
    """Raised when an option is missing or invalid, as soon as it is needed."""

    code = "invalid_configuration"


class InvalidRequestError(Auth0Error):
    """Raised when a request to an auth route carries an invalid parameter (an HTTP 400)."""

    code = "invalid_request"


class RequestContextError(Auth0Error):
    """Raised when a request-bound call runs outside a request bound by the middleware."""

    code = "missing_request_context"


class SessionError(Auth0Error):
    """Raised when a session cannot be written (reads return ``None`` instead)."""

    code = "session_error"


class MissingSessionError(SessionError):
    """Raised by ``update_session`` when the request carries no session to update."""

    code = "missing_session"


class TransportError(Auth0Error):
    """Raised when the identity provider cannot be reached, times out, or answers garbage."""

    code = "transport_error"


class DiscoveryError(TransportError):
    """Raised when OIDC discovery or the JWKS cannot be fetched or is invalid."""

    code = "discovery_error"


class OAuthError(Auth0Error):
    """Raised when the authorization server answers with an OAuth error body.

    Attributes:
        error: the server's ``error`` code (also available as ``code``).
        error_description: the server's ``error_description``, if any.
        status: the HTTP status of the response, if it came from one.

    """

    def __init__(
        self,
        error: str,
        error_description: str | None = None,
        *,
        status: int | None = None,
    ) -> None:
        message = error if not error_description else f"{error}: {error_description}"
        super().__init__(message)
        self.error = error
        self.error_description = error_description
        self.status = status
        self.code = error  # type: ignore[misc]


class AuthorizationError(Auth0Error):
    """Raised when the callback carries ``error=`` from the authorization server."""

    code = "authorization_error"

    def __init__(self, message: str, *, cause: OAuthError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class TransactionError(Auth0Error):
    """Raised when a login transaction is missing, expired or does not match."""

    code = "transaction_error"


class MissingStateError(TransactionError):
    """Raised when the callback has no ``state`` parameter."""

    code = "missing_state"


class InvalidStateError(TransactionError):
    """Raised when no valid transaction cookie matches the callback's ``state``."""

    code = "invalid_state"


class TokenValidationError(Auth0Error):
    """Raised when an ID token or logout token fails validation (signature or claims)."""

    code = "invalid_token"


class KeyNotFoundError(TokenValidationError):
    """Raised when no key in the JWKS matches a token's ``kid`` and ``alg``.

    Distinct from other validation failures because it may mean the provider
    rotated its keys: the caller may refetch the JWKS once and retry.
    """

    code = "key_not_found"


class AccessTokenError(Auth0Error):
    """Raised when no usable access token can be returned.

    ``code`` is one of ``missing_session``, ``missing_refresh_token``,
    ``failed_to_refresh_token`` or ``session_expired``; ``cause`` carries the
    provider's error when a refresh failed.
    """

    code = "access_token_error"

    def __init__(self, code: str, message: str, *, cause: OAuthError | None = None) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]
        self.cause = cause


class BackchannelLogoutError(Auth0Error):
    """Raised when a back-channel logout request or its logout token is invalid."""

    code = "backchannel_logout_error"


class SessionStoreError(Auth0Error):
    """Raised when a stateful session store fails (unreachable, timed out, corrupt)."""

    code = "session_store_error"


class SecurityWarning(UserWarning):
    """Warns that a security-relevant setting was explicitly weakened."""
