"""Every Python snippet of docs/frameworks.md, run as written against its framework."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..conftest import SECRET
from .helpers import NOT_AUTHENTICATED, configure_django, http, with_session

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

DOC = Path(__file__).resolve().parents[2] / "docs" / "frameworks.md"


def snippets() -> dict[str, list[str]]:
    """``section title -> its python code blocks``, in order."""
    found: dict[str, list[str]] = {}
    section = ""
    for part in re.split(r"^(## .*)$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE):
        if part.startswith("## "):
            section = part[3:].split(" (")[0].strip()
            continue
        found.setdefault(section, []).extend(re.findall(r"```python\n(.*?)```", part, re.DOTALL))
    return found


def run(code: str, name: str) -> dict[str, Any]:
    """Run ``code`` as (or as more of) the module ``name``, importable while the test runs."""
    module = sys.modules.setdefault(name, types.ModuleType(name))
    exec(compile(code, f"{DOC}:{name}", "exec"), module.__dict__)  # noqa: S102 (the docs' code)
    return module.__dict__


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "APP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTH0_SECRET", SECRET)
    monkeypatch.setenv("AUTH0_DOMAIN", "tenant.example.com")  # never called: nobody logs in
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("docs_"):
            del sys.modules[name]


def test_every_section_has_its_snippets() -> None:
    found = snippets()
    assert [len(found[name]) for name in ("FastAPI", "Starlette", "Litestar", "Django")] == [
        2,
        1,
        1,
        2,
    ]


async def test_the_fastapi_snippets() -> None:
    from fastapi import FastAPI

    first, overrides = snippets()["FastAPI"]
    ns = run(first, "docs_fastapi")
    app, auth0 = ns["app"], ns["auth0"]
    assert type(app) is FastAPI
    async with app.router.lifespan_context(app), http(app) as client:
        anonymous = await client.get("/api/me")
        signed_in = await client.get("/api/me", headers=with_session())
        profile = await client.get("/auth/profile", headers=with_session())
        document = (await client.get("/openapi.json")).json()
        created = auth0._kernel.provider.oidc()._client()  # as the first provider call does
    assert created.is_closed  # the lifespan closed it
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": NOT_AUTHENTICATED}
    assert signed_in.json() == {"sub": "auth0|alice"}
    assert profile.json()["sub"] == "auth0|alice"
    assert document["paths"]["/api/me"]["get"]["security"] == [{"auth0_session": []}]

    run(overrides, "docs_fastapi")
    async with http(app) as client:
        assert (await client.get("/api/me")).json() == {"sub": "auth0|test"}


async def test_the_starlette_snippet() -> None:
    from starlette.applications import Starlette

    (code,) = snippets()["Starlette"]
    app = run(code, "docs_starlette")["app"]
    assert type(app) is Starlette
    async with http(app) as client:
        anonymous = await client.get("/api/me")
        signed_in = await client.get("/api/me", headers=with_session())
        who_anonymous = await client.get("/api/whoami")
        who = await client.get("/api/whoami", headers=with_session())
        profile = await client.get("/auth/profile", headers=with_session())
    assert anonymous.status_code == 401
    assert anonymous.json() == NOT_AUTHENTICATED
    assert signed_in.json() == {"sub": "auth0|alice"}
    assert who_anonymous.status_code == 401
    assert who.json() == {"sub": "auth0|alice", "name": "Alice"}
    assert profile.json()["sub"] == "auth0|alice"


async def test_the_litestar_snippet() -> None:
    (code,) = snippets()["Litestar"]
    app = run(code, "docs_litestar")["app"]
    async with http(app) as client:
        anonymous = await client.get("/api/me")
        signed_in = await client.get("/api/me", headers=with_session())
        refused = await client.get("/api/ping")
        ping = await client.get("/api/ping", headers=with_session())
        profile = await client.get("/auth/profile", headers=with_session())
    assert anonymous.status_code == 401
    assert anonymous.json() == NOT_AUTHENTICATED
    assert signed_in.json() == {"sub": "auth0|alice"}
    assert refused.status_code == 401
    assert ping.text == "pong"
    assert profile.json()["sub"] == "auth0|alice"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # Django's ASGI handler: asyncio only
async def test_the_django_snippets(anyio_backend: str) -> None:
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings
    from django.urls import path

    settings_code, views_code = snippets()["Django"]
    configure_django("docs_django_urls")
    configured = {
        name: value
        for name, value in run(settings_code, "docs_django_settings").items()
        if name.isupper()
    }
    assert configured["MIDDLEWARE"][0] == "auth0_async.django.Auth0DjangoMiddleware"
    configured["MIDDLEWARE"] = configured["MIDDLEWARE"][:1]  # "# ... Django's own middleware"
    urls = types.ModuleType("docs_django_urls")
    with override_settings(ROOT_URLCONF=urls.__name__, **configured):
        views = run(views_code, "docs_django_views")
        urls.urlpatterns = [path("profile", views["profile"])]  # type: ignore[attr-defined]
        sys.modules[urls.__name__] = urls
        async with http(ASGIHandler()) as client:
            anonymous = await client.get("/profile")
            signed_in = await client.get("/profile", headers=with_session())
            profile = await client.get("/auth/profile", headers=with_session())
    assert anonymous.status_code == 307
    assert anonymous.headers["location"] == "/auth/login?returnTo=%2Fprofile"
    assert signed_in.text == "Hello Alice"
    assert profile.json()["sub"] == "auth0|alice"
