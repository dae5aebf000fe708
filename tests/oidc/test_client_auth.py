from __future__ import annotations

import base64
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from auth0_async._core._config import Secret
from auth0_async._exceptions import ConfigurationError
from auth0_async._oidc._client_auth import ClientSecretBasic, ClientSecretPost, PrivateKeyJwt

from ..support.tokens import NOW, ec_key, rsa_key

ISSUER = "https://tenant.auth0.com/"
TOKEN_ENDPOINT = "https://tenant.auth0.com/oauth/token"


def apply(auth: Any, form: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    result: tuple[dict[str, str], dict[str, str]] = auth.apply(
        form or {"grant_type": "refresh_token"},
        issuer=ISSUER,
        token_endpoint=TOKEN_ENDPOINT,
        now=NOW,
    )
    return result


def test_client_secret_post() -> None:
    body, headers = apply(ClientSecretPost("cid", "s3cret"))
    assert body == {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "s3cret"}
    assert headers == {}


def test_client_secret_basic_form_urlencodes_before_base64() -> None:
    auth = ClientSecretBasic("client:id é", Secret("p@ss w%rd:+/"))
    body, headers = apply(auth)
    assert body == {"grant_type": "refresh_token"}
    scheme, _, token = headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "client%3Aid+%C3%A9:p%40ss+w%25rd%3A%2B%2F"


def test_client_secret_basic_plain_values() -> None:
    header = ClientSecretBasic("abc", "def").authorization_header()
    assert header == "Basic " + base64.b64encode(b"abc:def").decode()


@pytest.mark.parametrize("cls", [ClientSecretPost, ClientSecretBasic])
def test_secrets_masked(cls: type[ClientSecretPost | ClientSecretBasic]) -> None:
    auth = cls("cid", "very-secret-value")
    assert "very-secret-value" not in repr(auth)
    assert "very-secret-value" not in str(auth)
    assert "cid" in repr(auth)


@pytest.mark.parametrize(("client_id", "secret"), [("", "x"), ("cid", ""), ("cid", Secret(""))])
def test_empty_credentials_rejected(client_id: str, secret: str | Secret) -> None:
    with pytest.raises(ConfigurationError):
        ClientSecretPost(client_id, secret)


def decode_assertion(assertion: str, key: RSAKey | ECKey, alg: str) -> jwt.Token:
    return jwt.decode(assertion, key, algorithms=[alg])


@pytest.mark.parametrize(
    ("alg", "key_source"),
    [
        ("RS256", "pem"),
        ("PS256", "jwk"),
        ("ES256", "pem"),
        ("ES256", "object"),
        ("RS256", "pem-str"),
    ],
)
def test_private_key_jwt_assertion(alg: str, key_source: str) -> None:
    key = ec_key() if alg.startswith("ES") else rsa_key()
    material: Any = {
        "pem": key.as_pem(private=True),
        "pem-str": key.as_pem(private=True).decode(),
        "jwk": dict(key.as_dict(private=True)),
        "object": key,
    }[key_source]
    auth = PrivateKeyJwt("cid", material, alg=alg)
    body, headers = apply(auth, {"grant_type": "authorization_code", "code": "c"})
    assert headers == {}
    assert body["client_id"] == "cid"
    assert body["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in body
    token = decode_assertion(body["client_assertion"], key, alg)
    assert token.header["alg"] == alg
    claims = token.claims
    assert claims["iss"] == claims["sub"] == "cid"
    assert claims["aud"] == ISSUER
    assert claims["iat"] == int(NOW)
    assert claims["exp"] == int(NOW) + 60
    assert len(claims["jti"]) >= 32
    if key_source in ("jwk", "object"):
        assert token.header["kid"] == key.kid
    else:
        assert "kid" not in token.header


def test_private_key_jwt_token_endpoint_audience_and_fresh_jti() -> None:
    key = rsa_key()
    auth = PrivateKeyJwt("cid", key.as_pem(private=True), audience="token_endpoint", lifetime=30)
    first = decode_assertion(apply(auth)[0]["client_assertion"], key, "RS256").claims
    second = decode_assertion(apply(auth)[0]["client_assertion"], key, "RS256").claims
    assert first["aud"] == TOKEN_ENDPOINT
    assert first["exp"] - first["iat"] == 30
    assert first["jti"] != second["jti"]


def test_private_key_jwt_repr_hides_key() -> None:
    pem = rsa_key().as_pem(private=True).decode()
    text = repr(PrivateKeyJwt("cid", pem))
    assert "PRIVATE" not in text
    assert "<private key>" in text


@pytest.mark.parametrize(
    ("material", "alg"),
    [
        ("not a pem", "RS256"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "RS256"),
        ("public", "RS256"),
        ("rsa", "ES256"),
        ("ec", "RS256"),
        ("rsa", "HS256"),
        ("rsa", "none"),
        ("p384", "ES256"),
        (42, "RS256"),
    ],
)
def test_private_key_jwt_bad_keys(material: Any, alg: str) -> None:
    key_material = (
        {
            "public": rsa_key().as_pem(private=False),
            "rsa": rsa_key().as_pem(private=True),
            "ec": ec_key().as_pem(private=True),
            "p384": ECKey.generate_key("P-384").as_pem(private=True),
        }.get(material, material)
        if isinstance(material, str)
        else material
    )
    with pytest.raises(ConfigurationError):
        PrivateKeyJwt("cid", key_material, alg=alg)


def test_private_key_jwt_bad_lifetime() -> None:
    with pytest.raises(ConfigurationError):
        PrivateKeyJwt("cid", rsa_key(), lifetime=0)
