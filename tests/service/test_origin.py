"""The app's origin per request (``_service/_origin``): configured base URLs or the request's own."""

from __future__ import annotations

import logging
import warnings

import pytest

from auth0_async import InvalidRequestError, SecurityWarning
from auth0_async._core._context import RequestContext
from auth0_async._service._origin import AppOrigin, origin_of

from ..conftest import http_scope


def ctx(host: str = "testserver", *, scheme: str = "https") -> RequestContext:
    scope = http_scope(None, scheme=scheme)
    scope["headers"] = [(b"host", host.encode("latin-1"))]
    return RequestContext.from_scope(scope)


def test_one_configured_base_url_ignores_the_host_header() -> None:
    origin = AppOrigin(["https://app.example/base"], "/auth/callback")
    assert origin.base_url(ctx("evil.example")) == "https://app.example/base"
    assert origin.base_url(ctx("bad host\r\n")) == "https://app.example/base"


def test_several_base_urls_pick_the_one_the_request_came_to() -> None:
    origin = AppOrigin(["https://a.example", "https://b.example:8443/app"], None)
    assert origin.base_url(ctx("a.example")) == "https://a.example"
    assert origin.base_url(ctx("B.Example:8443")) == "https://b.example:8443/app"


@pytest.mark.parametrize(
    ("host", "scheme"),
    [
        ("c.example", "https"),  # not configured
        ("a.example", "http"),  # another scheme
        ("a.example.evil", "https"),  # a longer host sharing the prefix
        ("a.exampl", "https"),  # a prefix of a configured host
        ("a.example:444", "https"),  # another port
    ],
)
def test_a_request_from_another_origin_is_refused(host: str, scheme: str) -> None:
    origin = AppOrigin(["https://a.example", "https://b.example"], None)
    with pytest.raises(InvalidRequestError, match="not one of the configured"):
        origin.base_url(ctx(host, scheme=scheme))


def test_without_configuration_the_request_origin_is_used() -> None:
    origin = AppOrigin([], "/auth/callback")
    assert origin.base_url(ctx("app.example:8000", scheme="http")) == "http://app.example:8000"
    with pytest.raises(InvalidRequestError, match="Host"):
        origin.base_url(ctx("evil.example/path"))


def test_an_inferred_origin_must_be_http_or_https() -> None:
    origin = AppOrigin([], None)
    with pytest.raises(InvalidRequestError, match="scheme"):
        origin.base_url(ctx("app.example", scheme="ws"))


def test_redirect_uri_and_origin_of() -> None:
    assert AppOrigin([], "/auth/callback").redirect_uri("https://a.example/app") == (
        "https://a.example/app/auth/callback"
    )
    assert AppOrigin([], None).redirect_uri("https://a.example") == "https://a.example"
    assert origin_of("https://a.example:8443/app/x?y=1") == "https://a.example:8443"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/dashboard?tab=1", "/dashboard?tab=1"),
        ("https://a.example/app/page", "/app/page"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        (None, "/"),
    ],
)
def test_safe_path_keeps_same_origin_paths_only(value: str | None, expected: str) -> None:
    assert AppOrigin.safe_path(value, "https://a.example", "/") == expected


# -- the deployment check: plain http from afar, without app_base_url -----------------------


def far_ctx(
    client: tuple[str, int] | None = ("203.0.113.7", 40000),
    *,
    scheme: str = "http",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> RequestContext:
    scope = http_scope(None, scheme=scheme, client=client)
    scope["headers"] = [(b"host", b"app.example"), *(headers or [])]
    return RequestContext.from_scope(scope)


def proxy_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if getattr(r, "event", None) == "auth0_async.proxy.insecure_request"
    ]


@pytest.mark.parametrize(
    ("client", "headers"),
    [
        (("203.0.113.7", 40000), None),  # a public client reached the app directly over http
        (("172.18.0.3", 40000), None),  # a proxy (in a container network) without proxy headers
        (("2001:db8::1", 40000), None),
        (("127.0.0.1", 40000), [(b"x-forwarded-proto", b"https")]),  # headers left unapplied
        (("127.0.0.1", 40000), [(b"forwarded", b"for=203.0.113.7;proto=https")]),
    ],
)
def test_plain_http_from_afar_warns_once_per_client(
    caplog: pytest.LogCaptureFixture,
    client: tuple[str, int],
    headers: list[tuple[bytes, bytes]] | None,
) -> None:
    origin = AppOrigin([], "/auth/callback")
    with caplog.at_level(logging.WARNING, logger="auth0_async"):
        with pytest.warns(SecurityWarning, match="app_base_url"):
            assert origin.base_url(far_ctx(client, headers=headers)) == "http://app.example"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            origin.base_url(far_ctx(client, headers=headers))  # decided: no second warning
    [record] = proxy_records(caplog)
    assert "203.0.113.7" not in record.getMessage()  # no client address in the logs
    # Another client (another AppOrigin) decides for itself.
    with pytest.warns(SecurityWarning):
        AppOrigin([], None).base_url(far_ctx(client, headers=headers))


@pytest.mark.parametrize(
    "client",
    [
        ("127.0.0.1", 40000),
        ("127.8.9.10", 40000),
        ("::1", 40000),
        ("::ffff:127.0.0.1", 40000),
        ("testclient", 50000),  # Starlette's TestClient
        None,  # a Unix socket
    ],
)
def test_local_and_unknown_clients_do_not_warn(
    caplog: pytest.LogCaptureFixture, client: tuple[str, int] | None
) -> None:
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="auth0_async"):
        warnings.simplefilter("error")
        AppOrigin([], None).base_url(far_ctx(client))
    assert proxy_records(caplog) == []


def test_https_or_a_configured_base_url_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="auth0_async"):
        warnings.simplefilter("error")
        origin = AppOrigin([], None)
        origin.base_url(far_ctx(scheme="https"))
        origin.base_url(far_ctx())  # once https was seen, the deployment is taken as right
        AppOrigin(["http://app.example"], None).base_url(far_ctx())
        AppOrigin(["http://app.example", "http://b.example"], None).base_url(far_ctx())
    assert proxy_records(caplog) == []


@pytest.mark.anyio
async def test_through_the_middleware_a_login_over_plain_http_from_afar_warns() -> None:
    import httpx

    from auth0_async import Auth0Client

    from ..conftest import SECRET
    from ..support.asgi_driver import call
    from ..support.fakes import FakeProvider
    from ..support.routes import not_found

    provider = FakeProvider()
    auth0 = Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret="csecret",
        secret=SECRET,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)),
    )
    app = auth0.middleware(not_found)
    scope = http_scope(None, path="/auth/login", client=("198.51.100.4", 5000))
    with pytest.warns(SecurityWarning, match="proxy"):
        response = await call(app, scope)
    assert response.status == 307
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fauth%2Fcallback" in (
        response.header("location") or ""
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await call(app, http_scope(None, path="/", client=("198.51.100.4", 5000)))
        assert (await call(app, scope)).status == 307  # once per client
