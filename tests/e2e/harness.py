"""Shared end-to-end harness: the real oidc-provider, the app under uvicorn, and a browser-like client."""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from auth0_async import AccessTokenError, Auth0Client

from ..conftest import SECRET, require_node
from ..peers.peers import OidcProviderProcess, drive_login, free_port
from .server import AppServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.requests import Request

CLIENT_SECRET = "e2e-client-secret-" + "x" * 20


class Holder:
    """The ASGI app served on the loopback port; tests swap in their own Auth0Client."""

    def __init__(self) -> None:
        self.app: Any = None
        self.auth0: Auth0Client | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def swap(self, auth0: Auth0Client) -> None:
        """Serve a new client; close the previous one's HTTP connections on the server's loop."""
        self.close()
        self.auth0 = auth0
        self.app = auth0.middleware(inner_app(auth0))

    def close(self) -> None:
        if self.auth0 is not None and self.loop is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self.auth0.aclose(), self.loop).result(timeout=10)
        self.auth0 = None


class Peers:
    def __init__(
        self, op: OidcProviderProcess, app_url: str, holder: Holder, signing_pem: bytes
    ) -> None:
        self.op = op
        self.app_url = app_url
        self.holder = holder
        self.signing_pem = signing_pem

    def client(self, client_id: str = "app-post", **options: Any) -> Auth0Client:
        if client_id == "app-jwt":
            options.setdefault("client_assertion_signing_key", self.signing_pem)
        else:
            options.setdefault("client_secret", CLIENT_SECRET)
        with pytest.warns(Warning, match="plain http"):
            auth0 = Auth0Client(
                domain=self.op.issuer,
                client_id=client_id,
                secret=SECRET,
                app_base_url=self.app_url,
                allow_insecure_requests=True,
                **options,
            )
        self.holder.swap(auth0)
        return auth0


def inner_app(auth0: Auth0Client) -> Starlette:
    async def home(request: Request) -> Response:
        session = await auth0.get_session()
        return JSONResponse(
            {"path": request.url.path, "sub": session.user.sub if session else None}
        )

    async def token(request: Request) -> Response:
        session = await auth0.get_session(request)
        if session is None:
            return PlainTextResponse("no session", 401)
        return JSONResponse(session.to_dict())

    async def api(request: Request) -> Response:
        try:
            access = await auth0.get_access_token(refresh="refresh" in request.query_params)
        except AccessTokenError as exc:
            return JSONResponse({"code": exc.code, "message": exc.message}, 401)
        return JSONResponse({"token": access.token, "expires_at": access.expires_at})

    return Starlette(
        routes=[
            Route("/", home),
            Route("/dashboard", home),
            Route("/session", token),
            Route("/api", api),
        ]
    )


class OffsetClock:
    """Real time plus an offset the test can move (the app's notion of "now")."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@contextmanager
def running_peers(**op_options: Any) -> Iterator[Peers]:
    """The real OP (with ``op_options`` merged into its config) and the app server on loopback."""
    require_node()
    app_port = free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_jwk = RSAKey.import_key(key.public_key()).as_dict()
    public_jwk.update(alg="RS256", use="sig", kid="app-jwt-key")
    common = {
        "redirect_uris": [f"{app_url}/auth/callback"],
        "post_logout_redirect_uris": [app_url, f"{app_url}/", f"{app_url}/dashboard"],
        "grant_types": ["authorization_code", "refresh_token"],
    }
    config = {
        "clients": [
            {
                **common,
                "client_id": "app-post",
                "client_secret": CLIENT_SECRET,
                "token_endpoint_auth_method": "client_secret_post",
                "backchannel_logout_uri": f"{app_url}/auth/backchannel-logout",
            },
            {
                **common,
                "client_id": "app-basic",
                "client_secret": CLIENT_SECRET,
                "token_endpoint_auth_method": "client_secret_basic",
            },
            {
                **common,
                "client_id": "app-jwt",
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [public_jwk]},
            },
        ],
        **op_options,
    }
    holder = Holder()
    with OidcProviderProcess(config) as op, AppServer(holder, app_port):
        try:
            yield Peers(op, app_url, holder, pem)
        finally:
            holder.close()


def browser() -> httpx.Client:
    return httpx.Client(timeout=10.0, follow_redirects=False)


def login(
    peers: Peers, b: httpx.Client, *, query: str = "", login_as: str = "alice"
) -> httpx.Response:
    """Run a full login; return the app's answer to the callback."""
    start = b.get(f"{peers.app_url}/auth/login{query}")
    assert start.status_code == 307, start.text
    assert start.headers["location"].startswith(peers.op.issuer)
    callback = drive_login(start.headers["location"], login=login_as, client=b)
    assert callback.startswith(f"{peers.app_url}/auth/callback?")
    return b.get(callback)


def session_of(b: httpx.Client, peers: Peers) -> dict[str, Any]:
    response = b.get(f"{peers.app_url}/session")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data
