"""Drive the ``/auth/*`` routes in-process, as a browser would: log in, call back, keep cookies."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from auth0_async import Auth0Client, RouteResponse

from ..conftest import SECRET, http_scope
from .asgi_driver import Response, call
from .fakes import APP, FakeProvider, StrictProvider


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


async def app_ok(scope: Any, receive: Any, send: Any) -> None:
    """An app that answers 200 (the pass-through branch of the middleware)."""
    await RouteResponse.text("ok", 200).send(send)


async def begin_login(auth0: Auth0Client, query: str = "") -> tuple[dict[str, str], str]:
    """GET /auth/login: return the transaction cookies and the provider URL."""
    response = await call(
        auth0.middleware(app_ok),
        http_scope(None, path="/auth/login", scheme="https", query_string=query.encode()),
    )
    assert response.status == 307, response.body
    return jar(response), response.header("location") or ""


async def finish_login(
    auth0: Auth0Client, cookies: dict[str, str], params: dict[str, str] | bytes
) -> Response:
    """GET /auth/callback with ``params`` (a dict, or a raw query string)."""
    from urllib.parse import urlencode

    query = params if isinstance(params, bytes) else urlencode(params).encode()
    return await call(
        auth0.middleware(app_ok),
        http_scope(header(cookies), path="/auth/callback", scheme="https", query_string=query),
    )


async def full_login(
    auth0: Auth0Client, provider: StrictProvider, *, sub: str = "auth0|1"
) -> dict[str, str]:
    """A complete login through the routes; return the browser's cookies afterwards."""
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location, sub=sub)
    response = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert response.status == 307, response.body
    return jar(response, cookies)
