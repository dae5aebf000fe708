from __future__ import annotations

import json
from typing import Any

import pytest

from auth0_async._exceptions import DiscoveryError
from auth0_async._oidc._discovery import (
    ProviderMetadata,
    discovery_url,
    issuer_matches,
    parse_jwks,
    parse_metadata,
)

from ..support.tokens import ec_key, public_jwks, rsa_key


def doc(**overrides: Any) -> bytes:
    base: dict[str, Any] = {
        "issuer": "https://tenant.auth0.com/",
        "authorization_endpoint": "https://tenant.auth0.com/authorize",
        "token_endpoint": "https://tenant.auth0.com/oauth/token",
        "jwks_uri": "https://tenant.auth0.com/.well-known/jwks.json",
        "end_session_endpoint": "https://tenant.auth0.com/oidc/logout",
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "backchannel_logout_supported": True,
        "brand_new_member": [1, 2, 3],
    }
    base.update(overrides)
    return json.dumps({k: v for k, v in base.items() if v is not None}).encode()


def test_auth0_document_with_configured_domain_without_slash() -> None:
    metadata = parse_metadata(doc(), "https://tenant.auth0.com")
    assert isinstance(metadata, ProviderMetadata)
    assert metadata.issuer == "https://tenant.auth0.com/"
    assert metadata.end_session_endpoint == "https://tenant.auth0.com/oidc/logout"
    assert metadata.id_token_signing_alg_values_supported == ("HS256", "RS256", "PS256")
    assert metadata.backchannel_logout_supported is True
    assert metadata.revocation_endpoint is None
    assert metadata.authorization_response_iss_parameter_supported is False


def test_generic_op_issuer_without_slash() -> None:
    body = doc(issuer="http://127.0.0.1:3900", token_endpoint="http://127.0.0.1:3900/token")
    assert parse_metadata(body, "http://127.0.0.1:3900").issuer == "http://127.0.0.1:3900"
    assert parse_metadata(body, "http://127.0.0.1:3900/").issuer == "http://127.0.0.1:3900"


@pytest.mark.parametrize(
    "issuer",
    [
        "https://tenant.auth0.com//",
        "https://TENANT.auth0.com/",
        "https://tenant.auth0.com:443/",
        "https://evil.auth0.com/",
        "https://tenant.auth0.com/x/",
        "http://tenant.auth0.com/",
        "https://tenant.auth0.com.evil.com/",
    ],
)
def test_issuer_mismatch(issuer: str) -> None:
    with pytest.raises(DiscoveryError, match="does not match"):
        parse_metadata(doc(issuer=issuer), "https://tenant.auth0.com")


def test_issuer_matches_one_slash_only() -> None:
    assert issuer_matches("https://a/", "https://a")
    assert issuer_matches("https://a", "https://a/")
    assert issuer_matches("https://a", "https://a")
    assert not issuer_matches("https://a//", "https://a")
    assert not issuer_matches("https://a", "https://a//")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"x"',
        b"{}",
        b'{"issuer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        doc(token_endpoint=None),
        doc(jwks_uri=None),
        doc(authorization_endpoint=42),
        doc(id_token_signing_alg_values_supported="RS256"),
    ],
)
def test_malformed_documents(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_metadata(body, "https://tenant.auth0.com")


@pytest.mark.parametrize(
    "member",
    ["token_endpoint", "jwks_uri", "authorization_endpoint", "end_session_endpoint"],
)
@pytest.mark.parametrize(
    "url", ["http://tenant.auth0.com/x", "javascript:alert(1)", "/relative", "https://"]
)
def test_endpoints_must_be_https_for_https_issuer(member: str, url: str) -> None:
    with pytest.raises(DiscoveryError, match=member):
        parse_metadata(doc(**{member: url}), "https://tenant.auth0.com")


def test_discovery_url() -> None:
    assert (
        discovery_url("https://tenant.auth0.com/")
        == "https://tenant.auth0.com/.well-known/openid-configuration"
    )
    assert (
        discovery_url("https://op/tenant") == "https://op/tenant/.well-known/openid-configuration"
    )


def test_parse_jwks_keeps_signing_keys_and_drops_private_members() -> None:
    rsa = rsa_key()
    private_entry = dict(rsa.as_dict(private=True))
    body = {
        "keys": [
            private_entry,
            dict(ec_key().as_dict(private=False)),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "broken", "crv": "P-256", "x": 1, "y": 2},
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            "not an object",
        ]
    }
    keys = parse_jwks(json.dumps(body).encode())
    assert [key.kid for key in keys] == ["rsa-1", "ec-1"]
    assert not any(key.is_private for key in keys)


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"[]",
        b"{}",
        b'{"keys": {}}',
        b'{"keys": []}',
        b'{"keys": [{"kty": "oct", "k": "AA"}]}',
    ],
)
def test_parse_jwks_errors(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_jwks(body)


def test_parse_jwks_round_trip() -> None:
    body = json.dumps(public_jwks(rsa_key(), ec_key())).encode()
    assert len(list(parse_jwks(body))) == 2
