"""Two app processes sharing a real Redis refresh coordinator: still exactly one refresh grant."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from ..conftest import SECRET, require_node
from ..peers.peers import OidcProviderProcess, drive_login, free_port
from .harness import CLIENT_SECRET

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

ACCESS_TTL = 30
APP_SCRIPT = Path(__file__).with_name("app_process.py")


def start_app(
    port: int, *, op: OidcProviderProcess, redis_url: str, instance: str, base_url: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OP_ISSUER": op.issuer,
        "CLIENT_ID": "app-post",
        "CLIENT_SECRET": CLIENT_SECRET,
        "AUTH0_SECRET": SECRET,
        "APP_BASE_URL": base_url,
        "REDIS_URL": redis_url,
        "INSTANCE": instance,
        "PORT": str(port),
    }
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, str(APP_SCRIPT)], env=env, stdout=sink, stderr=sink
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if answers(f"http://127.0.0.1:{port}/api"):
            return proc
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.1)
    stop(proc)
    raise RuntimeError("the app process did not start")


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def two_apps(
    redis_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[OidcProviderProcess, list[str]]]:
    require_node()
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    config = {
        "accessTokenTTL": ACCESS_TTL,
        "clients": [
            {
                "client_id": "app-post",
                "client_secret": CLIENT_SECRET,
                "token_endpoint_auth_method": "client_secret_post",
                "redirect_uris": [f"{u}/auth/callback" for u in urls],
                "grant_types": ["authorization_code", "refresh_token"],
            }
        ],
    }
    with OidcProviderProcess(config) as op:
        # Both instances serve the same app: each is configured with its own public URL.
        logs = tmp_path_factory.mktemp("apps")
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for i, (port, url) in enumerate(zip(ports, urls, strict=True)):
                procs.append(
                    start_app(
                        port,
                        op=op,
                        redis_url=redis_server.url,
                        instance=str(i),
                        base_url=url,
                        log=logs / f"app{i}.log",
                    )
                )
            yield op, urls
        finally:
            for proc in procs:
                stop(proc)


def test_two_instances_one_grant(two_apps: tuple[OidcProviderProcess, list[str]]) -> None:
    op, urls = two_apps
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        start = browser.get(f"{urls[0]}/auth/login")
        assert start.status_code == 307
        answer = browser.get(drive_login(start.headers["location"], client=browser))
        assert answer.status_code == 307
        cookie = f"__session={browser.cookies['__session']}"
    for url in urls:
        httpx.post(f"{url}/__clock", params={"offset": ACCESS_TTL + 5}).raise_for_status()
    before = op.refresh_grant_count("app-post")
    responses: list[httpx.Response] = []

    async def fire() -> None:
        async with httpx.AsyncClient(timeout=30) as client:

            async def one(url: str) -> None:
                responses.append(await client.get(f"{url}/api", headers={"cookie": cookie}))

            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon(one, urls[i % 2])

    anyio.run(fire)
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert {r.json()["instance"] for r in responses} == {"0", "1"}
    assert len({r.json()["token"] for r in responses}) == 1
    after = op.refresh_grant_count("app-post")
    assert after["success"] == before["success"] + 1
    assert after["failure"] == before["failure"]
