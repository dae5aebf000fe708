"""The demo, driven by a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

login → profile → token refresh → logout, checking the cookies the browser actually stored.
Screenshots land in tests/output/browser/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from ..peers.peers import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo_app.py"
SHOTS = ROOT / "tests" / "output" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required for the browser test in CI")
        pytest.skip("chromium is not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    app_port, tenant_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    env = {
        **os.environ,
        "DEMO_PORT": str(app_port),
        "DEMO_TENANT_PORT": str(tenant_port),
        "DEMO_ACCESS_TOKEN_TTL": "3",
    }
    for key in [k for k in env if k.startswith("AUTH0_")]:
        del env[key]
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, str(DEMO)], env=env, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{app_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the demo did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def session_cookies(context: Any) -> dict[str, dict[str, Any]]:
    return {
        c["name"]: c for c in context.cookies() if c["name"].startswith(("__session", "__txn_"))
    }


def test_login_profile_refresh_logout_in_chromium(demo: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(demo)
            assert page.locator("h1").inner_text() == "Welcome"
            page.screenshot(path=str(SHOTS / "01-home.png"))

            page.get_by_role("link", name="Log in").first.click()
            page.wait_for_selector("button[name=user]")
            page.screenshot(path=str(SHOTS / "02-tenant-login.png"))
            assert any(c["name"].startswith("__txn_") for c in context.cookies())
            page.locator("button[name=user][value='auth0|alice']").click()

            page.wait_for_url(f"{demo}/profile")
            assert page.locator("h1").inner_text() == "Profile"
            assert "alice@example.com" in page.locator("#claims").inner_text()
            assert "in " in page.locator("#session-exp").inner_text()
            page.screenshot(path=str(SHOTS / "03-profile.png"), full_page=True)

            stored = session_cookies(context)
            assert not any(name.startswith("__txn_") for name in stored)  # the transaction is gone
            # One cookie, or contiguous chunks without a leftover unchunked cookie (this tenant's
            # tokens carry avatar data URIs, so the session is usually chunked).
            if "__session" not in stored:
                assert sorted(stored) == [f"__session__{i}" for i in range(len(stored))]
            else:
                assert set(stored) == {"__session"}
            for cookie in stored.values():
                assert cookie["httpOnly"] is True
                assert cookie["sameSite"] == "Lax"
                assert cookie["path"] == "/"
                assert cookie["secure"] is False  # plain http on loopback
                assert (
                    cookie["expires"] > time.time() + 3000
                )  # rolling inactivity window of an hour

            page.goto(f"{demo}/api")
            first_tail = page.locator("#token-tail").inner_text()
            page.screenshot(path=str(SHOTS / "04-api.png"))
            time.sleep(3.5)  # the demo's access tokens live 3 s here
            page.goto(f"{demo}/api")
            assert page.locator("#refreshed").count() == 1
            assert page.locator("#token-tail").inner_text() != first_tail
            page.screenshot(path=str(SHOTS / "05-api-refreshed.png"))
            page.goto(f"{demo}/api?refresh=true")
            assert page.locator("#refreshed").count() == 1
            api = page.request.get(f"{demo}/api/data")
            assert api.status == 200
            assert api.json()["message"] == "Hello from a protected API"

            page.get_by_role("link", name="Log out").click()
            page.wait_for_url(f"{demo}/")
            assert page.locator("h1").inner_text() == "Welcome"
            assert session_cookies(context) == {}
            page.screenshot(path=str(SHOTS / "06-logged-out.png"))
            assert page.request.get(f"{demo}/api/data").status == 401
        finally:
            browser.close()
