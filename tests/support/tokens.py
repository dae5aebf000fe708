"""Test keys and JWT minting (well-formed and hostile) for an OP at ISSUER; FakeOP lives in fakes.py."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, Key, KeySet, RSAKey
from joserfc.jws import JWSRegistry

from auth0_async._exceptions import TokenValidationError
from auth0_async._oidc._id_token import validate_id_token
from auth0_async._oidc._logout_token import JtiCache, validate_logout_token

ISSUER = "https://op.example.test/"
CLIENT_ID = "client-abc"
NOW = 1_800_000_000.0


@functools.cache
def rsa_key(kid: str = "rsa-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


@functools.cache
def ec_key(kid: str = "ec-1") -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig"})


def public_jwks(*keys: Key) -> dict[str, Any]:
    return {"keys": [dict(key.as_dict(private=False)) for key in keys]}


def key_set(*keys: Key) -> KeySet:
    return KeySet.import_key_set(public_jwks(*keys))  # type: ignore[arg-type]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def mint(
    claims: dict[str, Any],
    key: Key | None = None,
    *,
    alg: str = "RS256",
    header: dict[str, Any] | None = None,
    kid: str | None | bool = True,
) -> str:
    """Sign claims; kid=True uses the key's kid, None/False leaves it out, a str overrides it."""
    key = key if key is not None else rsa_key()
    protected: dict[str, Any] = {"alg": alg}
    if kid is True:
        protected["kid"] = key.kid
    elif isinstance(kid, str):
        protected["kid"] = kid
    protected.update(header or {})
    # jws (not jwt.encode(default_type=None), which joserfc before 1.5 lacks): no typ is added.
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return jws.serialize_compact(protected, payload, key, algorithms=[alg])


def raw_sign(header: dict[str, Any], payload: bytes, key: Key | None = None) -> str:
    """Sign exactly what is given, bypassing joserfc's header checks (for hostile headers)."""
    key = key if key is not None else rsa_key()
    signing_input = f"{b64json(header)}.{b64(payload)}"
    alg = JWSRegistry.algorithms[header["alg"]]
    return f"{signing_input}.{b64(alg.sign(signing_input.encode(), key))}"


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    return f"{b64json(header)}.{b64json(claims)}."


def hs256(claims: dict[str, Any], secret: bytes, header: dict[str, Any]) -> str:
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def id_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": CLIENT_ID,
        "exp": int(NOW) + 3600,
        "iat": int(NOW),
        "nonce": "n-0S6_WzA2Mj",
        "sid": "sid-1",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def logout_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": CLIENT_ID,
        "iat": int(NOW),
        "exp": int(NOW) + 120,
        "jti": "jti-1",
        "sid": "sid-1",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


NONCE = "n-0S6_WzA2Mj"
"""The nonce :func:`id_claims` puts in a token and :func:`check_id_token` expects."""


def check_id_token(token: str, **overrides: Any) -> dict[str, Any]:
    """``validate_id_token`` with the test issuer, client, keys, nonce and clock (overridable)."""
    options: dict[str, Any] = {
        "keys": key_set(rsa_key(), ec_key()),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "nonce": NONCE,
        "now": NOW,
    }
    options.update(overrides)
    return validate_id_token(token, **options)


def refuses_id_token(token: str, match: str, **overrides: Any) -> None:
    """Assert :func:`check_id_token` refuses ``token`` with a message matching ``match``."""
    with pytest.raises(TokenValidationError, match=match):
        check_id_token(token, **overrides)


def check_logout_token(token: str, **overrides: Any) -> dict[str, Any]:
    """``validate_logout_token`` with the test issuer, client, keys, clock and a fresh jti cache."""
    options: dict[str, Any] = {
        "keys": key_set(rsa_key(), ec_key()),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "now": NOW,
        "seen_jti": JtiCache(),
    }
    options.update(overrides)
    return validate_logout_token(token, **options)


def refuses_logout_token(token: str, match: str, **overrides: Any) -> None:
    """Assert :func:`check_logout_token` refuses ``token`` with a message matching ``match``."""
    with pytest.raises(TokenValidationError, match=match):
        check_logout_token(token, **overrides)
