"""Attacks on /auth/callback that tests/service/test_login.py does not cover.

The provider here is strict (StrictProvider, tests/support/fakes.py): codes are single use and bound to
the authorization request's PKCE challenge, nonce and redirect_uri, as a real provider's.
Each attack ends in a clean error without a session cookie, a traceback or a token request
the attacker could abuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from ..support.fakes import StrictProvider
from ..support.routes import begin_login, finish_login, full_login, jar
from .helpers import bad_headers

if TYPE_CHECKING:
    from ..support.asgi_driver import Response

pytestmark = pytest.mark.anyio


def assert_no_session(response: Response, *statuses: int) -> None:
    assert response.status in statuses, (response.status, response.body)
    assert "__session" not in jar(response)
    assert b"Traceback" not in response.body
    assert bad_headers(response) == []


def token_requests(provider: StrictProvider) -> int:
    return provider.hits["/oauth/token"]


async def test_state_fixation_attackers_transaction_with_the_victims_code() -> None:
    """The attacker plants their transaction cookie and state next to the victim's code."""
    provider = StrictProvider()
    auth0 = provider.client()
    attacker_cookies, attacker_location = await begin_login(auth0)
    _, attacker_state = provider.authorize(attacker_location, sub="auth0|attacker")
    victim_cookies, victim_location = await begin_login(auth0)
    victim_code, _ = provider.authorize(victim_location, sub="auth0|victim")

    # The victim's code with the attacker's state and transaction: PKCE binds the code to
    # the victim's verifier, so the provider refuses the exchange.
    forged = await finish_login(
        auth0, attacker_cookies, {"code": victim_code, "state": attacker_state}
    )
    assert_no_session(forged, 400, 502)
    assert f"__txn_{attacker_state}" not in jar(forged, attacker_cookies)  # consumed

    # The same against a provider that ignores PKCE: the ID token's nonce is the victim's,
    # which the attacker's transaction does not hold.
    lax = StrictProvider()
    lax.require_pkce = False
    auth0 = lax.client()
    attacker_cookies, attacker_location = await begin_login(auth0)
    _, attacker_state = lax.authorize(attacker_location, sub="auth0|attacker")
    _, victim_location = await begin_login(auth0)
    victim_code, _ = lax.authorize(victim_location, sub="auth0|victim")
    forged = await finish_login(
        auth0, attacker_cookies, {"code": victim_code, "state": attacker_state}
    )
    assert_no_session(forged, 400)
    assert b"nonce" in forged.body

    # The attacker's state with the victim's transaction cookie does not even match.
    mixed = await finish_login(
        auth0, victim_cookies, {"code": victim_code, "state": attacker_state}
    )
    assert_no_session(mixed, 400)


async def test_the_victims_login_survives_a_fixation_attempt() -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    victim_cookies, victim_location = await begin_login(auth0)
    victim_code, victim_state = provider.authorize(victim_location, sub="auth0|victim")
    attacker_cookies, attacker_location = await begin_login(auth0)
    attacker_code, attacker_state = provider.authorize(attacker_location, sub="auth0|attacker")
    # A forged callback in the victim's browser: the attacker's state and code, the victim's
    # cookies (the attacker cannot set theirs). No transaction matches: nothing happens.
    forged = await finish_login(
        auth0, victim_cookies, {"code": attacker_code, "state": attacker_state}
    )
    assert_no_session(forged, 400)
    assert token_requests(provider) == 0
    # The victim's own callback still completes, as the victim.
    done = await finish_login(auth0, victim_cookies, {"code": victim_code, "state": victim_state})
    assert done.status == 307
    assert provider.claims["sub"] == "auth0|victim"
    assert "__session" in jar(done)
    assert attacker_cookies  # (the attacker's transaction stayed in the attacker's browser)


@pytest.mark.parametrize(
    "query",
    [
        b"code=CODE",  # no state at all
        b"code=CODE&state=",  # an empty state
        b"state=&state=STATE&code=CODE",  # the first value wins: empty
        b"code=CODE&STATE=STATE",  # parameter names are case-sensitive
        b"code=CODE&state%00=STATE",
    ],
)
async def test_csrf_without_state_is_refused_and_burns_nothing(query: bytes) -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location)
    forged = await finish_login(
        auth0, cookies, query.replace(b"CODE", code.encode()).replace(b"STATE", state.encode())
    )
    assert_no_session(forged, 400)
    assert b"state" in forged.body
    assert token_requests(provider) == 0  # the code was not spent
    assert jar(forged, cookies) == cookies  # the transaction was not consumed
    done = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert done.status == 307  # the genuine callback still works


async def test_a_replayed_callback_is_refused() -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location)
    first = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert first.status == 307
    after = jar(first, cookies)
    assert f"__txn_{state}" not in after

    # The browser replays the callback URL (back button, reload): its transaction is gone.
    replay = await finish_login(auth0, after, {"code": code, "state": state})
    assert_no_session(replay, 400)
    assert token_requests(provider) == 1

    # Someone replays the whole captured request, transaction cookie included: the provider
    # refuses the used code, and the answer is a clean error without a session.
    captured = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert_no_session(captured, 400, 502)
    assert b"invalid_grant" in captured.body
    assert token_requests(provider) == 2
    assert f"__txn_{state}" not in jar(captured, cookies)  # consumed on failure too


async def test_a_code_for_another_redirect_uri_is_refused() -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    other = provider.client(app_base_url="https://other.example")
    cookies, location = await begin_login(other)
    code, state = provider.authorize(location)
    # The same state and transaction on an app whose callback URL differs.
    response = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert_no_session(response, 400, 502)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda state: {"code": "c", "state": "s" * 100_000}, id="100KB-state"),
        pytest.param(
            lambda state: {"code": "c" * 100_000, "state": "x" + state}, id="100KB-code-bad-state"
        ),
        pytest.param(
            lambda state: {"code": "c", "state": state, "iss": "i" * 100_000}, id="100KB-iss"
        ),
        pytest.param(
            lambda state: {"state": state, "error": "e" * 100_000, "error_description": "d"},
            id="100KB-error",
        ),
        pytest.param(
            lambda state: {"code": "c", "state": "x" + state, "pad": "p" * 1_000_000},
            id="1MB-query",
        ),
        pytest.param(
            lambda state: {"code": "c", "state": state, **{f"k{i}": "v" for i in range(5_000)}},
            id="5000-params",
        ),
    ],
)
async def test_oversize_query_strings_are_a_clean_400(make: object) -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    cookies, location = await begin_login(auth0)
    _, state = provider.authorize(location)
    assert callable(make)
    response = await finish_login(auth0, cookies, make(state))
    assert_no_session(response, 400)
    assert token_requests(provider) == 0
    assert len(response.body) < 300_000


@pytest.mark.parametrize(
    "raw",
    [
        b"code=c&state=%ff%fe%00",
        b"code=c&state=\xff\xfe",
        b"code=c&state=%",
        b"code=c&state=%zz",
        b"&&&&=&=&state",
        b"state=" + quote("\ud800", errors="surrogatepass").encode(),
    ],
)
async def test_malformed_query_strings_are_a_clean_400(raw: bytes) -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    cookies, _ = await begin_login(auth0)
    response = await finish_login(auth0, cookies, raw)
    assert_no_session(response, 400)


async def test_a_second_login_in_the_same_browser_replaces_the_first_user() -> None:
    """Logging in again (another account) leaves exactly one session: the new user's."""
    provider = StrictProvider()
    auth0 = provider.client()
    first = await full_login(auth0, provider, sub="auth0|first")
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location, sub="auth0|second")
    done = await finish_login(auth0, {**first, **cookies}, {"code": code, "state": state})
    assert done.status == 307
    from ..conftest import http_scope
    from ..support.routes import header

    session = await auth0.get_session(http_scope(header(jar(done, first)), scheme="https"))
    assert session is not None
    assert session.user.sub == "auth0|second"
