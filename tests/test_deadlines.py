"""The deadline helper behaves alike on asyncio (asyncio.timeout) and trio (anyio)."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from auth0_async._deadlines import deadline

pytestmark = pytest.mark.anyio


async def test_a_slow_block_raises_timeout_error() -> None:
    with anyio.fail_after(5), pytest.raises(TimeoutError):
        async with deadline(0.01):
            await anyio.sleep(5)


async def test_a_fast_block_returns_normally() -> None:
    async with deadline(5):
        await anyio.lowlevel.checkpoint()


async def test_it_still_fires_inside_a_shielded_scope() -> None:
    # The token flow saves rotated tokens under a shield; the store's deadline must hold there.
    with anyio.CancelScope(shield=True), pytest.raises(TimeoutError):
        async with deadline(0.01):
            await anyio.sleep(5)


async def test_an_outer_cancellation_is_not_reported_as_a_timeout() -> None:
    with anyio.move_on_after(0.01) as outer:
        async with deadline(5):
            await anyio.sleep(5)
    assert outer.cancelled_caught


async def test_an_error_inside_passes_through_unchanged() -> None:
    with pytest.raises(KeyError):
        async with deadline(5):
            raise KeyError("x")
