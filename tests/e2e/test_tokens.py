"""Access tokens end to end: the real oidc-provider rotates refresh tokens on every use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx
import pytest

from .harness import CLIENT_SECRET, OffsetClock, Peers, browser, login, running_peers

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

ACCESS_TTL = 30


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with running_peers(accessTokenTTL=ACCESS_TTL) as running:
        yield running


def logged_in(peers: Peers) -> tuple[OffsetClock, str]:
    """Log alice in; return the app's clock and the Cookie header carrying her session."""
    clock = OffsetClock()
    peers.client("app-post", clock=clock)
    with browser() as b:
        assert login(peers, b).status_code == 307
        cookie = f"__session={b.cookies['__session']}"
    return clock, cookie


def refresh_counts(peers: Peers) -> dict[str, int]:
    return peers.op.refresh_grant_count("app-post")


def test_an_expired_access_token_is_refreshed(peers: Peers) -> None:
    clock, cookie = logged_in(peers)
    before = refresh_counts(peers)
    fresh = httpx.get(f"{peers.app_url}/auth/access-token", headers={"cookie": cookie})
    assert fresh.status_code == 200
    first = fresh.json()["token"]
    assert refresh_counts(peers) == before  # still valid: no grant
    clock.offset = ACCESS_TTL + 5
    refreshed = httpx.get(f"{peers.app_url}/auth/access-token", headers={"cookie": cookie})
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["token"] != first
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= ACCESS_TTL
    assert any(line.startswith("__session=ey") for line in refreshed.headers.get_list("set-cookie"))
    after = refresh_counts(peers)
    assert (after["success"], after["failure"]) == (before["success"] + 1, before["failure"])


def test_twenty_concurrent_requests_make_exactly_one_grant_and_the_rotation_survives(
    peers: Peers,
) -> None:
    clock, cookie = logged_in(peers)
    clock.offset = ACCESS_TTL + 5
    before = refresh_counts(peers)
    responses: list[httpx.Response] = []

    async def fire() -> None:
        async with httpx.AsyncClient(timeout=20) as client:

            async def one() -> None:
                responses.append(
                    await client.get(f"{peers.app_url}/api", headers={"cookie": cookie})
                )

            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(one)

    anyio.run(fire)
    assert [r.status_code for r in responses] == [200] * 20, [
        r.text for r in responses if r.status_code != 200
    ]
    assert len({r.json()["token"] for r in responses}) == 1
    after = refresh_counts(peers)
    assert after["success"] == before["success"] + 1
    assert after["failure"] == before["failure"]  # no rotated-out token was ever replayed

    # the refresh token left in the cookie still works: force another grant with it
    new_cookie = next(
        line.split(";", 1)[0]
        for r in responses
        for line in r.headers.get_list("set-cookie")
        if line.startswith("__session=ey")
    )
    forced = httpx.get(f"{peers.app_url}/api?refresh=1", headers={"cookie": new_cookie})
    assert forced.status_code == 200, forced.text
    final = refresh_counts(peers)
    assert (final["success"], final["failure"]) == (after["success"] + 1, after["failure"])


def test_a_revoked_grant_is_a_typed_error_and_keeps_the_session(peers: Peers) -> None:
    clock, cookie = logged_in(peers)
    with browser() as b:
        b.cookies.set("__session", cookie.split("=", 1)[1])
        session = b.get(f"{peers.app_url}/session").json()
    httpx.post(
        f"{peers.op.issuer}/token/revocation",
        data={
            "token": session["tokenSet"]["refreshToken"],
            "client_id": "app-post",
            "client_secret": CLIENT_SECRET,
        },
    ).raise_for_status()
    clock.offset = ACCESS_TTL + 5
    failed = httpx.get(f"{peers.app_url}/auth/access-token", headers={"cookie": cookie})
    assert failed.status_code == 401
    assert failed.json()["error"]["code"] == "failed_to_refresh_token"
    assert not any("__session" in line for line in failed.headers.get_list("set-cookie"))
    assert httpx.get(f"{peers.app_url}/auth/profile", headers={"cookie": cookie}).status_code == 200
