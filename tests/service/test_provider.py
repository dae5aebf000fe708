"""The provider as the kernel sees it (``_service/_provider``): credentials, checked when first needed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from auth0_async import ConfigurationError
from auth0_async._oidc import ClientSecretBasic, ClientSecretPost, OIDCClient, PrivateKeyJwt
from auth0_async._service._provider import Provider
from auth0_async.testing import FrozenClock

from ..support.tokens import rsa_key

pytestmark = pytest.mark.anyio

LONG_SECRET = "s" * 32


def provider(**options: Any) -> Provider:
    settings: dict[str, Any] = {
        "domain": "https://tenant.example.com",
        "client_id": "cid",
        "client_secret": "csecret",
        "signing_key": None,
        "signing_alg": "RS256",
        "auth_method": None,
        "allow_hs256": False,
        "http_client": None,
        "timeout": 5.0,
        "clock": FrozenClock(1_800_000_000),
    }
    settings.update(options)
    return Provider(**settings)


def test_an_app_that_only_reads_sessions_needs_no_provider_settings() -> None:
    bare = provider(domain=None, client_id=None, client_secret=None)
    assert bare.configured_domain is None
    assert bare.configured_client_id is None
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        _ = bare.domain
    with pytest.raises(ConfigurationError, match="AUTH0_CLIENT_ID"):
        _ = bare.client_id
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        bare.oidc()


@pytest.mark.parametrize("timeout", [0, -1, 301, True])
def test_the_timeout_must_be_in_range(timeout: float) -> None:
    with pytest.raises(ConfigurationError, match="http_timeout"):
        provider(timeout=timeout)


def test_an_unknown_auth_method_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="token_endpoint_auth_method"):
        provider(auth_method="client_secret_jwt")


def test_the_oidc_client_is_built_once_on_first_use() -> None:
    p = provider()
    first = p.oidc()
    assert isinstance(first, OIDCClient)
    assert p.oidc() is first


def test_client_secret_post_is_the_default_and_built_once() -> None:
    p = provider()
    auth = p.client_auth()
    assert type(auth) is ClientSecretPost
    assert p.client_auth() is auth


def test_client_secret_basic_when_asked() -> None:
    assert type(provider(auth_method="client_secret_basic").client_auth()) is ClientSecretBasic


def test_a_signing_key_means_private_key_jwt() -> None:
    key = dict(rsa_key().as_dict(private=True))
    assert type(provider(client_secret=None, signing_key=key).client_auth()) is PrivateKeyJwt


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"client_secret": None}, "client_secret is required"),
        ({"client_secret": ""}, "client_secret is required"),
        ({"auth_method": "private_key_jwt"}, "client_assertion_signing_key"),
        ({"client_id": None}, "AUTH0_CLIENT_ID"),
    ],
)
def test_missing_credentials_are_named(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        provider(**options).client_auth()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"client_secret": None}, "needs the client secret"),
        ({"client_secret": "s" * 31}, "at least 32 bytes"),
        ({"client_secret": LONG_SECRET, "auth_method": "private_key_jwt"}, "private_key_jwt"),
        ({"client_secret": LONG_SECRET, "signing_key": "pem"}, "private_key_jwt"),
    ],
)
def test_hs256_needs_a_long_shared_secret(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        provider(allow_hs256=True, **options)


def test_hs256_with_a_long_secret_is_accepted() -> None:
    provider(allow_hs256=True, client_secret=LONG_SECRET).oidc()


async def test_aclose_leaves_a_given_http_client_open() -> None:
    await provider().aclose()  # never used: nothing to close, no error
    given = httpx.AsyncClient()
    p = provider(http_client=given)
    p.oidc()
    await p.aclose()
    assert not given.is_closed
    await given.aclose()
