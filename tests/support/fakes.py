"""A fake OpenID provider on httpx.MockTransport, and helpers to drive the /auth routes in-process."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from auth0_async import Auth0Client, RouteResponse

from ..conftest import SECRET, http_scope
from .asgi_driver import Response, call

if TYPE_CHECKING:
    from collections.abc import Callable

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


def make_client(provider: FakeProvider, **options: Any) -> Auth0Client:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handler))
    return Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret="csecret",
        secret=SECRET,
        app_base_url=APP,
        http_client=http,
        **options,
    )


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    await RouteResponse.text("app", 404).send(send)


def jar(response: Response, cookies: dict[str, str] | None = None) -> dict[str, str]:
    cookies = dict(cookies or {})
    for line in response.all("set-cookie"):
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        if "Max-Age=0" in line:
            cookies.pop(name, None)
        else:
            cookies[name] = value
    return cookies


def header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def start(
    auth0: Auth0Client, provider: FakeProvider, query: str = ""
) -> tuple[dict[str, str], str]:
    app = auth0.middleware(not_found)
    login = await call(
        app, http_scope(None, path="/auth/login", scheme="https", query_string=query.encode())
    )
    assert login.status == 307, login.body
    location = urlsplit(login.header("location") or "")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    provider.nonce = params["nonce"]
    return jar(login), params["state"]


async def callback(auth0: Auth0Client, cookies: dict[str, str], params: dict[str, str]) -> Response:
    app = auth0.middleware(not_found)
    return await call(
        app,
        http_scope(
            header(cookies),
            path="/auth/callback",
            scheme="https",
            query_string=urlencode(params).encode(),
        ),
    )


async def login_with(auth0: Auth0Client, provider: FakeProvider) -> Response:
    cookies, state = await start(auth0, provider)
    return await callback(auth0, cookies, {"code": "c", "state": state})


async def assert_refused(
    auth0: Auth0Client, provider: FakeProvider, status: int = 400, text: str | None = None
) -> Response:
    response = await login_with(auth0, provider)
    assert response.status == status, response.body
    assert "__session" not in jar(response)
    assert b"Traceback" not in response.body
    if text is not None:
        assert text in response.body.decode()
    return response
