"""The framework examples in examples/, loaded as a user runs them and driven over HTTP."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ..conftest import SECRET
from .helpers import NOT_AUTHENTICATED, http, with_session

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ENV = {
    "AUTH0_SECRET": SECRET,
    "AUTH0_DOMAIN": "tenant.example.com",
    "AUTH0_CLIENT_ID": "cid",
    "AUTH0_CLIENT_SECRET": "csecret",
    "APP_BASE_URL": "http://testserver",
}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # frameworks resolve annotations through the module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


async def test_the_fastapi_example_is_a_fastapi_app_that_closes_its_client() -> None:
    from fastapi import FastAPI

    example = load("fastapi_app")
    app = example.app
    assert type(app) is FastAPI  # what `fastapi run` picks up has the middleware
    async with app.router.lifespan_context(app), http(app) as client:
        home = await client.get("/")
        me = await client.get("/api/me", headers=with_session())
        refused = await client.get("/api/me")
        page = await client.get("/profile")
        logout = await client.get("/auth/logout")
        created = example.auth0._kernel.provider.oidc()._client()
    assert created.is_closed
    assert "Log in" in home.text
    assert me.json() == {"sub": "auth0|alice", "name": "Alice"}
    assert refused.json() == {"detail": NOT_AUTHENTICATED}
    assert page.status_code == 307
    assert page.headers["location"] == "/auth/login?returnTo=%2Fprofile"
    assert logout.status_code != 404


async def test_the_starlette_example() -> None:
    from starlette.applications import Starlette

    example = load("starlette_app")
    app = example.app
    assert type(app) is Starlette
    async with app.router.lifespan_context(app), http(app) as client:
        home = await client.get("/", headers=with_session())
        refused = await client.get("/api/me")
        whoami = await client.get("/whoami", headers=with_session())
        whoami_anonymous = await client.get("/whoami")
        profile = await client.get("/auth/profile", headers=with_session())
    assert "Hello Alice" in home.text
    assert refused.json() == NOT_AUTHENTICATED
    assert whoami.text == "You are Alice"
    assert whoami_anonymous.status_code == 303  # @requires(redirect="login")
    assert whoami_anonymous.headers["location"].startswith("http://testserver/login?")
    assert profile.json()["sub"] == "auth0|alice"


async def test_the_litestar_example() -> None:
    example = load("litestar_app")
    async with http(example.app) as client:
        home = await client.get("/", headers=with_session())
        profile = await client.get("/profile", headers=with_session())
        refused = await client.get("/api/ping")
        ping = await client.get("/api/ping", headers=with_session())
    assert "Hello Alice" in home.text
    assert profile.json()["sub"] == "auth0|alice"
    assert refused.status_code == 401
    assert ping.text == "pong"


def test_the_django_example_in_its_own_process() -> None:
    # The example configures Django's settings itself: a process of its own.
    script = textwrap.dedent(
        f"""
        import asyncio, importlib.util, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        import httpx
        from tests.adapters.helpers import with_session

        spec = importlib.util.spec_from_file_location("django_example", {str(EXAMPLES / "django_asgi.py")!r})
        module = importlib.util.module_from_spec(spec)
        sys.modules["django_example"] = module
        spec.loader.exec_module(module)

        async def main():
            transport = httpx.ASGITransport(app=module.application)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                print((await client.get("/api/me")).status_code)  # first: the client keeps cookies
                print((await client.get("/", headers=with_session())).text)
                print((await client.get("/auth/profile", headers=with_session())).json()["sub"])

        asyncio.run(main())
        """
    )
    env = {**ENV, "PATH": "/usr/bin:/bin", "DJANGO_ALLOWED_HOSTS": "localhost"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "401",
        'Hello Alice! <a href="/auth/logout">Log out</a>',
        "auth0|alice",
    ]
