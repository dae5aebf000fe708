"""The public shell, Auth0Client: the request forms its methods accept, and construction."""

from __future__ import annotations

from typing import ClassVar

import pytest

from auth0_async import (
    Auth0Client,
    ConfigurationError,
    RequestContextError,
)
from auth0_async._core._models import session_from_wire

from .conftest import SECRET, http_scope
from .support.sessions import (
    T0,
    WIRE,
    cookie_for,
    make,
)

pytestmark = pytest.mark.anyio


async def test_get_session_from_an_asgi_scope() -> None:
    auth0 = make()
    session = await auth0.get_session(http_scope(f"__session={cookie_for()}"))
    assert session is not None
    assert session.user.sub == "auth0|alice"
    assert session.user["https://example.com/tier"] == "gold"
    assert session.extra == {"favourite": [1, 2, 3]}
    assert session.exp == int(T0) + 3600


async def test_get_session_from_a_starlette_request() -> None:
    from starlette.requests import Request

    auth0 = make()
    request = Request(http_scope(f"__session={cookie_for()}"))
    session = await auth0.get_session(request)
    assert session is not None
    assert session.user.name == "Alice"


async def test_get_session_from_any_request_source() -> None:
    class Source:
        headers: ClassVar[dict[str, str]] = {"cookie": f"a=b; __session={cookie_for()}"}
        url = "https://app.example/x"

    session = await make().get_session(Source())
    assert session is not None


async def test_bound_form_outside_a_request_raises_a_helpful_error() -> None:
    with pytest.raises(RequestContextError, match="middleware"):
        await make().get_session()
    with pytest.raises(RequestContextError):
        await make().update_session(session_from_wire(WIRE))


async def test_bad_request_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        await make().get_session(42)  # type: ignore[call-overload]


def test_construction_needs_only_a_secret() -> None:
    with pytest.raises(ConfigurationError, match="AUTH0_SECRET"):
        Auth0Client()
    auth0 = Auth0Client(secret=SECRET)
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        _ = auth0.domain
    with pytest.raises(ConfigurationError, match="AUTH0_CLIENT_ID"):
        _ = auth0.client_id


def test_unknown_logout_strategy_and_bad_timeout_are_configuration_errors() -> None:
    from auth0_async import ConfigurationError

    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, logout_strategy="sideways")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, http_timeout=0)
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, sign_in_return_to_path="//evil")
