"""A hostile ``Host`` header never steers an ``/auth/*`` route, and never makes one fail with a 500.

The query of an auth route is the request line's (``scope["query_string"]``), never
one parsed back out of a URL rebuilt from ``Host``: ``Host: x?returnTo=/chosen#``
used to replace it, even with ``app_base_url`` configured. A malformed or repeated
``Host`` is a 400 on every route (RFC 9112 §3.2), with no traceback in the log.
Driven through the raw ASGI middleware, a Starlette app and a Litestar app.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar, get
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from auth0_async import Auth0Client, InvalidRequestError
from auth0_async._core._context import RequestContext
from auth0_async._core._request import ScopeRequest, is_valid_host, query_params
from auth0_async.litestar import Auth0Plugin

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import Response as DriverResponse
from ..support.asgi_driver import call
from ..support.fakes import APP, FakeProvider
from ..support.routes import not_found

pytestmark = pytest.mark.anyio

HOSTILE_HOSTS = [
    "x?returnTo=/chosen&prompt=none#",
    "[::1",
    "[::1]x",
    "app.example/evil",
    "user@app.example",
    "app.example#frag",
    "app.example:notaport",
    "app.example:99999",
    "app.example\\evil",
    "app example",
    "app.example\n",
    "",
    # Well-formed for RFC 3986, but no host a redirect target can be checked against:
    "app~example",
    "app.example.",
    "-app.example",
    ".app.example",
    "app.example-",
]
GOOD_HOSTS = ["testserver", "app.example:8443", "127.0.0.1:3000", "[::1]:3000", "web_1:8000"]
ROUTES = [
    ("GET", "/auth/login", b"returnTo=/real"),
    ("GET", "/auth/callback", b"state=s&code=c"),
    ("GET", "/auth/logout", b"returnTo=/real"),
    ("GET", "/auth/profile", b""),
    ("GET", "/auth/access-token", b""),
    ("POST", "/auth/backchannel-logout", b""),
]


def client(provider: FakeProvider, *, inferred: bool) -> Auth0Client:
    """A client with ``app_base_url`` set, or one that infers it from the request."""
    return Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret="csecret",
        secret=SECRET,
        app_base_url=None if inferred else APP,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)),
    )


def scope_with_hosts(method: str, path: str, query: bytes, *hosts: str) -> dict[str, Any]:
    scope = http_scope(None, path=path, scheme="https", method=method, query_string=query)
    scope["headers"] = [(b"host", h.encode("latin-1")) for h in hosts]
    if method == "POST":
        scope["headers"].append((b"content-type", b"application/x-www-form-urlencoded"))
    return scope


def assert_clean_400(
    response: DriverResponse, caplog: pytest.LogCaptureFixture, *, ours: bool = True
) -> None:
    assert response.status == 400, (response.status, response.body)
    assert response.header("location") is None
    assert response.all("set-cookie") == []
    assert b"Traceback" not in response.body
    if ours:  # (Litestar refuses some hosts itself, before the middleware runs)
        assert response.header("x-content-type-options") == "nosniff"
    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert logged == [], [r.getMessage() for r in logged]


@pytest.mark.parametrize("inferred", [False, True], ids=["app_base_url", "inferred"])
@pytest.mark.parametrize("host", HOSTILE_HOSTS)
@pytest.mark.parametrize(("method", "path", "query"), ROUTES)
async def test_a_malformed_host_is_a_400_on_every_route(
    method: str,
    path: str,
    query: bytes,
    host: str,
    inferred: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = FakeProvider()
    app = client(provider, inferred=inferred).middleware(not_found)
    caplog.set_level(logging.DEBUG, logger="auth0_async")
    response = await call(app, scope_with_hosts(method, path, query, host))
    assert_clean_400(response, caplog)
    assert provider.requests == []  # refused before anything else happened


HOST_CHARS = "aZ09_-.~:[]@/?#%\\ \t\r\n\x00\x7f\u00e9!$&'()*+,;="


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=HOST_CHARS, max_size=12) | st.sampled_from(GOOD_HOSTS))
def test_any_host_is_a_307_or_a_400_never_a_500(host: str) -> None:
    """Whatever ``Host`` is sent, the login answers 307 (a host it accepts) or 400, quietly."""
    encoded = host.encode("utf-8")

    async def main() -> None:
        for inferred in (False, True):
            app = client(FakeProvider(), inferred=inferred).middleware(not_found)
            for path in ("/auth/login", "/auth/logout"):
                scope = scope_with_hosts("GET", path, b"returnTo=/real")
                scope["headers"] = [(b"host", encoded)]
                response = await call(app, scope)
                accepted = is_valid_host(encoded.decode("latin-1"))
                assert response.status == (307 if accepted else 400), (host, response.body)

    anyio.run(main)


@pytest.mark.parametrize(("method", "path", "query"), ROUTES)
async def test_a_repeated_host_is_a_400(
    method: str, path: str, query: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    app = client(FakeProvider(), inferred=False).middleware(not_found)
    scope = scope_with_hosts(method, path, query, "app.example", "evil.example")
    assert_clean_400(await call(app, scope), caplog)


@pytest.mark.parametrize("inferred", [False, True], ids=["app_base_url", "inferred"])
@pytest.mark.parametrize("host", GOOD_HOSTS)
async def test_well_formed_hosts_still_log_in(host: str, inferred: bool) -> None:
    app = client(FakeProvider(), inferred=inferred).middleware(not_found)
    login = await call(app, scope_with_hosts("GET", "/auth/login", b"returnTo=/real", host))
    assert login.status == 307, login.body
    params = parse_qs(urlsplit(login.header("location") or "").query)
    expected = f"https://{host.lower()}" if inferred else APP
    assert params["redirect_uri"] == [f"{expected}/auth/callback"]


async def test_no_host_header_falls_back_to_the_server_address() -> None:
    app = client(FakeProvider(), inferred=True).middleware(not_found)
    scope = scope_with_hosts(
        "GET",
        "/auth/login",
        b"",
    )
    scope["server"] = ("::1", 8443)
    login = await call(app, scope)
    assert login.status == 307, login.body
    params = parse_qs(urlsplit(login.header("location") or "").query)
    assert params["redirect_uri"] == ["https://[::1]:8443/auth/callback"]
    scope["server"] = ("/run/app.sock", None)  # a Unix socket is no origin: refused, not a 500
    assert (await call(app, scope)).status == 400


def starlette_request(host: str, query: bytes) -> Request:
    return Request(scope_with_hosts("GET", "/auth/callback", query, host))


async def test_query_params_come_from_the_request_line_not_from_host() -> None:
    request = starlette_request("x?returnTo=/chosen&prompt=none#", b"state=real")
    ctx = RequestContext.from_scope(request.scope, request)
    assert query_params(ctx) == {"state": "real"}
    ctx = RequestContext.from_scope(request.scope)
    assert query_params(ctx) == {"state": "real"}


async def test_programmatic_login_ignores_a_hostile_host_with_app_base_url() -> None:
    auth0 = client(FakeProvider(), inferred=False)
    request = starlette_request("x?returnTo=/chosen&prompt=none#", b"")
    url = await auth0.start_interactive_login(request, Response(), return_to="/real")
    params = parse_qs(urlsplit(url).query)
    assert "prompt" not in params
    assert params["redirect_uri"] == [f"{APP}/auth/callback"]


async def test_programmatic_login_refuses_a_hostile_host_when_inferring() -> None:
    auth0 = client(FakeProvider(), inferred=True)
    for host in ("[::1", "x?returnTo=/chosen#"):
        with pytest.raises(InvalidRequestError, match="Host"):
            await auth0.start_interactive_login(starlette_request(host, b""), Response())


class BareSource:
    """A :class:`RequestSource` that is no ASGI scope: only headers and a URL."""

    def __init__(self, url: str) -> None:
        self.headers = {"host": "x"}
        self.url = url


class Sink:
    def add_header(self, name: str, value: str) -> None:
        pass

    def set_header(self, name: str, value: str) -> None:
        pass


@pytest.mark.parametrize("url", ["https://[::1/auth/callback?state=s", "https://a:port/?state=s"])
async def test_a_bare_source_with_an_unparseable_url_is_a_typed_error(url: str) -> None:
    auth0 = client(FakeProvider(), inferred=True)
    with pytest.raises(InvalidRequestError):
        await auth0.complete_interactive_login(BareSource(url), Sink())
    with pytest.raises(InvalidRequestError):
        await auth0.start_interactive_login(BareSource(url), Sink())


def test_scope_request_url_ignores_a_malformed_host() -> None:
    scope = scope_with_hosts("GET", "/p", b"q=1", "x?returnTo=/chosen#")
    assert ScopeRequest(scope).url == "https://testserver:80/p?q=1"
    scope = scope_with_hosts("GET", "/p", b"q=1", "app.example:8443")
    assert ScopeRequest(scope).url == "https://app.example:8443/p?q=1"


async def page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("page")


@get("/page")
async def litestar_page() -> str:
    return "page"


def framework_apps(auth0: Auth0Client) -> list[Any]:
    return [
        auth0.middleware(Starlette(routes=[Route("/page", page)])),
        Litestar([litestar_page], plugins=[Auth0Plugin(auth0)]),
    ]


@pytest.mark.parametrize("inferred", [False, True], ids=["app_base_url", "inferred"])
@pytest.mark.parametrize("host", ["x?returnTo=/chosen&prompt=none#", "[::1"])
async def test_framework_apps_answer_400_too(
    host: str, inferred: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="auth0_async")
    for app in framework_apps(client(FakeProvider(), inferred=inferred)):
        for method, path, query in ROUTES:
            response = await call(app, scope_with_hosts(method, path, query, host))
            assert_clean_400(response, caplog, ours=False)


@pytest.mark.parametrize("inferred", [False, True], ids=["app_base_url", "inferred"])
async def test_framework_apps_log_in_with_a_good_host(inferred: bool) -> None:
    for app in framework_apps(client(FakeProvider(), inferred=inferred)):
        scope = scope_with_hosts("GET", "/auth/login", b"returnTo=/real", "app.example:8443")
        login = await call(app, scope)
        assert login.status == 307, login.body
        params = parse_qs(urlsplit(login.header("location") or "").query)
        base = "https://app.example:8443" if inferred else APP
        assert params["redirect_uri"] == [f"{base}/auth/callback"]
