"""Shared bits of the framework adapter tests: a client, minted session cookies, an HTTP client."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from auth0_async import Auth0Client
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope

if TYPE_CHECKING:
    from auth0_async._types import ASGIApp, Message

T0 = 1_800_000_000
NOT_AUTHENTICATED = {
    "error": "not_authenticated",
    "description": "The user does not have an active session or is not authenticated",
}


def wire(*, expires_at: int = T0 + 3600, refresh_token: str | None = "rt-1") -> dict[str, Any]:
    token_set: dict[str, Any] = {
        "accessToken": "at-1",
        "expiresAt": expires_at,
        "idToken": "id-1",
        "scope": "openid profile",
    }
    if refresh_token is not None:
        token_set["refreshToken"] = refresh_token
    return {
        "user": {"sub": "auth0|alice", "name": "Alice", "https://example.com/tier": "gold"},
        "tokenSet": token_set,
        "internal": {"sid": "sid-1", "createdAt": T0},
    }


def make_auth0(**options: Any) -> Auth0Client:
    options.setdefault("clock", FrozenClock(T0 + 10))
    return Auth0Client(secret=SECRET, **options)


def with_session(**kwargs: Any) -> dict[str, str]:
    """The ``headers=`` of a request that has Alice's session."""
    value = generate_session_cookie(wire(**kwargs), secret=SECRET, clock=FrozenClock(T0))
    return {"cookie": f"__session={value}"}


def http(app: ASGIApp | Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    """An HTTP client for ``app`` that keeps no cookies: each request says what it sends."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url, cookies=jar)


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """name -> whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


async def websocket(
    app: ASGIApp | Any, path: str, headers: dict[str, str] | None = None
) -> list[Message]:
    """Drive one websocket connection by hand (httpx speaks no websocket); return what was sent."""
    scope = http_scope((headers or {}).get("cookie"), path=path, type="websocket", scheme="ws")
    incoming: list[Message] = [{"type": "websocket.connect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop()
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def texts(messages: list[Message]) -> list[str]:
    assert messages[0]["type"] == "websocket.accept", messages
    return [m["text"] for m in messages if m["type"] == "websocket.send"]


def configure_django(urlconf: str) -> None:
    """Configure Django's settings once per process (the first test module to ask names the urls)."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="not-a-secret-for-tests",
            ALLOWED_HOSTS=["testserver", "app.example"],
            ROOT_URLCONF=urlconf,
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            DATABASES={},
            USE_TZ=True,
        )
        django.setup()
