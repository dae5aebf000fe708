"""Fetch stand-ins for the refresh coordinator tests (local and Redis)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from auth0_async import Auth0Error

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

KEY = "a" * 64
asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])
"""redis.asyncio runs on asyncio only."""


class Fetcher:
    """A fetch that counts its calls, can wait on a gate, and returns or raises."""

    def __init__(
        self,
        result: bytes = b"tokens",
        *,
        error: Exception | None = None,
        delay: float = 0.0,
        gated: bool = False,
    ) -> None:
        self.result = result
        self.error = error
        self.delay = delay
        self.calls = 0
        self.gate = anyio.Event() if gated else None
        self.started = anyio.Event()
        self.finished = anyio.Event()

    async def __call__(self) -> bytes:
        self.calls += 1
        self.started.set()
        try:
            if self.gate is not None:
                # Bounded: a failing test must not hang in a shielded fetch.
                with anyio.fail_after(5):
                    await self.gate.wait()
            if self.delay:
                await anyio.sleep(self.delay)
            if self.error is not None:
                raise self.error
            return self.result
        finally:
            self.finished.set()


async def never_fetch() -> bytes:
    raise AssertionError("fetch must not be called")


async def gather(count: int, call: Callable[[], Awaitable[bytes]]) -> list[bytes | BaseException]:
    """Run ``count`` concurrent calls; collect each result or exception."""
    outcomes: list[bytes | BaseException] = []

    async def one() -> None:
        try:
            outcomes.append(await call())
        except Auth0Error as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(one)
    return outcomes
