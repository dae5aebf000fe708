from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from blockbuster import blockbuster_ctx

if TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "0123456789abcdef" * 4
"""A 64-character secret, like `openssl rand -hex 32` gives."""
OTHER_SECRET = "fedcba9876543210" * 4


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _no_blocking_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any asyncio test that makes a blocking call on the event loop."""
    if (
        "anyio_backend" in request.fixturenames
        and request.getfixturevalue("anyio_backend") == "asyncio"
    ):
        with blockbuster_ctx("auth0_async"):
            yield
    else:
        yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's AUTH0_* / APP_BASE_URL environment."""
    import os

    for key in list(os.environ):
        if key.startswith("AUTH0_") or key == "APP_BASE_URL":
            monkeypatch.delenv(key)


from .support.fixtures import redis_cluster_nodes, redis_server  # noqa: F401


def require_node() -> None:
    """Skip without Node.js locally; in CI (CI=true) a missing Node.js is a failure, never a skip."""
    import os
    import shutil

    if shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is required for the end-to-end suites in CI")
        pytest.skip("Node.js is needed for the real peers")


@pytest.fixture(scope="session")
def nextjs_oracle() -> Iterator[Any]:
    """The real @auth0/nextjs-auth0 v4 cookie code, as an oracle (one node process per run)."""
    require_node()
    from .peers.peers import NextjsOracle

    with NextjsOracle() as oracle:
        yield oracle


@pytest.fixture
def mock_tenant() -> Any:
    """A fresh MockAuth0 tenant that knows the in-process app (tests/support/tenant.py)."""
    from .support.tenant import tenant

    return tenant()


@pytest.fixture
def provider() -> Any:
    """A fresh FakeProvider (tests/support/fakes.py), for tests of a misbehaving provider."""
    from .support.fakes import FakeProvider

    return FakeProvider()


def http_scope(
    cookie: str | None = None, *, path: str = "/", scheme: str = "http", **extra: Any
) -> dict[str, Any]:
    headers: list[tuple[bytes, bytes]] = [(b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 12345),
    }
    scope.update(extra)
    return scope
