"""Log events: each failure worth an operator's attention is logged once, named, and without secrets.

Every record carries ``extra={"event": "auth0_async.<area>.<what>"}``; docs/observability.md
lists them all (a test below keeps the two in step). No record may contain a token, a refresh
token, a cookie value or a secret, formatted or in its attributes.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from auth0_async import SessionStoreError
from auth0_async.stores import MemorySessionStore
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..support.routes import make_client, not_found
from ..support.tenant import CLIENT, tenant, tenant_client, tenant_login

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000
ROOT = Path(__file__).resolve().parents[2]
ACCESS = "at-do-not-log-4f1c"
REFRESH = "rt-do-not-log-9a2b"
ID_TOKEN = "id-do-not-log-77e0"


def events(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("auth0_async")]


def named(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in events(caplog) if getattr(r, "event", None) == event]


def assert_no_secrets(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    formatter = logging.Formatter("%(message)s %(event)s")
    for record in events(caplog):
        text = formatter.format(record) + repr(vars(record))
        for secret in (ACCESS, REFRESH, ID_TOKEN, SECRET, "csecret", *secrets):
            assert secret not in text, (record.getMessage(), secret)


def expired_session() -> str:
    wire = {
        "user": {"sub": "auth0|1"},
        "tokenSet": {
            "accessToken": ACCESS,
            "expiresAt": T0,
            "idToken": ID_TOKEN,
            "refreshToken": REFRESH,
            "scope": "openid profile",
        },
        "internal": {"sid": "s1", "createdAt": T0},
    }
    return generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))


def test_every_event_in_the_code_is_documented_and_every_documented_one_exists() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "auth0_async").rglob("*.py"))
    used = set(re.findall(r'"event": "(auth0_async\.[a-z_.]+)"', source))
    documented = set(
        re.findall(
            r"^\| `(auth0_async\.[a-z_.]+)`",
            # the "Log events" section only (the spans have a table of their own)
            (ROOT / "docs" / "observability.md")
            .read_text()
            .split("## Log events")[1]
            .split("\n## ")[0],
            re.MULTILINE,
        )
    )
    assert used, "no events found: the pattern no longer matches the code"
    assert used == documented, (used - documented, documented - used)


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (
            400,
            b'{"error":"invalid_grant","error_description":"refresh token revoked"}',
            "invalid_grant",
        ),
        (502, b"bad gateway", "transport_error"),
    ],
)
async def test_a_failed_refresh_at_the_access_token_route_is_logged(
    provider: FakeProvider, caplog: pytest.LogCaptureFixture, status: int, body: bytes, code: str
) -> None:
    provider.token_status = status
    provider.token_body = lambda _: body
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10))
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found),
            http_scope(f"__session={expired_session()}", path="/auth/access-token", scheme="https"),
        )
    assert response.status == 401
    [record] = named(caplog, "auth0_async.refresh.failed")
    assert record.levelno == logging.WARNING
    assert record.error_code == code  # type: ignore[attr-defined]
    assert_no_secrets(caplog)


async def test_a_missing_refresh_token_is_not_a_failed_refresh(
    provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    wire = {"user": {"sub": "auth0|1"}, "tokenSet": {"accessToken": ACCESS, "expiresAt": T0}}
    cookie = generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10))
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found),
            http_scope(f"__session={cookie}", path="/auth/access-token", scheme="https"),
        )
    assert response.status == 401
    assert named(caplog, "auth0_async.refresh.failed") == []


class BrokenStore(MemorySessionStore):
    """A store whose every call fails, with an error message that would leak the session id."""

    async def get(self, id: str) -> Any:
        raise ConnectionError(f"cannot reach the store for {id}")

    async def set(self, id: str, session: Any, *, expires_at: int) -> None:
        raise ConnectionError(f"cannot reach the store for {id}")

    async def update(self, id: str, session: Any, *, expires_at: int) -> bool:
        raise ConnectionError(f"cannot reach the store for {id}")


async def test_store_errors_are_logged_with_the_operation_and_not_the_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock = tenant()
    good = MemorySessionStore()
    auth0 = tenant_client(mock, session_store=good)
    callback = await tenant_login(mock, auth0)
    cookie = callback.cookie_value("__session")
    assert cookie is not None
    [session_id] = list(good._records)
    broken = tenant_client(mock, session_store=BrokenStore())
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            broken.middleware(not_found), http_scope(f"__session={cookie}", scheme="https")
        )
    assert response.status == 503
    [record] = named(caplog, "auth0_async.store.error")
    assert record.operation == "get"  # type: ignore[attr-defined]
    assert named(caplog, "auth0_async.store.unavailable")
    assert_no_secrets(caplog, session_id, cookie)


async def test_a_timed_out_store_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    class SlowStore(MemorySessionStore):
        async def set(self, id: str, session: Any, *, expires_at: int) -> None:
            import anyio

            await anyio.sleep(10)

    mock = tenant()
    auth0 = tenant_client(mock, session_store=SlowStore(), session_store_timeout=0.05)
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await tenant_login(mock, auth0)
    assert response.status == 503
    [record] = named(caplog, "auth0_async.store.error")
    assert record.operation == "set"  # type: ignore[attr-defined]
    assert_no_secrets(caplog)


async def test_login_failures_are_logged_at_start_and_at_callback(
    provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.discovery_error = httpx.ConnectError("down")
    auth0 = make_client(provider)
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found), http_scope(None, path="/auth/login", scheme="https")
        )
    assert response.status == 500
    [record] = named(caplog, "auth0_async.login.failed")
    assert (record.stage, record.error_code) == ("start", "discovery_error")  # type: ignore[attr-defined]

    caplog.clear()
    mock = tenant()
    auth0 = tenant_client(mock)
    login = await call(
        auth0.middleware(not_found), http_scope(None, path="/auth/login", scheme="https")
    )
    # A code the tenant never issued: the exchange fails at the token endpoint.
    back = urlsplit(mock.authorize_url_to_callback(login.header("location") or ""))
    params = dict(parse_qsl(back.query))
    params["code"] = "forged-code"
    cookies = "; ".join(line.split(";", 1)[0] for line in login.all("set-cookie"))
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found),
            http_scope(
                cookies,
                path="/auth/callback",
                scheme="https",
                query_string=urlencode(params).encode(),
            ),
        )
    assert response.status == 400
    [record] = named(caplog, "auth0_async.login.failed")
    assert (record.stage, record.error_code) == ("callback", "invalid_grant")  # type: ignore[attr-defined]
    assert_no_secrets(caplog, "forged-code", cookies.split("=", 1)[1])


async def test_backchannel_logout_events(caplog: pytest.LogCaptureFixture) -> None:
    mock = tenant()
    store = MemorySessionStore()
    auth0 = tenant_client(mock, session_store=store)
    await tenant_login(mock, auth0)
    app = auth0.middleware(not_found)

    async def post(token: str) -> int:
        body = urlencode({"logout_token": token}).encode()
        scope = http_scope(
            None,
            path="/auth/backchannel-logout",
            scheme="https",
            method="POST",
            headers=[
                (b"host", b"testserver"),
                (b"content-type", b"application/x-www-form-urlencoded"),
            ],
        )
        return (await call(app, scope, body)).status

    token = mock.logout_token(client_id=CLIENT.client_id, sub="auth0|alice")
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        assert await post(token) == 204
        assert await post(token) == 400  # a replay
        assert await post("not.a.token") == 400
    [done] = named(caplog, "auth0_async.backchannel.completed")
    assert done.sessions == 1  # type: ignore[attr-defined]
    rejected = named(caplog, "auth0_async.backchannel.rejected")
    assert [r.error_code for r in rejected] == ["invalid_token", "invalid_token"]  # type: ignore[attr-defined]
    assert_no_secrets(caplog, token)


async def test_a_failing_store_during_backchannel_logout_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class NoDeletes(MemorySessionStore):
        async def delete_by_logout_token(self, **kwargs: Any) -> int:
            raise SessionStoreError("down")

    mock = tenant()
    auth0 = tenant_client(mock, session_store=NoDeletes())
    token = mock.logout_token(client_id=CLIENT.client_id, sub="auth0|alice")
    scope = http_scope(
        None,
        path="/auth/backchannel-logout",
        scheme="https",
        method="POST",
        headers=[(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded")],
    )
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found), scope, urlencode({"logout_token": token}).encode()
        )
    assert response.status == 503
    assert named(caplog, "auth0_async.backchannel.failed")
    [store] = named(caplog, "auth0_async.store.error")
    assert store.operation == "delete_by_logout_token"  # type: ignore[attr-defined]
    assert_no_secrets(caplog, token)


async def test_a_refresh_failed_on_another_instance_is_logged_here_too(
    provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    from auth0_async import AccessTokenError

    class TimedOut:
        async def coordinate(self, key: str, fetch: Any) -> bytes:
            raise AccessTokenError("failed_to_refresh_token", "another instance's grant timed out")

    auth0 = make_client(provider, clock=FrozenClock(T0 + 10), refresh_coordinator=TimedOut())
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        response = await call(
            auth0.middleware(not_found),
            http_scope(f"__session={expired_session()}", path="/auth/access-token", scheme="https"),
        )
    assert response.status == 401
    [record] = named(caplog, "auth0_async.refresh.failed")
    assert record.error_code == "failed_to_refresh_token"  # type: ignore[attr-defined]
    assert_no_secrets(caplog)
