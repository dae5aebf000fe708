"""The test suite's fake OpenID providers, for what the shipped MockAuth0 cannot be made to do.

Where a test only needs a tenant (discovery, JWKS, a login, a refresh that behaves),
it uses :class:`auth0_async.testing.MockAuth0` (see ``tests/support/tenant.py``).
These fakes stay for the rest, each on ``httpx.MockTransport``:

* :class:`FakeProvider`: an ID token and token response each test shapes (wrong
  signatures, algorithms, issuers, audiences, nonces; error bodies; transport errors;
  no revocation or end-session endpoint); it accepts any code and records every request.
* :class:`StrictProvider`: a FakeProvider whose token endpoint checks what a real one
  checks (single-use codes bound to PKCE, nonce and redirect_uri; rotating single-use
  refresh tokens), and can rotate keys, hang any endpoint or hold JWKS answers.
* :class:`FakeOP`: a provider for the OIDC client's own tests, whose endpoints can be
  overridden one by one (``answer``), delayed, and counted.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.lowlevel
import httpx
from joserfc import jwt
from joserfc.jwk import Key, RSAKey

from auth0_async import Auth0Client

from ..conftest import SECRET
from .tokens import ISSUER as OP_ISSUER
from .tokens import public_jwks, rsa_key

ISSUER = "https://tenant.example.com/"
APP = "https://app.example"
RSA = RSAKey.generate_key(
    2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True
)
OTHER_RSA = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)


class FakeProvider:
    """Discovery, JWKS and a token endpoint whose answer each test shapes."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.header: dict[str, Any] = {"alg": "RS256", "kid": "k1"}
        self.key: Any = RSA
        self.token_status = 200
        self.token_body: Callable[[dict[str, str]], bytes] | None = None
        self.metadata: dict[str, Any] = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}authorize",
            "token_endpoint": f"{ISSUER}oauth/token",
            "jwks_uri": f"{ISSUER}.well-known/jwks.json",
            "end_session_endpoint": f"{ISSUER}oidc/logout",
            "revocation_endpoint": f"{ISSUER}oauth/revoke",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        self.discovery_error: Exception | None = None
        self.token_error: Exception | None = None
        self.requests: list[httpx.Request] = []
        self.nonce = ""

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": "cid",
            "sub": "auth0|1",
            "iat": now,
            "exp": now + 600,
            "nonce": self.nonce,
            "sid": "s1",
            "name": "One",
        }
        claims.update(self.claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(self.header, claims, self.key, algorithms=[self.header["alg"]])

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            if self.discovery_error:
                raise self.discovery_error
            return httpx.Response(200, json=self.metadata)
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": [RSA.as_dict(private=False)]})
        if path == "/oauth/token":
            if self.token_error:
                raise self.token_error
            form = dict(parse_qs(request.content.decode()))
            if self.token_body is not None:
                return httpx.Response(
                    self.token_status, content=self.token_body({k: v[0] for k, v in form.items()})
                )
            body = {
                "access_token": "at",
                "token_type": "Bearer",
                "expires_in": 60,
                "refresh_token": "rt",
                "id_token": self.id_token(),
                "scope": "openid profile",
            }
            return httpx.Response(self.token_status, json=body)
        if path == "/oauth/revoke":
            return httpx.Response(200)
        return httpx.Response(404)


# -- a strict provider -------------------------------------------------------------------------


NEW_RSA = RSAKey.generate_key(
    2048, parameters={"kid": "k2", "alg": "RS256", "use": "sig"}, private=True
)


@dataclass
class Grant:
    """One authorization request the provider answered with a code."""

    challenge: str
    nonce: str
    redirect_uri: str
    sub: str
    used: bool = False


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class StrictProvider(FakeProvider):
    """A FakeProvider whose token endpoint behaves like a real provider's, served async.

    * Codes come from :meth:`authorize`, are single use, and are bound to the request's
      PKCE challenge, nonce and redirect_uri.
    * Refresh tokens rotate on every use and are single use: a reused one is refused
      with ``invalid_grant`` (and recorded in ``reused``), as Auth0 and oidc-provider do.
    * :meth:`rotate_keys` makes a new key sign; ``published`` is what the JWKS serves.
    * ``hang`` lists paths that never answer until :meth:`release` (a watchdog's job);
      ``jwks_gate`` holds JWKS answers (each serves the keys published when it arrived).
    * Every request awaits ``checkpoints`` times, as a real network round trip would.
    """

    def __init__(self, *, first_refresh_token: str = "rt-1") -> None:
        super().__init__()
        self.codes: dict[str, Grant] = {}
        self.live_refresh_tokens: set[str] = {first_refresh_token}
        # Whose grant each refresh token continues: a refreshed ID token names that user.
        self.refresh_owner: dict[str, str] = {}
        self.last_refresh_token = first_refresh_token
        self.minted = 0
        self.reused: list[str] = []
        self.require_pkce = True
        self.refresh_id_token = False
        self.published: list[RSAKey] = [RSA]
        self.hang: set[str] = set()
        self.jwks_gate: anyio.Event | None = None
        self.checkpoints = 2
        self.hits: Counter[str] = Counter()
        self._released: anyio.Event | None = None
        self._arrivals: dict[str, anyio.Event] = {}

    # -- test controls

    def authorize(self, location: str, *, sub: str = "auth0|1") -> tuple[str, str]:
        """Play the user at the authorization endpoint: return ``(code, state)``."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = Grant(
            challenge=params["code_challenge"],
            nonce=params["nonce"],
            redirect_uri=params["redirect_uri"],
            sub=sub,
        )
        return code, params["state"]

    def rotate_keys(self, *, keep_old: bool = False) -> None:
        """Sign with NEW_RSA (kid k2) from now on; publish it (and the old key if asked)."""
        self.key = NEW_RSA
        self.header = {"alg": "RS256", "kid": "k2"}
        self.published = [RSA, NEW_RSA] if keep_old else [NEW_RSA]

    def release(self) -> None:
        """Let every hanging request answer."""
        self._event().set()

    def arrived(self, path: str) -> anyio.Event:
        """An event set when the first request for ``path`` arrives."""
        return self._arrivals.setdefault(path, anyio.Event())

    def _event(self) -> anyio.Event:
        if self._released is None:
            self._released = anyio.Event()
        return self._released

    def next_refresh_token(self) -> str:
        self.minted += 1
        token = f"rt-issued-{self.minted}"
        self.live_refresh_tokens.add(token)
        self.last_refresh_token = token
        return token

    # -- the endpoints

    async def serve(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        self.hits[path] += 1
        self.arrived(path).set()
        for _ in range(self.checkpoints):
            await anyio.lowlevel.checkpoint()
        if path in self.hang:
            await self._event().wait()
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.metadata)
        if path == "/.well-known/jwks.json":
            keys = [key.as_dict(private=False) for key in self.published]
            if self.jwks_gate is not None:
                await self.jwks_gate.wait()
            return httpx.Response(200, json={"keys": keys})
        if path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            if form.get("grant_type") == "authorization_code":
                return self._code_grant(form)
            return self._refresh_grant(form)
        if path == "/oauth/revoke":
            return httpx.Response(200)
        return httpx.Response(404)

    @staticmethod
    def _invalid_grant(description: str) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "invalid_grant", "error_description": description}
        )

    def _code_grant(self, form: dict[str, str]) -> httpx.Response:
        grant = self.codes.get(form.get("code", ""))
        if grant is None or grant.used:
            return self._invalid_grant("unknown or used code")
        grant.used = True  # consumed by any attempt, as real providers do
        if self.require_pkce and s256(form.get("code_verifier", "")) != grant.challenge:
            return self._invalid_grant("PKCE verification failed")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._invalid_grant("redirect_uri mismatch")
        self.nonce = grant.nonce
        self.claims["sub"] = grant.sub
        refresh_token = self.next_refresh_token()
        self.refresh_owner[refresh_token] = grant.sub
        return httpx.Response(
            200,
            json={
                "access_token": f"at-code-{len(self.codes)}",
                "token_type": "Bearer",
                "expires_in": 60,
                "refresh_token": refresh_token,
                "id_token": self.id_token(),
                "scope": "openid profile offline_access",
            },
        )

    def _refresh_grant(self, form: dict[str, str]) -> httpx.Response:
        token = form.get("refresh_token", "")
        if token not in self.live_refresh_tokens:
            self.reused.append(token)
            return self._invalid_grant("refresh token reused or unknown")
        self.live_refresh_tokens.discard(token)
        owner = self.refresh_owner.get(token, "auth0|1")
        rotated = self.next_refresh_token()
        self.refresh_owner[rotated] = owner
        body: dict[str, Any] = {
            "access_token": f"at-{self.minted}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": rotated,
            "scope": form.get("scope", "openid profile offline_access"),
        }
        if self.refresh_id_token:
            self.nonce = ""
            self.claims.update({"sub": owner, "nonce": None})
            body["id_token"] = self.id_token()
        return httpx.Response(200, json=body)

    # -- wiring

    def client(self, **options: Any) -> Auth0Client:
        """An Auth0Client talking to this provider (options override the defaults)."""
        settings: dict[str, Any] = {
            "domain": "tenant.example.com",
            "client_id": "cid",
            "client_secret": "csecret",
            "secret": SECRET,
            "app_base_url": APP,
            "http_client": httpx.AsyncClient(transport=httpx.MockTransport(self.serve)),
        }
        settings.update(options)
        return Auth0Client(**settings)


# -- a provider for the OIDC client's tests ---------------------------------------------------


Responder = Callable[[httpx.Request], Awaitable[httpx.Response | None]]


class FakeOP:
    """A provider at ISSUER: discovery, JWKS, token, PAR and revocation endpoints.

    ``overrides[path]`` may replace any endpoint; ``delay`` makes every answer wait
    (so concurrent callers overlap); ``hits`` counts requests per path.
    """

    def __init__(self, *keys: Key, issuer: str = OP_ISSUER) -> None:
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
