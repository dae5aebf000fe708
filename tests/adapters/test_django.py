"""auth0_async.django on a real Django ASGI app, through httpx.ASGITransport (asyncio only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit

import anyio
import msgspec
import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from typing_extensions import assert_type

from auth0_async import AccessToken, AccessTokenError, Auth0Client, MissingSessionError, SessionData
from auth0_async.django import (
    Auth0DjangoMiddleware,
    access_token,
    asgi_application,
    get_client,
    login_required_async,
    require_session,
    session,
    unauthenticated_response,
)
from auth0_async.testing import FrozenClock

from ..conftest import SECRET
from ..support.fakes import APP as BASE
from ..support.fakes import FakeProvider
from ..support.routes import make_client
from .helpers import (
    NOT_AUTHENTICATED,
    T0,
    configure_django,
    http,
    make_auth0,
    set_cookies,
    with_session,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from auth0_async._types import ASGIApp

pytestmark = pytest.mark.anyio

AUTH0 = make_auth0()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Django's ASGI handler runs on asyncio only


@pytest.fixture(scope="module", autouse=True)
def _django_settings() -> Iterator[None]:
    from django.test import override_settings

    configure_django(__name__)
    with override_settings(ROOT_URLCONF=__name__):
        yield


def application(auth0: Auth0Client = AUTH0) -> ASGIApp:
    return asgi_application(auth0)


async def optional(request: HttpRequest) -> HttpResponse:
    found = await session(AUTH0, request)
    assert_type(found, SessionData | None)
    bound = await AUTH0.get_session()
    assert bound == found
    return JsonResponse({"sub": None if found is None else found.user.sub})


@login_required_async(AUTH0)
async def page(request: HttpRequest, slug: str) -> HttpResponse:
    found = await require_session(AUTH0, request)
    assert_type(found, SessionData)
    return HttpResponse(f"{slug}: hello {found.user.name}")


@login_required_async(AUTH0, api=True)
async def me(request: HttpRequest) -> HttpResponse:
    found = await require_session(AUTH0, request)
    return JsonResponse({"sub": found.user.sub, "tier": found.user["https://example.com/tier"]})


async def token(request: HttpRequest) -> HttpResponse:
    try:
        access = await access_token(AUTH0, request)
    except AccessTokenError as exc:
        return JsonResponse({"error": exc.code}, status=401)
    assert_type(access, AccessToken)
    return JsonResponse({"token": access.token, "expires_at": access.expires_at})


async def unguarded(request: HttpRequest) -> HttpResponse:
    try:
        await require_session(AUTH0, request)
    except MissingSessionError:
        return unauthenticated_response(request, api=False)
    return HttpResponse("ok")


async def fanout(request: HttpRequest) -> HttpResponse:
    subs: list[str | None] = []

    async def child() -> None:
        found = await AUTH0.get_session()
        subs.append(None if found is None else found.user.sub)

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(child)
    return JsonResponse(subs, safe=False)


PROVIDER = FakeProvider()
REFRESHING = make_client(PROVIDER, clock=FrozenClock(T0 + 10))


async def refresh(request: HttpRequest) -> HttpResponse:
    return HttpResponse((await access_token(REFRESHING, request)).token)


async def whoami(request: HttpRequest) -> HttpResponse:
    found = await get_client().get_session()  # bound by the MIDDLEWARE entry
    explicit = await session(get_client(), request)
    assert explicit == found
    return JsonResponse({"sub": None if found is None else found.user.sub})


async def rename(request: HttpRequest) -> HttpResponse:
    found = await require_session(get_client(), request)
    user = msgspec.structs.replace(found.user, name="Alice Renamed")
    await get_client().update_session(msgspec.structs.replace(found, user=user))
    response = HttpResponse("renamed")
    response.set_cookie("theme", "dark")  # the view's own cookies stay
    return response


urlpatterns = [
    path("mw/whoami", whoami),
    path("mw/rename", rename),
    path("refresh", refresh),
    path("optional", optional),
    path("pages/<slug:slug>", page),
    path("api/me", me),
    path("token", token),
    path("unguarded", unguarded),
    path("fanout", fanout),
]


async def test_session_is_visible() -> None:
    async with http(application()) as client:
        assert (await client.get("/optional")).json() == {"sub": None}
        signed_in = await client.get("/optional", headers=with_session())
        assert signed_in.json() == {"sub": "auth0|alice"}
        assert (await client.get("/api/me", headers=with_session())).json() == {
            "sub": "auth0|alice",
            "tier": "gold",
        }
        response = await client.get("/pages/home", headers=with_session())
        assert response.text == "home: hello Alice"


async def test_api_view_without_session_is_401_json() -> None:
    async with http(application()) as client:
        response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_page_view_without_session_redirects_to_login() -> None:
    async with http(application()) as client:
        response = await client.get("/pages/home?tab=1")
        posted = await client.post("/pages/home")
        unguarded = await client.get("/unguarded")
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["returnTo"] == ["/pages/home?tab=1"]
    assert posted.status_code == 303
    assert unguarded.status_code == 307
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_middleware_serves_the_auth_routes_before_django() -> None:
    from ..support.tenant import ISSUER, tenant, tenant_client

    async with http(application(tenant_client(tenant())), base_url=BASE) as client:
        login = await client.get("/auth/login?returnTo=/pages/home")
    assert login.status_code == 307
    assert login.headers["location"].startswith(f"{ISSUER}authorize?")


async def test_access_token() -> None:
    async with http(application()) as client:
        valid = await client.get("/token", headers=with_session())
        anonymous = await client.get("/token")
    assert valid.json() == {"token": "at-1", "expires_at": T0 + 3600}
    assert anonymous.json() == {"error": "missing_session"}


async def test_access_token_refresh_is_saved_by_the_middleware() -> None:
    PROVIDER.token_body = lambda form: msgspec.json.encode(
        {"access_token": "at-2", "token_type": "Bearer", "expires_in": 60, "refresh_token": "rt-2"}
    )
    async with http(application(REFRESHING), base_url=BASE) as client:
        response = await client.get("/refresh", headers=with_session(expires_at=T0))
    assert response.text == "at-2"
    assert "__session" in set_cookies(response)
    grants = [r for r in PROVIDER.requests if r.url.path == "/oauth/token"]
    assert len(grants) == 1


async def test_task_group_children_see_the_session() -> None:
    async with http(application()) as client:
        response = await client.get("/fanout", headers=with_session())
    assert response.json() == ["auth0|alice"] * 3


def test_sync_views_are_refused() -> None:
    def sync_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    with pytest.raises(TypeError, match="async view"):
        login_required_async(AUTH0)(sync_view)  # type: ignore[type-var]


async def test_a_wsgi_request_fails_clearly() -> None:
    with pytest.raises(TypeError, match="ASGI"):
        await session(AUTH0, HttpRequest())


# -- the MIDDLEWARE entry, configured from settings.AUTH0_* --------------------------------------

MIDDLEWARE = ["auth0_async.django.Auth0DjangoMiddleware"]


def django_app() -> ASGIApp:
    """Django's own ASGI handler, loading MIDDLEWARE as the settings say now."""
    from django.core.handlers.asgi import ASGIHandler

    return cast("ASGIApp", ASGIHandler())


def test_the_middleware_is_async_only() -> None:
    assert Auth0DjangoMiddleware.async_capable is True
    assert Auth0DjangoMiddleware.sync_capable is False


async def test_the_middleware_entry_binds_requests_from_settings() -> None:
    from django.test import override_settings

    options = {"clock": FrozenClock(T0 + 10)}
    with override_settings(MIDDLEWARE=MIDDLEWARE, AUTH0_SECRET=SECRET, AUTH0_OPTIONS=options):
        client = get_client()
        assert get_client() is client  # built once
        async with http(django_app()) as web:
            anonymous = await web.get("/mw/whoami")
            signed_in = await web.get("/mw/whoami", headers=with_session())
            profile = await web.get("/auth/profile", headers=with_session())
            no_profile = await web.get("/auth/profile")
    assert anonymous.json() == {"sub": None}
    assert signed_in.json() == {"sub": "auth0|alice"}
    assert profile.status_code == 200  # served by the middleware, not Django (no URL pattern)
    assert profile.json()["sub"] == "auth0|alice"
    assert no_profile.status_code == 401
    with override_settings(AUTH0_SECRET=SECRET[::-1]):
        assert get_client() is not client  # changed settings: a new client


async def test_the_middleware_adds_the_session_cookies_to_the_views_response() -> None:
    from django.test import override_settings

    options = {"clock": FrozenClock(T0 + 10)}
    with override_settings(MIDDLEWARE=MIDDLEWARE, AUTH0_SECRET=SECRET, AUTH0_OPTIONS=options):
        async with http(django_app()) as web:
            response = await web.get("/mw/rename", headers=with_session())
            cookies = set_cookies(response)
            again = await web.get(
                "/mw/whoami", headers={"cookie": cookies["__session"].split(";")[0]}
            )
    assert response.text == "renamed"
    assert set(cookies) == {"__session", "theme"}
    line = cookies["__session"]
    assert "HttpOnly" in line
    assert "SameSite=lax" in line  # the line as auth0_async wrote it, not re-serialized
    assert "no-store" in response.headers["cache-control"]
    assert again.json() == {"sub": "auth0|alice"}
    value = line.split(";")[0].split("=", 1)[1]
    found = await make_auth0().get_session(
        {"type": "http", "headers": [(b"cookie", f"__session={value}".encode())]}
    )
    assert found is not None
    assert found.user.name == "Alice Renamed"


async def test_the_middleware_serves_the_login_route_with_a_client_from_settings() -> None:
    from django.test import override_settings

    from ..support.tenant import ISSUER, tenant, tenant_client

    with override_settings(MIDDLEWARE=MIDDLEWARE, AUTH0_CLIENT=tenant_client(tenant())):
        async with http(django_app(), base_url=BASE) as web:
            login = await web.get("/auth/login?returnTo=/mw/whoami")
    assert login.status_code == 307
    assert login.headers["location"].startswith(f"{ISSUER}authorize?")
    assert any(name.startswith("__txn_") for name in set_cookies(login))
    assert "content-type" not in login.headers  # as the ASGI middleware answers: no body, no type


def test_bad_settings_are_improperly_configured() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    with override_settings(AUTH0_CLIENT="json.dumps"), pytest.raises(ImproperlyConfigured):
        get_client()
    with override_settings(AUTH0_OPTIONS=[("secret", SECRET)]), pytest.raises(ImproperlyConfigured):
        get_client()


async def test_the_middleware_reads_the_back_channel_logout_body() -> None:
    from django.test import override_settings

    from ..support.tenant import tenant, tenant_client

    form = {"content-type": "application/x-www-form-urlencoded"}
    with override_settings(MIDDLEWARE=MIDDLEWARE, AUTH0_CLIENT=tenant_client(tenant())):
        async with http(django_app(), base_url=BASE) as web:
            missing = await web.post("/auth/backchannel-logout", content=b"x=1", headers=form)
            invalid = await web.post(
                "/auth/backchannel-logout", content=b"logout_token=not-a-jwt", headers=form
            )
    assert missing.status_code == 400
    assert "Missing `logout_token`" in missing.text
    assert invalid.status_code == 400
    assert invalid.text.startswith("Invalid logout token")  # the body reached the route
    assert invalid.headers["content-type"].startswith("text/plain")
