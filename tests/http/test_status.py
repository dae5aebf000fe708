"""Which status answers which failure of an auth route (``_http/_status``)."""

from __future__ import annotations

import pytest

from auth0_async import (
    AccessTokenError,
    Auth0Error,
    AuthorizationError,
    BackchannelLogoutError,
    ConfigurationError,
    DiscoveryError,
    InvalidRequestError,
    InvalidStateError,
    MissingStateError,
    OAuthError,
    SessionStoreError,
    TokenValidationError,
    TransactionError,
    TransportError,
)
from auth0_async._exceptions import KeyNotFoundError
from auth0_async._http._status import UNAVAILABLE, error_response, error_status


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TransactionError("t"), 400),
        (MissingStateError("t"), 400),
        (InvalidStateError("t"), 400),
        (AuthorizationError("denied"), 400),
        (TokenValidationError("bad sig"), 400),
        (KeyNotFoundError("no kid"), 400),
        (InvalidRequestError("bad host"), 400),
        (OAuthError("invalid_grant", "code reused", status=400), 400),
        (OAuthError("invalid_client", "bad secret", status=401), 502),
        (OAuthError("server_error"), 502),
        (TransportError("down"), 502),
        (DiscoveryError("down"), 502),
        (SessionStoreError("redis down"), 503),
        (ConfigurationError("no domain"), 500),
        (BackchannelLogoutError("bad token"), 500),
        (AccessTokenError("failed_to_refresh_token", "x"), 500),
        (Auth0Error("other"), 500),
    ],
)
def test_each_failure_has_its_status(error: Auth0Error, status: int) -> None:
    assert error_status(error) == status


def test_the_answer_is_the_message_as_text_and_nothing_else() -> None:
    cause = RuntimeError("internal detail")
    error = TransportError("The provider could not be reached.")
    error.__cause__ = cause
    response = error_response(error)
    assert response.status == 502
    assert response.body == b"The provider could not be reached."
    assert b"internal detail" not in response.body


def test_the_store_outage_answer_is_a_503() -> None:
    assert UNAVAILABLE.status == 503
    assert b"unavailable" in UNAVAILABLE.body
