"""Signature verification for provider-signed JWTs: pinned algorithms, keys only from the JWKS.

The token header chooses nothing but which JWKS key to try: ``alg`` must be
one of the pinned asymmetric algorithms (so ``none`` and every ``HS*``, the
"RSA public key as HMAC secret" confusion included, fail before any key is
touched), ``crit`` is refused because no extension is understood, and
``jku``/``x5u``/``jwk``/``x5c`` are ignored: keys never come from the token.

The one exception is ``HS256`` keyed with the client secret (OpenID Connect
Core §3.1.3.7 step 8), and only when the caller passes that secret: the JWKS
is then not consulted at all, so a public key can never become the HMAC key.

The payload is decoded here, not by joserfc, so that a signed payload which
is not a JSON object is the same :class:`TokenValidationError` on every
joserfc version (before 1.8 ``jwt.decode`` let such a payload through).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

import msgspec
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jws import JWSRegistry, deserialize_compact

from .._core._crypto import b64url_decode
from .._exceptions import ConfigurationError, KeyNotFoundError, TokenValidationError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from joserfc.jwk import Key, KeySet

__all__ = [
    "DEFAULT_ALGORITHMS",
    "HS256",
    "MIN_HS256_SECRET_BYTES",
    "peek_header",
    "select_keys",
    "signing_algorithms",
    "verify_signature",
]

DEFAULT_ALGORITHMS = ("RS256", "ES256", "PS256")
"""Algorithms accepted for ID and logout tokens unless configured otherwise."""
HS256 = "HS256"
"""The one MAC algorithm accepted, and only with the client secret as its key."""
MIN_HS256_SECRET_BYTES = 32
"""RFC 7518 §3.2: an HS256 key must be at least as long as the hash output."""

# alg -> (kty, crv): the only algorithms this module will ever verify.
_KEY_TYPES: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
_MAX_TOKEN_CHARS = 100_000
_MAX_HEADER_CHARS = 4096


def signing_algorithms(
    allowed: Iterable[str] = DEFAULT_ALGORITHMS,
    supported: Iterable[str] | None = None,
    *,
    hs256: bool = False,
) -> tuple[str, ...]:
    """Return ``allowed`` narrowed to what the provider advertises, order kept.

    ``supported`` is discovery's ``id_token_signing_alg_values_supported``;
    ``None`` (not advertised) leaves ``allowed`` as is. ``hs256`` adds
    ``HS256`` last (the caller holds the client secret); it cannot be named in
    ``allowed`` itself.

    Raises:
        ConfigurationError: ``allowed`` names a symmetric, ``none`` or unknown algorithm.
        TokenValidationError: the provider supports none of the allowed algorithms.

    """
    allowed = tuple(allowed)
    unknown = [alg for alg in allowed if alg not in _KEY_TYPES]
    if unknown:
        raise ConfigurationError(f"unsupported token signing algorithms: {unknown}")
    if hs256 and HS256 not in allowed:
        allowed += (HS256,)
    if supported is not None:
        offered = set(supported)
        allowed = tuple(alg for alg in allowed if alg in offered)
    if not allowed:
        raise TokenValidationError("the provider supports none of the allowed signing algorithms")
    return allowed


def peek_header(token: str) -> dict[str, Any]:
    """Return the unverified protected header of a compact JWS.

    Raises:
        TokenValidationError: not a three-part compact JWS with a JSON object header.

    """
    if len(token) > _MAX_TOKEN_CHARS:
        raise TokenValidationError("malformed token")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenValidationError("malformed token: not a signed compact JWT")
    if len(parts[0]) > _MAX_HEADER_CHARS:
        raise TokenValidationError("malformed token: header too large")
    try:
        header = msgspec.json.decode(b64url_decode(parts[0]))
    except (ValueError, binascii.Error, msgspec.DecodeError, RecursionError) as exc:
        raise TokenValidationError("malformed token header") from exc
    if not isinstance(header, dict):
        raise TokenValidationError("malformed token header")
    return header


def select_keys(keys: KeySet, alg: str, kid: str | None) -> list[Key]:
    """Return the JWKS keys that may verify an ``alg`` signature with ``kid``.

    A key qualifies when its type (and curve) fits ``alg``, its ``use`` is
    absent or ``sig``, its ``alg`` is absent or equal, its ``key_ops`` (if
    any) include ``verify``, and, when ``kid`` is given, its ``kid`` equals it.
    """
    kty, crv = _KEY_TYPES[alg]
    found = []
    for key in keys:
        if key.key_type != kty or (crv is not None and key.get("crv") != crv):
            continue
        if key.get("use") not in (None, "sig") or key.get("alg") not in (None, alg):
            continue
        key_ops = key.get("key_ops")
        if key_ops is not None and "verify" not in key_ops:
            continue
        if kid is not None and key.kid != kid:
            continue
        found.append(key)
    return found


def verify_signature(
    token: str,
    keys: KeySet,
    algorithms: Collection[str],
    *,
    hs256_secret: bytes | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS against the JWKS and return ``(header, claims)``.

    Without a ``kid`` every fitting key is tried (OpenID RP certification
    allows this when the JWKS holds several keys). An ``HS256`` token is
    verified with ``hs256_secret`` only, and only when ``algorithms`` has
    ``HS256`` and a secret is given; its ``kid``, if any, is ignored.

    Raises:
        KeyNotFoundError: no JWKS key fits the token's ``kid`` and ``alg``.
        TokenValidationError: malformed token, an algorithm outside
            ``algorithms``, a ``crit`` header, a bad signature, or a payload
            that is not a JSON object.

    """
    header = peek_header(token)
    alg = header.get("alg")
    symmetric = alg == HS256 and hs256_secret is not None
    if not isinstance(alg, str) or alg not in algorithms or not (alg in _KEY_TYPES or symmetric):
        raise TokenValidationError(f"signing algorithm {alg!r} is not allowed")
    if "crit" in header:
        raise TokenValidationError("token has a crit header parameter")
    if symmetric:
        assert hs256_secret is not None  # symmetric
        return header, _claims(_verify_hs256(token, hs256_secret))
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenValidationError("malformed token: kid is not a string")
    candidates = select_keys(keys, alg, kid)
    if not candidates:
        raise KeyNotFoundError(f"no {alg} key with kid {kid!r} in the provider's JWKS")
    registry = JWSRegistry(algorithms=[alg], strict_check_header=False)
    # joserfc's 512-byte header cap (1.4 and later) would refuse a provider that adds x5c.
    registry.max_header_length = _MAX_HEADER_CHARS
    for key in candidates:
        try:
            verified = deserialize_compact(token, key, algorithms=[alg], registry=registry)
        except BadSignatureError:
            continue
        except (JoseError, ValueError, TypeError, RecursionError) as exc:
            raise TokenValidationError("malformed token") from exc
        if verified.payload is None:  # pragma: no cover - compact JWS always has one
            raise TokenValidationError("malformed token")
        return header, _claims(verified.payload)
    raise TokenValidationError("signature verification failed")


def _verify_hs256(token: str, secret: bytes) -> bytes:
    """Check an HS256 signature keyed with ``secret``; return the decoded payload."""
    signing_input, _, signature = token.rpartition(".")
    payload_part = signing_input.partition(".")[2]
    try:
        given = b64url_decode(signature)
        payload = b64url_decode(payload_part)
        message = signing_input.encode("ascii")
    except (ValueError, binascii.Error) as exc:
        raise TokenValidationError("malformed token") from exc
    expected = hmac.new(secret, message, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise TokenValidationError("signature verification failed")
    return payload


def _claims(payload: bytes) -> dict[str, Any]:
    """Decode a verified payload; anything but a JSON object is malformed.

    ``json`` (as joserfc uses) rather than msgspec: a lone surrogate escape is
    valid JSON and reaches the claim checks instead of failing the token.
    """
    try:
        claims = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise TokenValidationError("malformed token: the payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise TokenValidationError("malformed token: the payload is not a JSON object")
    return claims
