from __future__ import annotations

import json
from typing import Any

import pytest

from auth0_async._exceptions import OAuthError, TransportError
from auth0_async._oidc._tokens import (
    TokenResponse,
    authorization_code_form,
    parse_token_response,
    refresh_token_form,
)


def test_authorization_code_form() -> None:
    assert authorization_code_form(code="c", redirect_uri="https://a/cb", code_verifier="v") == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "https://a/cb",
        "code_verifier": "v",
    }


def test_refresh_token_form() -> None:
    assert refresh_token_form(refresh_token="r") == {
        "grant_type": "refresh_token",
        "refresh_token": "r",
    }
    assert refresh_token_form(refresh_token="r", scope="openid x", audience="https://api") == {
        "grant_type": "refresh_token",
        "refresh_token": "r",
        "scope": "openid x",
        "audience": "https://api",
    }


FULL = {
    "access_token": "AT-VALUE",
    "token_type": "Bearer",
    "expires_in": 86400,
    "refresh_token": "RT-VALUE",
    "id_token": "a.b.c",
    "scope": "openid profile",
    "unknown": {"nested": True},
}


@pytest.mark.parametrize("as_bytes", [True, False])
def test_parse_full_response(as_bytes: bool) -> None:
    body: Any = json.dumps(FULL).encode() if as_bytes else FULL
    response = parse_token_response(body)
    assert response == TokenResponse(
        access_token="AT-VALUE",
        token_type="Bearer",
        expires_in=86400,
        refresh_token="RT-VALUE",
        id_token="a.b.c",
        scope="openid profile",
    )
    assert response.expires_at(1000.9) == 87400
    assert "AT-VALUE" not in repr(response)
    assert "RT-VALUE" not in repr(response)


def test_minimal_response_and_lowercase_bearer_and_string_expires_in() -> None:
    response = parse_token_response(
        {"access_token": "at", "token_type": "bearer", "expires_in": "60"}
    )
    assert response.expires_in == 60
    assert response.refresh_token is None
    assert parse_token_response({"access_token": "at", "token_type": "DPoP"}).expires_at(5) is None


def test_error_body_is_oauth_error() -> None:
    body = {"error": "invalid_grant", "error_description": "refresh token already used"}
    with pytest.raises(OAuthError) as info:
        parse_token_response(json.dumps(body).encode(), status=400)
    assert info.value.error == "invalid_grant"
    assert info.value.code == "invalid_grant"
    assert info.value.error_description == "refresh token already used"
    assert info.value.status == 400


def test_odd_error_members() -> None:
    with pytest.raises(OAuthError) as info:
        parse_token_response({"error": 5, "error_description": ["x"]})
    assert info.value.error == "invalid_response"
    assert info.value.error_description is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>",
        b"[]",
        b"null",
        b"[" * 100_000 + b"]" * 100_000,
        {"token_type": "Bearer"},
        {"access_token": "at"},
        {"access_token": "", "token_type": "Bearer"},
        {"access_token": 5, "token_type": "Bearer"},
        {"access_token": "at", "token_type": "mac"},
        {"access_token": "at", "token_type": "Bearer", "expires_in": "soon"},
        {"access_token": "at", "token_type": "Bearer", "expires_in": -1},
        {"access_token": "at", "token_type": "Bearer", "id_token": 7},
    ],
)
def test_invalid_responses_are_transport_errors(body: Any) -> None:
    with pytest.raises(TransportError):
        parse_token_response(body)


def test_require_id_token() -> None:
    with pytest.raises(TransportError, match="id_token"):
        parse_token_response({"access_token": "at", "token_type": "Bearer"}, require_id_token=True)
