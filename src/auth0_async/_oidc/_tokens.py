"""Token endpoint requests and responses (RFC 6749 §4.1.3, §5, §6), without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .._exceptions import OAuthError, TransportError

__all__ = [
    "TokenResponse",
    "authorization_code_form",
    "json_answer",
    "oauth_error_from",
    "parse_token_response",
    "refresh_token_form",
]

_TOKEN_TYPES = frozenset({"bearer", "dpop"})


class TokenResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A successful token response; members other than these are ignored."""

    access_token: str
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    scope: str | None = None

    def expires_at(self, now: float) -> int | None:
        """Return the access token's expiry as epoch seconds (``floor(now) + expires_in``)."""
        return None if self.expires_in is None else int(now) + self.expires_in

    def __repr__(self) -> str:
        return (
            f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in!r}, "
            f"scope={self.scope!r}, refresh_token={'<set>' if self.refresh_token else None}, "
            f"id_token={'<set>' if self.id_token else None})"
        )


def authorization_code_form(*, code: str, redirect_uri: str, code_verifier: str) -> dict[str, str]:
    """Return the form for the ``authorization_code`` grant with PKCE."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }


def refresh_token_form(
    *, refresh_token: str, scope: str | None = None, audience: str | None = None
) -> dict[str, str]:
    """Return the form for the ``refresh_token`` grant; ``scope``/``audience`` only when given."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scope is not None:
        form["scope"] = scope
    if audience is not None:
        form["audience"] = audience
    return form


def oauth_error_from(body: Mapping[str, Any], *, status: int | None) -> OAuthError | None:
    """Return the ``OAuthError`` an error body describes, or ``None`` if it has no ``error``.

    A non-string ``error_description`` is dropped rather than trusted.
    """
    error = body.get("error")
    if error is None:
        return None
    description = body.get("error_description")
    return OAuthError(
        error if isinstance(error, str) and error else "invalid_response",
        description if isinstance(description, str) else None,
        status=status,
    )


def parse_token_response(
    body: bytes | Mapping[str, Any],
    *,
    status: int | None = None,
    require_id_token: bool = False,
) -> TokenResponse:
    """Parse a token endpoint response body (raw JSON or already decoded).

    ``expires_in`` given as a numeric string is accepted, as some servers send
    it that way; ``token_type`` must be ``Bearer`` or ``DPoP`` (any case).

    Raises:
        OAuthError: the body is an OAuth error (it has an ``error`` member).
        TransportError: the body is not a JSON object, lacks ``access_token``
            or ``token_type`` (or, with ``require_id_token``, ``id_token``), or a
            member has the wrong type.

    """
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            decoded = msgspec.json.decode(body)
        except (msgspec.DecodeError, RecursionError) as exc:
            raise TransportError("token response is not valid JSON") from exc
    else:
        decoded = body
    if not isinstance(decoded, Mapping):
        raise TransportError("token response is not a JSON object")
    error = oauth_error_from(decoded, status=status)
    if error is not None:
        raise error
    try:
        response = msgspec.convert(dict(decoded), TokenResponse, strict=False)
    except msgspec.ValidationError as exc:
        raise TransportError(f"invalid token response: {exc}") from exc
    if not response.access_token:
        raise TransportError("token response has an empty access_token")
    if response.token_type.lower() not in _TOKEN_TYPES:
        raise TransportError(
            f"token response has an unsupported token_type {response.token_type!r}"
        )
    if response.expires_in is not None and response.expires_in < 0:
        raise TransportError("token response has a negative expires_in")
    if require_id_token and not response.id_token:
        raise TransportError("token response has no id_token")
    return response


def json_answer(status: int, body: bytes, what: str, *, ok: tuple[int, ...]) -> dict[str, Any]:
    """Return a JSON object answer, or raise the OAuth or transport error it describes."""
    try:
        document = msgspec.json.decode(body) if body else None
    except (msgspec.DecodeError, RecursionError):
        document = None
    if isinstance(document, dict):
        oauth_error = oauth_error_from(document, status=status)
        if oauth_error is not None:
            raise oauth_error
        if status in ok:
            return document
    elif status in ok:
        raise TransportError(f"{what} answered a body that is not a JSON object")
    raise TransportError(f"{what} answered HTTP {status}")
