"""CR, LF and other control characters never reach a ``Location`` or ``Set-Cookie`` header.

Every path that writes one is driven with hostile input: ``returnTo`` (percent-encoded and
raw), forwarded authorization parameters, ``state``, ID-token claims, cookie names, paths
and domains from configuration and the environment, request cookie names, the provider's
endpoints, and ``on_callback`` responses. The xfail tests are bugs (see their reasons).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import anyio
import pytest

from auth0_async import (
    Auth0Client,
    CallbackContext,
    ConfigurationError,
    CookieOptions,
    RouteResponse,
    SessionConfig,
    TransactionCookieOptions,
)

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import Response, call
from ..support.fakes import FakeProvider
from ..support.routes import callback, header, jar, make_client, not_found, start
from .helpers import CONTROLS, bad_headers

HOSTILE = [*CONTROLS, "\x85", "\u2028", "\r\n"]
TEMPLATES = ["/a{c}b", "{c}/x", "/x?q={c}", "/x#{c}", "/{c}/evil.example", "/x%0d%0a{c}"]


async def get(app: Any, path: str, query: bytes = b"", cookies: str | None = None) -> Response:
    return await call(app, http_scope(cookies, path=path, scheme="https", query_string=query))


async def login_callback_logout(query: bytes) -> list[Response]:
    """One whole round (login with ``query``, callback, logout with ``query``); every response."""
    provider = FakeProvider()
    provider.claims = {"name": "Eve\r\nSet-Cookie: admin=1", "nickname": "\x00\x01\x7f"}
    auth0 = make_client(provider)
    app = auth0.middleware(not_found)
    login = await get(app, "/auth/login", query)
    responses = [login]
    if login.status != 307:
        return responses
    params = {k: v[0] for k, v in parse_qs(urlsplit(login.header("location") or "").query).items()}
    provider.nonce = params["nonce"]
    done = await callback(auth0, jar(login), {"code": "c", "state": params["state"]})
    responses.append(done)
    responses.append(await get(app, "/auth/logout", query, header(jar(done))))
    return responses


@pytest.mark.parametrize("template", TEMPLATES)
def test_return_to_never_brings_controls_into_headers(template: str) -> None:
    async def main() -> None:
        for char in HOSTILE:
            value = template.format(c=char)
            for query in (
                b"returnTo=" + quote(value, safe="").encode(),  # %0d%0a and friends
                b"returnTo=" + value.encode("utf-8"),  # raw bytes in the query string
                b"returnTo=" + quote(quote(value, safe=""), safe="").encode(),  # double-encoded
            ):
                responses = await login_callback_logout(query + b"&state=" + query[9:])
                assert [r.status for r in responses] == [307, 307, 307], (value, query)
                for response in responses:
                    assert bad_headers(response) == [], (value, query)
                location = responses[1].header("location") or ""
                assert location.startswith("https://app.example/"), location

    anyio.run(main)


FORWARDED = [
    "scope",
    "audience",
    "prompt",
    "screen_hint",
    "ui_locales",
    "login_hint",
    "organization",
    "invitation",
    "connection",
    "acr_values",
    "custom_param",
]


@pytest.mark.anyio
@pytest.mark.parametrize("name", FORWARDED)
async def test_forwarded_authorization_parameters_are_encoded(name: str) -> None:
    app = make_client(FakeProvider()).middleware(not_found)
    for char in HOSTILE:
        value = f"a{char}b\r\nSet-Cookie: x=1"
        for query in (f"{name}={quote(value)}".encode(), f"{name}=".encode() + value.encode()):
            response = await get(app, "/auth/login", query)
            assert response.status in (307, 400)
            assert bad_headers(response) == [], (name, value)


@pytest.mark.anyio
async def test_hostile_state_and_callback_parameters() -> None:
    provider = FakeProvider()
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    for char in HOSTILE:
        for params in (
            {"code": "c", "state": f"{state}{char}"},
            {"code": "c", "state": f"{char}Set-Cookie: __session=x"},
            {"code": f"c{char}", "state": f"x{char}", "iss": char},
            {"error": f"access_denied{char}", "error_description": f"\r\nLocation: {char}"},
        ):
            response = await callback(auth0, cookies, params)
            assert response.status == 400
            assert bad_headers(response) == []
            assert "__session" not in jar(response)


@pytest.mark.anyio
async def test_an_on_callback_response_with_crlf_is_refused() -> None:
    attempts: list[str] = []

    def hook(error: Any, context: CallbackContext, session: Any) -> RouteResponse:
        attempts.append("redirect")
        return RouteResponse.redirect("/next\r\nSet-Cookie: admin=1")

    provider = FakeProvider()
    auth0 = make_client(provider, on_callback=hook)
    cookies, state = await start(auth0, provider)
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert attempts == ["redirect"]
    assert response.status == 500
    assert b"Traceback" not in response.body
    assert bad_headers(response) == []
    for name, value in [("location", "/a\nb"), ("x-evil\r\n", "v"), ("set-cookie", "a=b\x00")]:
        with pytest.raises(ValueError, match="control character"):
            RouteResponse(302, [(name, value)])


@pytest.mark.anyio
async def test_an_on_callback_response_changed_after_construction_is_refused() -> None:
    def hook(error: Any, context: CallbackContext, session: Any) -> RouteResponse:
        response = RouteResponse.redirect("/next")
        response.headers.append(("set-cookie", "a=b\r\nLocation: https://evil.example"))
        return response

    provider = FakeProvider()
    auth0 = make_client(provider, on_callback=hook)
    cookies, state = await start(auth0, provider)
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert bad_headers(response) == []


@pytest.mark.anyio
@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1b", "\x7f"])
async def test_an_on_callback_location_with_other_controls_is_refused(char: str) -> None:
    def hook(error: Any, context: CallbackContext, session: Any) -> RouteResponse:
        return RouteResponse.redirect(f"/next{char}x")

    provider = FakeProvider()
    auth0 = make_client(provider, on_callback=hook)
    cookies, state = await start(auth0, provider)
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert bad_headers(response) == []


# -- configuration -----------------------------------------------------------------------------


def cookie_configs(char: str) -> list[dict[str, Any]]:
    return [
        {"session": SessionConfig(cookie=CookieOptions(name=f"__session{char}"))},
        {"session": SessionConfig(cookie=CookieOptions(path=f"/app{char}"))},
        {"session": SessionConfig(cookie=CookieOptions(domain=f"app{char}.example"))},
        {"transaction_cookie": TransactionCookieOptions(prefix=f"__txn{char}")},
        {"transaction_cookie": TransactionCookieOptions(path=f"/{char}")},
        {"transaction_cookie": TransactionCookieOptions(domain=f"{char}app.example")},
        {"env": {"AUTH0_COOKIE_PATH": f"/x{char}"}},
        {"env": {"AUTH0_COOKIE_DOMAIN": f"app.example{char}"}},
        {"env": {"AUTH0_COOKIE_SAME_SITE": f"la{char}x"}},  # (surrounding space is trimmed)
    ]


@pytest.mark.parametrize("char", [*CONTROLS, "\r\nSet-Cookie: a=b", ";", ","])
def test_cookie_names_paths_and_domains_with_controls_are_configuration_errors(char: str) -> None:
    configs = cookie_configs(char)
    if char == "\n":
        configs = configs[1:3] + configs[4:]  # names ending in LF: see the xfail test below
    for options in configs:
        with pytest.raises(ConfigurationError):
            Auth0Client(secret=SECRET, **options)


@pytest.mark.parametrize(
    "options",
    [
        {"session": SessionConfig(cookie=CookieOptions(name="__session\n"))},
        {"transaction_cookie": TransactionCookieOptions(prefix="__txn\n")},
    ],
    ids=["session-cookie-name", "transaction-prefix"],
)
def test_a_cookie_name_ending_in_a_newline_is_a_configuration_error(
    options: dict[str, Any],
) -> None:
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, **options)


@pytest.mark.parametrize("path", ["/home\r\n", "/a\x01b", "/a\x7f"])
def test_sign_in_return_to_path_with_controls_is_a_configuration_error(path: str) -> None:
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, sign_in_return_to_path=path)


@pytest.mark.parametrize(
    "url", ["https://app\x0b.example", "https://app.example/a\x01b", "https://app.example/\x7f"]
)
def test_app_base_url_with_controls_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, app_base_url=url)


# -- cookie names that come from the request ----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("route", ["/auth/logout", "/auth/login"])
@pytest.mark.parametrize("char", ["\x01", "\r\nSet-Cookie: evil=1"])
async def test_request_cookie_names_never_reach_set_cookie(route: str, char: str) -> None:
    app = make_client(FakeProvider()).middleware(not_found)
    # Enough hostile transaction cookies that a new login evicts them.
    raw = "; ".join(f"__txn_{i}{char}x={i}:{'A' * 600}" for i in range(8))
    scope = http_scope(None, path=route, scheme="https")
    scope["headers"].append((b"cookie", raw.encode("latin-1")))
    response = await call(app, scope)
    assert response.status == 307
    assert bad_headers(response) == []


@pytest.mark.anyio
async def test_request_cookie_names_with_controls_do_not_disturb_session_writes() -> None:
    """Chunk names are parsed strictly: hostile look-alikes are ignored, never echoed."""
    provider = FakeProvider()
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    hostile = {f"__session__1{c}": "x" for c in ("\x01", "\t", "\x7f")}
    hostile.update({"__session__\x01": "y", "appSession.\x7f": "z"})
    response = await callback(auth0, {**cookies, **hostile}, {"code": "c", "state": state})
    assert response.status == 307
    assert bad_headers(response) == []


# -- the provider's endpoints ------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["authorization_endpoint", "end_session_endpoint"])
@pytest.mark.parametrize("char", ["\x01", "\t"])
async def test_provider_endpoints_with_controls_never_reach_location(field: str, char: str) -> None:
    provider = FakeProvider()
    provider.metadata[field] = provider.metadata[field] + char + "x"
    app = make_client(provider).middleware(not_found)
    for path in ("/auth/login", "/auth/logout"):
        response = await get(app, path)
        assert bad_headers(response) == [], path


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["authorization_endpoint", "end_session_endpoint"])
async def test_provider_endpoints_with_crlf_are_refused_cleanly(field: str) -> None:
    provider = FakeProvider()
    provider.metadata[field] = provider.metadata[field] + "\r\nSet-Cookie: a=b"
    app = make_client(provider).middleware(not_found)
    for path in ("/auth/login", "/auth/logout"):
        response = await get(app, path)
        assert bad_headers(response) == [], path
        assert response.status in (307, 500)
        assert b"Traceback" not in response.body


@pytest.mark.anyio
async def test_every_auth_route_response_says_nosniff() -> None:
    """``X-Content-Type-Options: nosniff`` on every response of the routes: JSON, empty, redirects."""
    provider = FakeProvider()
    auth0 = make_client(provider)
    app = auth0.middleware(not_found)
    cookies, state = await start(auth0, provider)
    done = await callback(auth0, cookies, {"code": "c", "state": state})
    signed_in = header(jar(done))
    responses = {
        "login": await get(app, "/auth/login"),
        "callback": done,
        "profile": await get(app, "/auth/profile", cookies=signed_in),
        "profile-401": await get(app, "/auth/profile"),
        "access-token": await get(app, "/auth/access-token", cookies=signed_in),
        "access-token-401": await get(app, "/auth/access-token"),
        "logout": await get(app, "/auth/logout", cookies=signed_in),
        "callback-400": await get(app, "/auth/callback"),
    }
    statuses = {name: r.status for name, r in responses.items()}
    assert statuses == {
        "login": 307,
        "callback": 307,
        "profile": 200,
        "profile-401": 401,
        "access-token": 200,
        "access-token-401": 401,
        "logout": 307,
        "callback-400": 400,
    }
    for name, response in responses.items():
        assert response.all("x-content-type-options") == ["nosniff"], name


@pytest.mark.anyio
async def test_nosniff_is_added_to_an_on_callback_response_once() -> None:
    provider = FakeProvider()

    def hook(*_: Any) -> RouteResponse:
        return RouteResponse(200, [("content-type", "text/html")], b"<p>hi</p>")

    auth0 = make_client(provider, on_callback=hook)
    cookies, state = await start(auth0, provider)
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert response.status == 200
    assert response.all("x-content-type-options") == ["nosniff"]
    own = RouteResponse(200, [("X-Content-Type-Options", "nosniff")])
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    await own.send(send)
    assert [k for k, _ in sent[0]["headers"]] == [b"x-content-type-options"]
