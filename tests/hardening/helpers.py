"""Shared tools of the hardening suite.

(The strict fake provider these tests use, ``StrictProvider``, lives with the other fakes
in tests/support/fakes.py; ``full_login`` and friends in tests/support/routes.py.)

* :func:`stepping`: run a coroutine and call back at each suspension point (to inject a
  cancellation at every await).
* :func:`count_work`: count the Python lines auth0_async executes for a call (a measure of
  work that does not depend on wall-clock time).
* :func:`bad_headers`: the ``Location``/``Set-Cookie`` headers of a response that carry a
  control character, or a ``Set-Cookie`` whose name is not an RFC 9110 token.
"""

from __future__ import annotations

import re
import sys
import time
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

import auth0_async

from ..conftest import SECRET

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Generator

    from ..support.asgi_driver import Response

T = TypeVar("T")

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"]
"""C0 controls and DEL: none may reach a Location or Set-Cookie header."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
SRC = str(Path(auth0_async.__file__).resolve().parent)


def bad_headers(response: Response) -> list[tuple[str, str]]:
    """Location/Set-Cookie headers with a control character, or a Set-Cookie name that is no token."""
    found = []
    for name, value in response.headers:
        if name not in ("location", "set-cookie"):
            continue
        cookie_name = value.split("=", 1)[0]
        if _CONTROL.search(value) or (name == "set-cookie" and not _TOKEN.match(cookie_name)):
            found.append((name, value[:120]))
    return found


# -- a strict fake provider -------------------------------------------------------------------


def session_wire(
    *, sub: str = "auth0|1", refresh_token: str = "rt-1", **extra: Any
) -> dict[str, Any]:
    """A session whose access token has expired (so any get_access_token refreshes)."""
    return {
        "user": {"sub": sub, "name": "One"},
        "tokenSet": {
            "accessToken": "at-old",
            "expiresAt": 1,
            "refreshToken": refresh_token,
            "scope": "openid profile offline_access",
        },
        "internal": {"sid": "s1", "createdAt": int(time.time()) - 10},
        **extra,
    }


def decrypt_cookie(value: str) -> dict[str, Any]:
    """The JSON payload of one of our cookies (asserting that it opens)."""
    from auth0_async._core._crypto import CookieCipher

    opened = CookieCipher([SECRET]).decrypt(value)
    assert opened is not None
    payload: dict[str, Any] = msgspec.json.decode(opened[1])
    return payload


# -- cancellation at every suspension point ----------------------------------------------------


@types.coroutine
def _stepping(coro: Coroutine[Any, Any, T], on_step: Callable[[], None]) -> Generator[Any, Any, T]:
    send_value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = coro.send(send_value) if error is None else coro.throw(error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        on_step()
        try:
            send_value = yield yielded
            error = None
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # noqa: BLE001 (handed to the coroutine, as an await would)
            send_value, error = None, exc


async def stepping(coro: Coroutine[Any, Any, T], on_step: Callable[[], None]) -> T:
    """Await ``coro``, calling ``on_step()`` each time it suspends (before the event loop runs).

    Cancelling an enclosing scope from ``on_step`` delivers the cancellation at exactly
    that suspension point, on asyncio and trio alike.
    """
    result: T = await _stepping(coro, on_step)
    return result


# -- counting work without a clock -------------------------------------------------------------


def count_work(fn: Callable[[], object]) -> int:
    """Return how many lines of auth0_async's own code ``fn()`` executes.

    Linear-time C helpers (``str.split``, AES-GCM, msgspec) count as one line each, so
    this measures the Python-level work a hostile input can make auth0_async do.
    """
    counter = 0

    def local(frame: types.FrameType, event: str, arg: object) -> Any:
        nonlocal counter
        if event == "line":
            counter += 1
        return local

    def scope(frame: types.FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(SRC) else None

    previous = sys.gettrace()
    sys.settrace(scope)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return counter


def run_sync(coro: Awaitable[T]) -> T:
    """Drive a coroutine that never suspends (the stateless read path) to its result."""
    assert isinstance(coro, types.CoroutineType)
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise AssertionError("the coroutine awaited I/O")
