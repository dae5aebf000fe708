"""ID token validation (OpenID Connect Core 1.0 §3.1.3.7), signature included.

nextjs-auth0 checks only the claims of the ID token it receives over TLS; this
port also verifies the signature against the provider's JWKS, with the
algorithms pinned (see :mod:`._jws`).
"""

from __future__ import annotations

import hmac
import math
from typing import TYPE_CHECKING, Any

from .._exceptions import TokenValidationError
from ._jws import DEFAULT_ALGORITHMS, signing_algorithms, verify_signature

if TYPE_CHECKING:
    from collections.abc import Iterable

    from joserfc.jwk import KeySet

__all__ = ["DEFAULT_LEEWAY", "check_audience", "numeric_claim", "typ_is", "validate_id_token"]

DEFAULT_LEEWAY = 60
"""Seconds of clock skew tolerated on ``exp``, ``iat`` and ``auth_time``."""


def validate_id_token(
    token: str,
    *,
    keys: KeySet,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float,
    max_age: int | None = None,
    leeway: int = DEFAULT_LEEWAY,
    algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    supported_algorithms: Iterable[str] | None = None,
    hs256_secret: bytes | None = None,
) -> dict[str, Any]:
    """Verify an ID token's signature and claims and return its claims.

    Checks, in order: signature with a JWKS key under an allowed algorithm
    (``algorithms`` narrowed by discovery's ``supported_algorithms``), or,
    only when ``hs256_secret`` (the client secret's UTF-8 octets, OpenID
    Connect Core §3.1.3.7 step 8) is given, an ``HS256`` MAC under it; a
    ``typ`` header, if any, of ``JWT``; ``iss`` equals ``issuer`` exactly;
    ``aud`` contains ``client_id``; ``azp`` equals ``client_id`` when present,
    and is present when ``aud`` has several values; ``exp`` is after ``now``
    and ``iat`` not after it (each ± ``leeway``); ``sub`` is a non-empty string;
    ``nonce`` equals the expected one; with ``max_age``, ``auth_time`` is
    present and no older than ``max_age`` (+ ``leeway``).

    ``nonce=None`` means none was sent (a refresh grant), so the claim is not
    compared; an authorization-code login must always pass its nonce.

    Raises:
        KeyNotFoundError: no JWKS key fits the token's ``kid``/``alg`` (the
            caller may refetch the JWKS once and retry).
        TokenValidationError: any other check failed; the message names it.
        ConfigurationError: ``algorithms`` names an algorithm that cannot be pinned.

    """
    allowed = signing_algorithms(algorithms, supported_algorithms, hs256=hs256_secret is not None)
    header, claims = verify_signature(token, keys, allowed, hs256_secret=hs256_secret)
    if "typ" in header and not typ_is(header["typ"], "jwt"):
        raise TokenValidationError("ID token has an unexpected typ header")
    if claims.get("iss") != issuer:
        raise TokenValidationError("ID token iss does not match the issuer")
    audiences = check_audience(claims, client_id, "ID token")
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise TokenValidationError("ID token azp does not match the client_id")
    if azp is None and len(audiences) > 1:
        raise TokenValidationError("ID token has several audiences but no azp")
    exp = numeric_claim(claims, "exp", "ID token")
    if exp is None:
        raise TokenValidationError("ID token has no exp")
    if exp + leeway <= now:
        raise TokenValidationError("ID token is expired (exp)")
    iat = numeric_claim(claims, "iat", "ID token")
    if iat is None:
        raise TokenValidationError("ID token has no iat")
    if iat - leeway > now:
        raise TokenValidationError("ID token iat is in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenValidationError("ID token has no sub")
    if nonce is not None:
        claim = claims.get("nonce")
        if not isinstance(claim, str) or not hmac.compare_digest(_utf8(claim), _utf8(nonce)):
            raise TokenValidationError("ID token nonce does not match")
    auth_time = numeric_claim(claims, "auth_time", "ID token")
    if max_age is not None:
        if auth_time is None:
            raise TokenValidationError("ID token has no auth_time although max_age was requested")
        if auth_time + max_age + leeway < now:
            raise TokenValidationError("ID token auth_time is older than max_age")
    return claims


def _utf8(text: str) -> bytes:
    # JSON may carry lone surrogates (\udc80 escapes): compare them, do not crash.
    return text.encode("utf-8", "surrogatepass")


def check_audience(claims: dict[str, Any], client_id: str, what: str) -> list[str]:
    """Return the ``aud`` values after checking that they include ``client_id``.

    Raises:
        TokenValidationError: ``aud`` is missing, malformed or lacks ``client_id``.

    """
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise TokenValidationError(f"{what} aud is missing or malformed")
    if client_id not in audiences:
        raise TokenValidationError(f"{what} aud does not include the client_id")
    return audiences


def numeric_claim(claims: dict[str, Any], name: str, what: str) -> float | None:
    """Return a NumericDate claim, ``None`` when absent.

    Raises:
        TokenValidationError: the claim is present but not a finite number.

    """
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TokenValidationError(f"{what} {name} is not a number")
    return float(value)


def typ_is(value: object, expected: str) -> bool:
    """Whether a ``typ`` header names ``expected`` (case-insensitive, ``application/`` optional)."""
    if not isinstance(value, str):
        return False
    value = value.lower()
    return value in (expected, f"application/{expected}")
