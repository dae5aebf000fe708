"""The demo, driven by a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

login → profile → token refresh → logout, checking the cookies the browser actually stored, and
what a newcomer sees: relative times, JSON booleans, a favicon, a clean URL after a forced
refresh, and a friendly page after cancelling at the tenant's login page. Screenshots land in
tests/output/browser/ (git-ignored).
"""

from __future__ import annotations

import os
import re
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


def watch_for_failures(page: Any) -> list[str]:
    """Collect console errors and failed responses (a missing favicon is a 404 in the console)."""
    failures: list[str] = []
    page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
    page.on(
        "response",
        lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return failures


def test_login_profile_refresh_logout_in_chromium(demo: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            failures = watch_for_failures(page)
            page.goto(demo)
            icon = page.locator("link[rel=icon]").get_attribute("href")
            assert icon is not None
            for path in (icon, "/favicon.ico"):
                favicon = page.request.get(f"{demo}{path}")
                assert favicon.status == 200
                assert favicon.headers["content-type"] == "image/svg+xml"
                assert favicon.body().startswith(b"<svg")
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
            # relative times and durations in words, not epoch arithmetic
            assert re.fullmatch(r"just now|\d+ s ago", page.locator("#logged-in").inner_text())
            assert page.locator("#session-exp").inner_text() in ("in 59 min", "in 1 h")
            assert page.locator("#session-limit").inner_text() in ("in 2 d 23 h", "in 3 d")
            assert "1 h without a request" in page.locator("#session-policy").inner_text()
            assert "3 d after login" in page.locator("#session-policy").inner_text()
            exact = page.locator("#logged-in time").get_attribute("title")
            assert exact is not None
            assert exact.endswith(" UTC")
            # claims read as JSON: true, not Python's True
            claims = {
                row.locator("th").inner_text(): row.locator("td").inner_text()
                for row in page.locator("#claims tr").all()
            }
            assert claims["email_verified"] == "true"
            assert "True" not in claims.values()
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
            forced_from = page.locator("#token-tail").inner_text()
            page.goto(f"{demo}/api?refresh=true")
            assert page.url == f"{demo}/api"  # the forced refresh leaves no ?refresh=true behind
            assert page.locator("#refreshed").count() == 1
            assert page.locator("#token-tail").inner_text() != forced_from
            assert "demo_refreshed" not in {c["name"] for c in context.cookies()}  # one-time note
            forced_to = page.locator("#token-tail").inner_text()
            page.reload()
            if page.locator("#token-tail").inner_text() == forced_to:  # still live (3 s tokens)
                assert page.locator("#cached").count() == 1  # no second refresh, no stale note
            api = page.request.get(f"{demo}/api/data")
            assert api.status == 200
            assert api.json()["message"] == "Hello from a protected API"

            page.get_by_role("link", name="Log out").click()
            page.wait_for_url(f"{demo}/")
            assert page.locator("h1").inner_text() == "Welcome"
            assert session_cookies(context) == {}
            page.screenshot(path=str(SHOTS / "06-logged-out.png"))
            assert page.request.get(f"{demo}/api/data").status == 401
            assert failures == []
        finally:
            browser.close()


def test_cancel_at_the_tenant_login_page_is_a_friendly_page(demo: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            failures = watch_for_failures(page)
            page.goto(demo)
            page.get_by_role("link", name="Log in").first.click()
            page.wait_for_selector("button[name=cancel]")
            page.locator("button[name=cancel]").click()
            page.wait_for_url(re.compile(re.escape(f"{demo}/auth/callback?")))
            assert page.locator("h1").inner_text() == "Login cancelled"
            assert "not signed in" in page.locator("#login-cancelled").inner_text()
            assert "access_denied" not in page.content()  # no protocol jargon on the page
            page.screenshot(path=str(SHOTS / "07-login-cancelled.png"))
            page.get_by_role("link", name="Back to the home page").click()
            page.wait_for_url(f"{demo}/")
            assert page.locator("h1").inner_text() == "Welcome"
            assert not any(n.startswith("__session") for n in session_cookies(context))
            assert failures == []
        finally:
            browser.close()


def test_a_failed_callback_is_a_page_with_a_way_home(demo: str) -> None:
    query = "error=access_denied&error_description=%3Cb%3Ebold%3C/b%3E&state=never-issued"
    for url in (
        f"{demo}/auth/callback?code=abc&state=never-issued",
        f"{demo}/auth/callback?{query}",
    ):
        response = httpx.get(url, timeout=10)
        assert response.status_code == 400
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "<h1>Login did not complete</h1>" in response.text
        assert '<a id=home href="/">Back to the home page</a>' in response.text
        assert "<b>bold</b>" not in response.text  # the provider's words are escaped
