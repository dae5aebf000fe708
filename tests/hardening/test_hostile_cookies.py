"""Whatever a client sends in its Cookie header, get_session answers None and never raises."""

from __future__ import annotations

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth0_async import Auth0Client
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope

AUTH0 = Auth0Client(secret=SECRET, clock=FrozenClock(1_800_000_000))
VALID = generate_session_cookie(
    {"user": {"sub": "a"}, "tokenSet": {"accessToken": "x", "expiresAt": 1}},
    secret=SECRET,
    clock=FrozenClock(1_800_000_000),
)


def read(raw_header: bytes) -> object:
    async def go() -> object:
        scope = http_scope(None)
        scope["headers"].append((b"cookie", raw_header))
        return await AUTH0.get_session(scope)

    return anyio.run(go)


names = st.sampled_from(
    ["__session", "__session__0", "__session__1", "__session__2", "appSession", "appSession.0", "x"]
)
segments = st.text(
    alphabet='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=%"\\ ;', max_size=80
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes(raw: bytes) -> None:
    assert read(raw) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(names, segments), max_size=8))
def test_cookie_shaped_garbage(pairs: list[tuple[str, str]]) -> None:
    header = "; ".join(f"{n}={v}" for n, v in pairs)
    assert read(header.encode("latin-1", "replace")) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.characters(codec="ascii"))
def test_one_character_changed_in_a_valid_cookie(index: int, char: str) -> None:
    mutated = VALID[:index] + char + VALID[index + 1 :]
    if mutated == VALID:
        return
    assert read(f"__session={mutated}".encode()) is None


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=len(VALID) - 1))
def test_a_valid_cookie_split_into_chunks_with_a_gap(cut: int) -> None:
    header = f"__session__0={VALID[:cut]}; __session__2={VALID[cut:]}"
    assert read(header.encode()) is None


def test_large_and_numerous_cookies_are_refused_quickly() -> None:
    huge = "; ".join(f"__session__{i}={'A' * 4000}" for i in range(64))
    assert read(huge.encode()) is None
    many = "; ".join(f"c{i}=v" for i in range(10_000))
    assert read(many.encode()) is None
    assert read(f"__session={'A' * 1_000_000}".encode()) is None


def test_the_valid_cookie_itself_reads() -> None:
    assert read(f"__session={VALID}".encode()) is not None
