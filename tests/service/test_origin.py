"""The app's origin per request (``_service/_origin``): configured base URLs or the request's own."""

from __future__ import annotations

import pytest

from auth0_async import InvalidRequestError
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
