"""HS256 keyed with the client secret (OpenID Connect Core §3.1.3.7 step 8): refused unless opted in."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from auth0_async import Auth0Client
from auth0_async._core._config import Secret
from auth0_async._exceptions import ConfigurationError, TokenValidationError
from auth0_async._oidc._client import OIDCClient
from auth0_async._oidc._id_token import validate_id_token
from auth0_async._oidc._jws import verify_signature
from auth0_async._oidc._logout_token import JtiCache, validate_logout_token
from auth0_async.testing import FrozenClock

from ..conftest import SECRET
from ..support.fakes import FakeOP
from ..support.tokens import (
    CLIENT_ID,
    ISSUER,
    NOW,
    b64,
    b64json,
    hs256,
    id_claims,
    key_set,
    logout_claims,
    mint,
    rsa_key,
    unsigned,
)

CLIENT_SECRET = "a-client-secret-of-more-than-32-bytes-0123456789"
KEY = CLIENT_SECRET.encode()
NONCE = "n-0S6_WzA2Mj"
HS = {"alg": "HS256"}


def validate(token: str, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "keys": key_set(rsa_key()),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "nonce": NONCE,
        "now": NOW,
        "hs256_secret": KEY,
    }
    options.update(overrides)
    return validate_id_token(token, **options)


def rejects(token: str, match: str, **overrides: Any) -> None:
    with pytest.raises(TokenValidationError, match=match):
        validate(token, **overrides)


def test_hs256_with_the_client_secret_when_opted_in() -> None:
    assert validate(hs256(id_claims(), KEY, HS))["sub"] == "alice"
    # A kid (Auth0 sends none) does not send the check to the JWKS.
    assert validate(hs256(id_claims(), KEY, {"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}))


def test_hs256_refused_without_the_opt_in() -> None:
    rejects(hs256(id_claims(), KEY, HS), "'HS256' is not allowed", hs256_secret=None)


def test_hs256_with_a_wrong_secret() -> None:
    rejects(hs256(id_claims(), b"another-secret-of-more-than-32-bytes!!", HS), "signature")
    rejects(hs256(id_claims(), KEY[:-1], HS), "signature")
    token = hs256(id_claims(), KEY, HS)
    head, _, sig = token.split(".")
    rejects(f"{head}.{b64json(id_claims(sub='mallory'))}.{sig}", "signature")
    rejects(f"{head}.{b64json(id_claims())}.", "signature")


def test_public_key_as_hmac_secret_still_fails() -> None:
    public_pem = rsa_key().as_pem(private=False)
    rejects(hs256(id_claims(), public_pem, {"alg": "HS256", "kid": "rsa-1"}), "signature")


def test_alg_none_and_other_macs_always_refused() -> None:
    rejects(unsigned(id_claims(), {"alg": "none"}), "'none' is not allowed")
    rejects(unsigned(id_claims(), {"alg": "None"}), "not allowed")
    rejects(unsigned(id_claims(), {"alg": "hs256"}), "not allowed")
    for alg in ("HS384", "HS512"):
        rejects(hs256(id_claims(), KEY, {"alg": alg}), f"'{alg}' is not allowed")
    with pytest.raises(ConfigurationError):
        validate(hs256(id_claims(), KEY, HS), algorithms=("HS256",), hs256_secret=None)


def test_hs256_in_algorithms_without_a_secret_is_not_verified() -> None:
    """verify_signature itself refuses HS256 it has no secret for (never a JWKS lookup)."""
    token = hs256(id_claims(), KEY, HS)
    with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
        verify_signature(token, key_set(rsa_key()), ["HS256", "RS256"])
    assert verify_signature(token, key_set(rsa_key()), ["HS256"], hs256_secret=KEY)[1]["sub"]


def test_asymmetric_tokens_still_accepted_with_the_opt_in() -> None:
    assert validate(mint(id_claims()))["sub"] == "alice"


def test_hs256_narrowed_by_the_provider_advertised_algorithms() -> None:
    rejects(hs256(id_claims(), KEY, HS), "'HS256' is not allowed", supported_algorithms=["RS256"])
    assert validate(hs256(id_claims(), KEY, HS), supported_algorithms=["HS256", "RS256"])


def test_hs256_claims_are_still_checked() -> None:
    rejects(hs256(id_claims(iss="https://evil/"), KEY, HS), "iss")
    rejects(hs256(id_claims(nonce="other"), KEY, HS), "nonce")
    rejects(hs256(id_claims(exp=int(NOW) - 61), KEY, HS), "expired")
    rejects(hs256(id_claims(), KEY, {"alg": "HS256", "typ": "logout+jwt"}), "typ")
    rejects(hs256(id_claims(), KEY, {"alg": "HS256", "typ": 5}), "typ")
    rejects(hs256(id_claims(), KEY, {"alg": "HS256", "crit": ["x"], "x": 1}), "crit")


@pytest.mark.parametrize("payload", [b"[1]", b"null", b"not json", b"\xff"])
def test_hs256_non_object_payload(payload: bytes) -> None:
    signing_input = f"{b64json(HS)}.{b64(payload)}"
    signature = hmac.new(KEY, signing_input.encode(), hashlib.sha256).digest()
    rejects(f"{signing_input}.{b64(signature)}", "malformed")


@pytest.mark.parametrize("signature", ["!!!", "A", "é"])
def test_hs256_malformed_signature(signature: str) -> None:
    rejects(f"{b64json(HS)}.{b64json(id_claims())}.{signature}", "malformed")


def test_hs256_logout_token_follows_the_same_rule() -> None:
    token = hs256(logout_claims(), KEY, {"alg": "HS256", "typ": "logout+jwt"})
    options: dict[str, Any] = {
        "keys": key_set(rsa_key()),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "now": NOW,
    }
    with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
        validate_logout_token(token, seen_jti=JtiCache(), **options)
    with pytest.raises(TokenValidationError, match="signature"):
        validate_logout_token(token, seen_jti=JtiCache(), hs256_secret=KEY + b"x", **options)
    claims = validate_logout_token(token, seen_jti=JtiCache(), hs256_secret=KEY, **options)
    assert claims["sid"] == "sid-1"


# -- OIDCClient and Auth0Client ------------------------------------------------------------


def oidc(fake: FakeOP, secret: str | None = CLIENT_SECRET) -> OIDCClient:
    return OIDCClient(
        "https://op.example.test",
        http_client=fake.client(),
        clock=FrozenClock(NOW),
        hs256_secret=None if secret is None else Secret(secret),
    )


@pytest.mark.anyio
async def test_oidc_client_verifies_hs256_only_with_its_secret() -> None:
    fake = FakeOP()
    fake.metadata["id_token_signing_alg_values_supported"] = ["HS256", "RS256"]
    token = hs256(id_claims(), KEY, HS)
    async with oidc(fake) as client:
        claims = await client.verify_id_token(token, client_id=CLIENT_ID, nonce=NONCE)
        assert claims["sub"] == "alice"
        logout = hs256(logout_claims(), KEY, HS)
        assert await client.verify_logout_token(logout, client_id=CLIENT_ID, seen_jti=JtiCache())
        assert CLIENT_SECRET not in repr(client)
    async with oidc(fake, None) as client:
        with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
            await client.verify_id_token(token, client_id=CLIENT_ID, nonce=NONCE)


@pytest.mark.anyio
async def test_oidc_client_hs256_needs_the_provider_to_offer_it() -> None:
    fake = FakeOP()  # advertises RS256, ES256, PS256 only
    async with oidc(fake) as client:
        with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
            await client.verify_id_token(
                hs256(id_claims(), KEY, HS), client_id=CLIENT_ID, nonce=NONCE
            )


def test_oidc_client_refuses_a_short_hs256_secret() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        oidc(FakeOP(), "x" * 31)
    assert oidc(FakeOP(), "é" * 16)._hs256_key() == ("é" * 16).encode()  # 32 UTF-8 octets


def auth0(**options: Any) -> Auth0Client:
    settings: dict[str, Any] = {
        "domain": "op.example.test",
        "client_id": CLIENT_ID,
        "secret": SECRET,
        "app_base_url": "https://app.example.test",
        "env": {},
    }
    settings.update(options)
    return Auth0Client(**settings)


def test_auth0_client_opt_in_needs_a_long_enough_client_secret() -> None:
    with pytest.raises(ConfigurationError, match="needs the client secret"):
        auth0(allow_hs256_id_tokens=True)
    with pytest.raises(ConfigurationError, match="32 bytes"):
        auth0(allow_hs256_id_tokens=True, client_secret="short")
    client = auth0(allow_hs256_id_tokens=True, env={"AUTH0_CLIENT_SECRET": CLIENT_SECRET})
    assert client._kernel.provider.oidc()._hs256_key() == KEY
    assert auth0(client_secret=CLIENT_SECRET)._kernel.provider.oidc()._hs256_key() is None
    assert (
        auth0(client_secret="short")._kernel.provider.oidc()._hs256_key() is None
    )  # no opt-in, no check


def test_auth0_client_opt_in_refused_with_private_key_jwt() -> None:
    pem = rsa_key().as_pem(private=True)
    with pytest.raises(ConfigurationError, match="private_key_jwt"):
        auth0(allow_hs256_id_tokens=True, client_assertion_signing_key=pem)
    with pytest.raises(ConfigurationError, match="private_key_jwt"):
        auth0(
            allow_hs256_id_tokens=True,
            client_secret=CLIENT_SECRET,
            client_assertion_signing_key=pem,
        )
    with pytest.raises(ConfigurationError, match="private_key_jwt"):
        auth0(
            allow_hs256_id_tokens=True,
            client_secret=CLIENT_SECRET,
            token_endpoint_auth_method="private_key_jwt",
        )
    basic = auth0(
        allow_hs256_id_tokens=True,
        client_secret=CLIENT_SECRET,
        client_assertion_signing_key=pem,
        token_endpoint_auth_method="client_secret_basic",
    )
    assert basic._kernel.provider.oidc()._hs256_key() == KEY


def test_auth0_client_opt_in_emits_no_warning(recwarn: pytest.WarningsRecorder) -> None:
    auth0(allow_hs256_id_tokens=True, client_secret=CLIENT_SECRET)
    assert not recwarn.list
