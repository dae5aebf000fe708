"""One deadline helper for awaiting I/O: asyncio's own on asyncio, anyio's elsewhere (trio).

``asyncio.timeout`` (Python 3.11+) costs about a third of an anyio cancel scope,
which also asks sniffio which library runs on every use. Either way the block
raises :class:`TimeoutError` when the deadline passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractAsyncContextManager

__all__ = ["deadline"]


@contextlib.asynccontextmanager
async def _anyio_deadline(seconds: float) -> AsyncIterator[None]:
    with anyio.fail_after(seconds):
        yield


def deadline(seconds: float) -> AbstractAsyncContextManager[object]:
    """Return an ``async with`` block that raises :class:`TimeoutError` after ``seconds``."""
    if sys.version_info >= (3, 11):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not asyncio (trio)
            pass
        else:
            return asyncio.timeout(seconds)
    return _anyio_deadline(seconds)
