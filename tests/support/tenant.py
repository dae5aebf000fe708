"""The shipped MockAuth0 as the suite's stand-in tenant, wherever a test needs one that behaves.

:func:`tenant` registers the application the in-process route tests use
(``https://app.example``, client ``cid``); :func:`tenant_client` builds an
``Auth0Client`` talking to it; :func:`tenant_login` plays the browser through
``/auth/login``, the tenant's login page and ``/auth/callback``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from auth0_async import Auth0Client
from auth0_async.testing import MockAuth0, MockClient

from ..conftest import SECRET, http_scope
from .asgi_driver import call
from .routes import header, jar, not_found

if TYPE_CHECKING:
    from .asgi_driver import Response

APP = "https://app.example"
TENANT = "https://tenant.example.com"
ISSUER = f"{TENANT}/"
CLIENT = MockClient(
    "cid",
    "csecret",
    redirect_uris=[f"{APP}/auth/callback"],
    post_logout_redirect_uris=[APP, f"{APP}/"],
)


def tenant(**options: Any) -> MockAuth0:
    """A MockAuth0 at ``https://tenant.example.com`` knowing the app (users alice and bob)."""
    return MockAuth0(issuer=TENANT, clients=[CLIENT], **options)


def tenant_client(mock: MockAuth0, **options: Any) -> Auth0Client:
    """An Auth0Client for the app at ``APP``, logging in at ``mock``."""
    settings: dict[str, Any] = {
        "domain": mock.issuer,
        "client_id": CLIENT.client_id,
        "client_secret": CLIENT.client_secret,
        "secret": SECRET,
        "app_base_url": APP,
        "http_client": httpx.AsyncClient(transport=mock.transport()),
    }
    settings.update(options)
    return Auth0Client(**settings)


async def tenant_callback(
    mock: MockAuth0, auth0: Auth0Client, login: Response, cookies: dict[str, str], *, user: str
) -> Response:
    """Pick ``user`` on the tenant's login page for ``login``'s redirect; GET the callback."""
    back = urlsplit(mock.authorize_url_to_callback(login.header("location") or "", user=user))
    return await call(
        auth0.middleware(not_found),
        http_scope(
            header(jar(login, cookies)),
            path=back.path,
            scheme="https",
            query_string=back.query.encode(),
        ),
    )


async def tenant_login(
    mock: MockAuth0, auth0: Auth0Client, *, user: str = "alice", query: str = ""
) -> Response:
    """A whole login through the routes; returns the callback's response."""
    login = await call(
        auth0.middleware(not_found),
        http_scope(None, path="/auth/login", scheme="https", query_string=query.encode()),
    )
    assert login.status == 307, login.body
    return await tenant_callback(mock, auth0, login, {}, user=user)
