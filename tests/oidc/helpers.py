"""Test keys, token minting and a fake OpenID provider served through httpx.MockTransport."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from joserfc import jws
from joserfc.jwk import ECKey, Key, KeySet, RSAKey
from joserfc.jws import JWSRegistry

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
    # jws rather than jwt.encode: no implied "typ" (jwt.encode's default_type needs joserfc 1.5),
    # so the helpers also run on the lowest joserfc the package allows.
    payload = json.dumps(claims, separators=(",", ":"))
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


Responder = Callable[[httpx.Request], Awaitable[httpx.Response | None]]


class FakeOP:
    """A provider at ISSUER: discovery, JWKS, token, PAR and revocation endpoints.

    ``overrides[path]`` may replace any endpoint; ``delay`` makes every answer wait
    (so concurrent callers overlap); ``hits`` counts requests per path.
    """

    def __init__(self, *keys: Key, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.base = issuer.rstrip("/")
        self.keys = list(keys) or [rsa_key()]
        self.hits: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []
        self.delay = 0.0
        self.overrides: dict[str, Responder] = {}
        self.metadata: dict[str, Any] = {
            "issuer": issuer,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/oauth/token",
            "jwks_uri": f"{self.base}/.well-known/jwks.json",
            "userinfo_endpoint": f"{self.base}/userinfo",
            "end_session_endpoint": f"{self.base}/oidc/logout",
            "revocation_endpoint": f"{self.base}/oauth/revoke",
            "pushed_authorization_request_endpoint": f"{self.base}/oauth/par",
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
            "something_new": {"ignored": True},
        }
        self.token_answer: dict[str, Any] = {
            "access_token": "at-1",
            "token_type": "Bearer",
            "expires_in": 86400,
        }

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport())

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.hits[path] += 1
        self.requests.append(request)
        if self.delay:
            await anyio.sleep(self.delay)
        override = self.overrides.get(path)
        if override is not None:
            answer = await override(request)
            if answer is not None:
                return answer
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.metadata)
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json=public_jwks(*self.keys))
        if path == "/oauth/token":
            return httpx.Response(200, json=self.token_answer)
        if path == "/oauth/par":
            return httpx.Response(201, json={"request_uri": "urn:par:1", "expires_in": 60})
        if path == "/oauth/revoke":
            return httpx.Response(200)
        return httpx.Response(404)


def answer(status: int, **kwargs: Any) -> Responder:
    """An override that answers a fresh ``httpx.Response(status, **kwargs)`` every time."""

    async def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, **kwargs)

    return respond
