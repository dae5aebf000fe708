from __future__ import annotations

import warnings

import pytest

from auth0_async import (
    Auth0Client,
    ConfigurationError,
    CookieOptions,
    Secret,
    SecurityWarning,
    SessionConfig,
)
from auth0_async._core._config import normalize_app_base_urls, normalize_domain, resolve_cookie

from ..conftest import SECRET


def test_everything_falls_back_to_the_environment() -> None:
    env = {
        "AUTH0_SECRET": SECRET,
        "AUTH0_DOMAIN": "tenant.eu.auth0.com",
        "AUTH0_CLIENT_ID": "cid",
        "AUTH0_CLIENT_SECRET": "csecret",
        "APP_BASE_URL": "https://app.example.com/",
        "AUTH0_COOKIE_SAME_SITE": "strict",
        "AUTH0_COOKIE_PATH": "/app",
        "AUTH0_COOKIE_DOMAIN": "example.com",
        "AUTH0_COOKIE_TRANSIENT": "true",
    }
    auth0 = Auth0Client(env=env)
    assert auth0.domain == "https://tenant.eu.auth0.com"
    assert auth0.client_id == "cid"
    cookie = auth0._kernel.cookie
    assert cookie.attributes.same_site == "strict"
    assert cookie.attributes.path == "/app"
    assert cookie.attributes.domain == "example.com"
    assert cookie.attributes.secure is True  # https app_base_url forces it
    assert cookie.transient is True


def test_explicit_options_win_over_the_environment() -> None:
    env = {"AUTH0_SECRET": "x" * 64, "AUTH0_DOMAIN": "env.example.com", "AUTH0_COOKIE_PATH": "/env"}
    auth0 = Auth0Client(
        secret=SECRET,
        domain="arg.example.com",
        env=env,
        session=SessionConfig(cookie=CookieOptions(path="/arg")),
    )
    assert auth0.domain == "https://arg.example.com"
    assert auth0._kernel.cookie.attributes.path == "/arg"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("tenant.auth0.com", "https://tenant.auth0.com"),
        ("Tenant.Auth0.com", "https://tenant.auth0.com"),
        ("https://tenant.auth0.com/", "https://tenant.auth0.com"),
        ("https://login.example.com:8443", "https://login.example.com:8443"),
    ],
)
def test_domain_normalisation(domain: str, expected: str) -> None:
    assert normalize_domain(domain, allow_insecure_requests=False) == expected


@pytest.mark.parametrize(
    "domain",
    [
        "http://tenant.auth0.com",
        "ftp://x",
        "tenant auth0",
        "https://u:p@x.com",
        "https://x.com/?a=1",
        "",
    ],
)
def test_bad_domains_are_refused(domain: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_domain(domain, allow_insecure_requests=False)


def test_http_domain_needs_the_opt_in_and_warns() -> None:
    with pytest.warns(SecurityWarning):
        assert (
            normalize_domain("http://127.0.0.1:3900", allow_insecure_requests=True)
            == "http://127.0.0.1:3900"
        )


def test_app_base_urls() -> None:
    assert normalize_app_base_urls(
        None, {"APP_BASE_URL": "https://a.example, https://b.example/"}
    ) == ("https://a.example", "https://b.example")
    for bad in ("/relative", "https://a.example/?q=1", "javascript:alert(1)"):
        with pytest.raises(ConfigurationError):
            normalize_app_base_urls(bad, {})


def test_secret_validation() -> None:
    with pytest.raises(ConfigurationError):
        Auth0Client(secret="")
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=[])
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=[SECRET, ""])


@pytest.mark.parametrize("secret", ["hunter2", "x" * 31, [SECRET, "y" * 31]])
def test_a_secret_under_32_characters_is_refused(secret: str | list[str]) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 characters") as info:
        Auth0Client(secret=secret, env={})
    assert "AUTH0_DEV_ALLOW_SHORT_SECRET" in info.value.message  # names the escape hatch
    for value in [secret] if isinstance(secret, str) else secret:
        assert value not in info.value.message  # never echoes a secret
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        Auth0Client(env={"AUTH0_SECRET": "z" * 31})


def test_32_characters_is_enough() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Auth0Client(secret="x" * 32, env={})


@pytest.mark.parametrize("flag", ["", "false", "1", "yes"])
def test_only_a_literal_true_opens_the_short_secret_escape_hatch(flag: str) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        Auth0Client(secret="short", env={"AUTH0_DEV_ALLOW_SHORT_SECRET": flag})


def test_the_dev_escape_hatch_accepts_a_short_secret_with_a_warning() -> None:
    env = {"AUTH0_DEV_ALLOW_SHORT_SECRET": "true"}
    with pytest.warns(SecurityWarning, match="32 characters.*never set it in production"):
        auth0 = Auth0Client(secret="short", env=env)
    assert auth0._kernel.sessions is not None
    with pytest.warns(SecurityWarning, match="32 characters"):
        Auth0Client(env={**env, "AUTH0_SECRET": "short"})


def test_secrets_never_show() -> None:
    auth0 = Auth0Client(
        secret=SECRET, client_secret="very-secret-client-secret", domain="t.auth0.com"
    )
    assert SECRET not in repr(auth0)
    assert "very-secret" not in repr(auth0)
    assert repr(Secret("abc")) == "Secret('**********')"
    assert str(Secret("abc")) == "Secret('**********')"
    with pytest.raises(ConfigurationError) as info:
        Auth0Client(secret=SECRET, domain="http://x.example")
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"absolute_duration": 0},
        {"inactivity_duration": -1},
        {"rolling_threshold": -5},
        {"absolute_duration": 1.5},
        {"absolute_duration": True},
    ],
)
def test_session_config_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        SessionConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        CookieOptions(name="bad name"),
        CookieOptions(name="a;b"),
        CookieOptions(path="no-slash"),
        CookieOptions(path="/a;b"),
        CookieOptions(domain="a\r\nb"),
    ],
)
def test_cookie_option_validation(options: CookieOptions) -> None:
    with pytest.raises(ConfigurationError):
        resolve_cookie(options, app_base_urls=(), env={})


def test_secure_policy_matrix() -> None:
    https = ("https://app.example",)
    http = ("http://localhost:3000",)
    assert resolve_cookie(CookieOptions(), app_base_urls=https, env={}).attributes.secure is True
    with pytest.warns(SecurityWarning):
        assert (
            resolve_cookie(
                CookieOptions(secure=False), app_base_urls=https, env={}
            ).attributes.secure
            is True
        )
    assert resolve_cookie(CookieOptions(), app_base_urls=http, env={}).attributes.secure is False
    assert (
        resolve_cookie(
            CookieOptions(), app_base_urls=http, env={"AUTH0_COOKIE_SECURE": "true"}
        ).attributes.secure
        is True
    )
    dynamic = resolve_cookie(CookieOptions(), app_base_urls=(), env={})
    assert dynamic.secure_from_request
    assert dynamic.for_request(True).secure
    assert not dynamic.for_request(False).secure
    with pytest.raises(ConfigurationError):
        resolve_cookie(CookieOptions(same_site="none", secure=False), app_base_urls=(), env={})
    with pytest.raises(ConfigurationError):
        resolve_cookie(
            CookieOptions(), app_base_urls=(), env={"AUTH0_COOKIE_SAME_SITE": "sideways"}
        )


def test_no_warning_for_a_good_configuration() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Auth0Client(secret=SECRET, domain="t.auth0.com", app_base_url="https://app.example")


def test_a_session_store_must_implement_the_protocol() -> None:
    with pytest.raises(ConfigurationError, match="must implement SessionStore"):
        Auth0Client(secret=SECRET, session_store=object())  # type: ignore[arg-type]


def test_routes_list_the_paths_that_are_on() -> None:
    from auth0_async import Routes

    assert Routes().paths() == (
        "/auth/login",
        "/auth/callback",
        "/auth/logout",
        "/auth/profile",
        "/auth/access-token",
        "/auth/backchannel-logout",
    )
    moved = Routes(login="/signin", profile=None, access_token=None)
    assert moved.paths() == (
        "/signin",
        "/auth/callback",
        "/auth/logout",
        "/auth/backchannel-logout",
    )
