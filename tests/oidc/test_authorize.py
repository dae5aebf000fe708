from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from auth0_async._exceptions import ConfigurationError, InvalidRequestError
from auth0_async._oidc._authorize import (
    DEFAULT_SCOPE,
    authorization_url,
    build_authorization_params,
    build_logout_url,
    par_authorization_url,
)
from auth0_async._oidc._discovery import ProviderMetadata

METADATA = ProviderMetadata(
    issuer="https://tenant.auth0.com/",
    authorization_endpoint="https://tenant.auth0.com/authorize",
    token_endpoint="https://tenant.auth0.com/oauth/token",
    jwks_uri="https://tenant.auth0.com/.well-known/jwks.json",
    end_session_endpoint="https://tenant.auth0.com/oidc/logout",
)
NO_END_SESSION = ProviderMetadata(
    issuer="https://tenant.auth0.com/",
    authorization_endpoint="https://tenant.auth0.com/authorize?tenant=x",
    token_endpoint="https://tenant.auth0.com/oauth/token",
    jwks_uri="https://tenant.auth0.com/.well-known/jwks.json",
)


def params(**kwargs: Any) -> dict[str, str]:
    return build_authorization_params(
        client_id="cid",
        redirect_uri="https://app.example.com/auth/callback",
        state="st",
        nonce="no",
        code_challenge="cc",
        **kwargs,
    )


def test_defaults() -> None:
    assert params() == {
        "scope": DEFAULT_SCOPE,
        "client_id": "cid",
        "redirect_uri": "https://app.example.com/auth/callback",
        "response_type": "code",
        "code_challenge": "cc",
        "code_challenge_method": "S256",
        "state": "st",
        "nonce": "no",
    }
    assert DEFAULT_SCOPE == "openid profile email offline_access"


def test_query_overrides_configured_and_scope_is_replaced() -> None:
    result = params(
        configured={"scope": "openid profile", "audience": "https://api", "prompt": "login"},
        query={"scope": "openid read:data", "prompt": "consent", "screen_hint": "signup"},
    )
    assert result["scope"] == "openid read:data"
    assert result["audience"] == "https://api"
    assert result["prompt"] == "consent"
    assert result["screen_hint"] == "signup"


@pytest.mark.parametrize(
    "name",
    [
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "state",
        "nonce",
        "request",
        "request_uri",
    ],
)
def test_internal_params_cannot_be_overridden(name: str) -> None:
    result = params(configured={name: "configured"}, query={name: "attacker"})
    assert result.get(name) not in ("configured", "attacker")


def test_return_to_and_challenge_mode_not_forwarded_and_nulls_skipped() -> None:
    result = params(
        configured={"organization": None, "connection": "github"},
        query={"returnTo": "/x", "challengeMode": "popup", "login_hint": None, "ui_locales": "fr"},
    )
    assert "returnTo" not in result
    assert "challengeMode" not in result
    assert "organization" not in result
    assert "login_hint" not in result
    assert result["connection"] == "github"
    assert result["ui_locales"] == "fr"


@pytest.mark.parametrize("value", ["0", "300", "0042"])
def test_max_age_accepted(value: str) -> None:
    assert params(query={"max_age": value})["max_age"] == value


def test_configured_integer_max_age() -> None:
    assert params(configured={"max_age": 3600})["max_age"] == "3600"


@pytest.mark.parametrize("value", ["", "-1", "1.5", "1e3", " 1", "1 ", "abc", "\u0661", "+1"])
def test_bad_query_max_age_is_invalid_request(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="max_age"):
        params(query={"max_age": value})


@pytest.mark.parametrize("value", [-1, "x", True, 1.5])
def test_bad_configured_max_age_is_configuration_error(value: Any) -> None:
    with pytest.raises(ConfigurationError):
        params(configured={"max_age": value})


def test_scope_must_contain_openid() -> None:
    with pytest.raises(InvalidRequestError, match="openid"):
        params(query={"scope": "profile email"})
    with pytest.raises(ConfigurationError, match="openid"):
        params(configured={"scope": "profile"})


def test_scope_map_by_audience() -> None:
    scopes = {"https://api": "openid read:data", "https://other": "openid write"}
    assert params(configured={"scope": scopes, "audience": "https://api"})["scope"] == (
        "openid read:data"
    )
    assert params(configured={"scope": scopes}, query={"audience": "https://other"})["scope"] == (
        "openid write"
    )
    assert params(configured={"scope": scopes})["scope"] == DEFAULT_SCOPE


def test_authorization_url() -> None:
    url = authorization_url(METADATA, params(query={"audience": "https://api/ x&y"}))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://tenant.auth0.com/authorize"
    query = dict(parse_qsl(parts.query))
    assert query["audience"] == "https://api/ x&y"
    assert query["scope"] == DEFAULT_SCOPE
    assert query["code_challenge_method"] == "S256"


def test_authorization_url_keeps_existing_query() -> None:
    url = authorization_url(NO_END_SESSION, {"a": "1"})
    assert url == "https://tenant.auth0.com/authorize?tenant=x&a=1"


def test_par_authorization_url() -> None:
    url = par_authorization_url(METADATA, client_id="cid", request_uri="urn:ietf:params:oauth:x")
    assert dict(parse_qsl(urlsplit(url).query)) == {
        "client_id": "cid",
        "request_uri": "urn:ietf:params:oauth:x",
    }


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_logout_oidc() -> None:
    url = build_logout_url(
        strategy="oidc",
        metadata=METADATA,
        client_id="cid",
        return_to="https://app.example.com/",
        id_token_hint="idt",
        logout_hint="sid-1",
        state="s1",
        federated=True,
    )
    assert url.startswith("https://tenant.auth0.com/oidc/logout?")
    assert query_of(url) == {
        "client_id": "cid",
        "post_logout_redirect_uri": "https://app.example.com/",
        "state": "s1",
        "logout_hint": "sid-1",
        "id_token_hint": "idt",
        "federated": "",
    }


def test_logout_oidc_minimal() -> None:
    url = build_logout_url(strategy="auto", metadata=METADATA, client_id="cid", return_to=None)
    assert query_of(url) == {"client_id": "cid"}


def test_logout_v2() -> None:
    url = build_logout_url(
        strategy="v2",
        metadata=METADATA,
        client_id="cid",
        return_to="https://app.example.com/bye",
        id_token_hint="idt",
        state="ignored",
        federated=True,
    )
    assert url.startswith("https://tenant.auth0.com/v2/logout?")
    assert query_of(url) == {
        "returnTo": "https://app.example.com/bye",
        "client_id": "cid",
        "federated": "",
    }


def test_logout_auto_falls_back_to_v2() -> None:
    url = build_logout_url(
        strategy="auto", metadata=NO_END_SESSION, client_id="cid", return_to="https://a/"
    )
    assert url == "https://tenant.auth0.com/v2/logout?returnTo=https%3A%2F%2Fa%2F&client_id=cid"


def test_logout_oidc_without_end_session_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="RP-Initiated Logout is not supported"):
        build_logout_url(strategy="oidc", metadata=NO_END_SESSION, client_id="cid", return_to=None)


def test_logout_unknown_strategy() -> None:
    with pytest.raises(ConfigurationError):
        build_logout_url(
            strategy="bogus",  # type: ignore[arg-type]
            metadata=METADATA,
            client_id="cid",
            return_to=None,
        )
