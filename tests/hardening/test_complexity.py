"""No input makes the read path do super-linear work: megabyte headers, 10k cookies, deep JSON.

Work is counted, not timed: :func:`count_work` counts the lines of auth0_async that run,
and spies count the expensive primitives (AES-GCM opens, header parses). For each shape
of hostile input the work for ``10 n`` must stay within about ``10×`` the work for ``n``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth0_async import Auth0Client, SessionData
from auth0_async._core import _cookies as cookies_module
from auth0_async._core._crypto import CookieCipher
from auth0_async.testing import FrozenClock

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..support.fakes import FakeProvider
from ..support.routes import app_ok, make_client
from .helpers import count_work, run_sync

if TYPE_CHECKING:
    from collections.abc import Callable

NOW = 1_800_000_000
AUTH0 = Auth0Client(secret=SECRET, clock=FrozenClock(NOW))
CIPHER = CookieCipher([SECRET])
LINEAR = 12.0
"""Allowed growth of the work when the input grows 10×: linear, with a little slack."""


def read(raw: bytes) -> SessionData | None:
    return run_sync(AUTH0.get_session({"type": "http", "headers": [(b"cookie", raw)]}))


def growth(make: Callable[[int], bytes], n: int) -> tuple[int, int]:
    """Work for an input of size n and of size 10 n (both must read as no session)."""
    small, large = make(n), make(10 * n)
    assert read(small) is None
    assert read(large) is None
    return count_work(lambda: read(small)), count_work(lambda: read(large))


SHAPES: dict[str, Callable[[int], bytes]] = {
    # One megabyte-sized value: refused by its length before any decoding.
    "one huge session value": lambda n: b"__session=" + b"A" * n,
    "one huge percent-encoded value": lambda n: b"__session=" + b"%41" * (n // 3),
    "one huge quoted value": lambda n: b'__session="' + b"A" * n + b'"',
    # Many cookies of every kind the reader looks at.
    "unrelated cookies": lambda n: b"; ".join(b"c%d=v" % i for i in range(n // 8)),
    "unrelated cookies then a session": lambda n: (
        b"; ".join(b"c%d=v" % i for i in range(n // 8)) + b"; __session=a.b.c.d.e"
    ),
    "chunk cookies": lambda n: b"; ".join(b"__session__%d=AAAA" % i for i in range(n // 20)),
    "chunk cookies with leading zeros": lambda n: b"; ".join(
        b"__session__0%d=A" % i for i in range(n // 20)
    ),
    "repeated session cookie": lambda n: b"; ".join(b"__session=x%d" % i for i in range(n // 16)),
    "legacy chunk cookies": lambda n: b"; ".join(b"appSession.%d=AAAA" % i for i in range(n // 20)),
    "separators only": lambda n: b";" * n,
    "equals signs only": lambda n: b"=" * n,
    "names without values": lambda n: b"; ".join(b"__session" for _ in range(n // 11)),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_cookie_header_work_is_linear(shape: str) -> None:
    small, large = growth(SHAPES[shape], 100_000)  # 100 KB and 1 MB headers
    assert large <= LINEAR * small + 200, (small, large)


def test_ten_thousand_cookies_open_at_most_one_jwe(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    parses: list[int] = []
    real_decrypt = CookieCipher.decrypt
    real_parse = cookies_module.parse_cookie_header

    def spy_decrypt(self: CookieCipher, token: str) -> Any:
        opened.append(len(token))
        return real_decrypt(self, token)

    def spy_parse(header: str) -> dict[str, str]:
        parses.append(len(header))
        return real_parse(header)

    monkeypatch.setattr(CookieCipher, "decrypt", spy_decrypt)
    monkeypatch.setattr(cookies_module, "parse_cookie_header", spy_parse)
    monkeypatch.setattr("auth0_async._core._context.parse_cookie_header", spy_parse)
    valid = CIPHER.encrypt(b'{"user":{"sub":"a"},"tokenSet":{"accessToken":"x"}}')
    headers = [
        b"; ".join(b"c%d=v" % i for i in range(10_000)),
        b"; ".join(b"__session__%d=%s" % (i, valid[:10].encode()) for i in range(10_000)),
        b"; ".join(b"__session=%s" % valid[: i % 300].encode() for i in range(10_000)),
        b"; ".join(b"appSession.%d=AAAA" % i for i in range(10_000)),
    ]
    for raw in headers:
        opened.clear()
        parses.clear()
        assert read(raw) is None
        assert len(opened) <= 1  # one candidate value, opened once
        # The header is parsed at most twice per request: once when find_cookie_span cannot
        # take its fast path (the name occurs before the cookie), once for the cookie jar.
        assert len(parses) <= 2, parses


def deep_payload(depth: int, *, where: str) -> bytes:
    nested = b"[" * depth + b"]" * depth
    if where == "claim":
        return b'{"user":{"sub":"a","deep":' + nested + b'},"tokenSet":{"accessToken":"x"}}'
    if where == "top":
        return b'{"user":{"sub":"a"},"tokenSet":{"accessToken":"x"},"deep":' + nested + b"}"
    if where == "objects":
        return b'{"user":{"sub":"a"},"tokenSet":{"accessToken":"x"},"d":' + (
            b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        )
    return b'{"user":' + nested + b',"tokenSet":{"accessToken":"x"}}'  # in a typed field


@pytest.mark.parametrize("where", ["claim", "top", "objects", "typed"])
def test_deeply_nested_json_in_a_valid_cookie_is_no_session(where: str) -> None:
    cookies = {
        d: f"__session={CIPHER.encrypt(deep_payload(d, where=where))}" for d in (2_000, 20_000)
    }
    for cookie in cookies.values():
        assert read(cookie.encode()) is None  # no RecursionError, no session
    small = count_work(lambda: read(cookies[2_000].encode()))
    large = count_work(lambda: read(cookies[20_000].encode()))
    assert large <= LINEAR * small + 200, (small, large)


def test_nesting_limit_is_the_same_on_every_python() -> None:
    # msgspec stops at the C recursion limit, ~1,000 deep up to 3.11 but 10,000 on 3.13.
    def nested(depth: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
        claim = open_ * depth + b"1" + close * depth
        return b'{"user":{"sub":"a","deep":' + claim + b'},"tokenSet":{"accessToken":"x"}}'

    assert read(f"__session={CIPHER.encrypt(nested(200))}".encode()) is not None
    assert read(f"__session={CIPHER.encrypt(nested(400))}".encode()) is None
    # Brackets inside strings are text, not nesting.
    text = b'"' + b"[{" * 400 + b'"'
    payload = b'{"user":{"sub":"a","note":' + text + b'},"tokenSet":{"accessToken":"x"}}'
    assert read(f"__session={CIPHER.encrypt(payload)}".encode()) is not None


def test_moderately_nested_custom_claims_still_read() -> None:
    # The depth guard must not cost real sessions their nested custom claims.
    payload = b'{"user":{"sub":"a","org":' + b'{"x":' * 50 + b"1" + b"}" * 50 + b'},"tokenSet":{}}'
    session = read(f"__session={CIPHER.encrypt(payload)}".encode())
    assert session is not None
    assert session.user.sub == "a"


def test_wide_payloads_read_in_linear_work() -> None:
    def wide(n: int) -> bytes:
        claims = b",".join(b'"c%d":%d' % (i, i) for i in range(n))
        return b'{"user":{"sub":"a",' + claims + b'},"tokenSet":{}}'

    cookies = {n: f"__session={CIPHER.encrypt(wide(n))}".encode() for n in (300, 3_000)}
    session = read(cookies[3_000])
    assert session is not None
    assert session.user["c2999"] == 2999
    small = count_work(lambda: read(cookies[300]))
    large = count_work(lambda: read(cookies[3_000]))
    assert large <= LINEAR * small + 200, (small, large)


units = st.lists(
    st.sampled_from([*"ab_=;%\"' \t.0123456789", "__session", "__session__", "appSession."]),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units)
def test_any_repeated_pattern_reads_in_linear_work(unit: str) -> None:
    repeat = max(1, 2_000 // len(unit))
    small_raw = (unit * repeat).encode()
    large_raw = (unit * repeat * 10).encode()
    assert read(small_raw) is None
    small = count_work(lambda: read(small_raw))
    large = count_work(lambda: read(large_raw))
    assert large <= LINEAR * small + 200, (unit, small, large)


@pytest.mark.anyio
@pytest.mark.parametrize("route", ["/auth/login", "/auth/logout", "/"])
async def test_routes_with_thousands_of_cookies_do_linear_work(route: str) -> None:
    """The transaction store, logout and the rolling write look at every cookie once."""
    auth0 = make_client(FakeProvider())
    app = auth0.middleware(app_ok)
    await call(app, http_scope(None, path="/auth/login", scheme="https"))  # caches discovery

    def scope(n: int) -> dict[str, Any]:
        cookies = b"; ".join(b"__txn_%d=%d:x" % (i, i) for i in range(n))
        result = http_scope(None, path=route, scheme="https")
        result["headers"].append((b"cookie", cookies))
        return result

    # With discovery cached, these routes await no I/O: run them without the event loop.
    small_scope, large_scope = scope(1_000), scope(10_000)
    small = count_work(lambda: run_sync(call(app, small_scope)))
    large = count_work(lambda: run_sync(call(app, large_scope)))
    assert large <= LINEAR * small + 500, (small, large)
