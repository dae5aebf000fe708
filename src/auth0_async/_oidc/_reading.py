"""Reading a provider's answer with a size cap, without leaving a half-read stream behind."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from .._exceptions import TransportError

__all__ = ["read_capped"]


async def read_capped(
    response: httpx.Response, *, limit: int, what: str, error: type[TransportError]
) -> bytes:
    """Return the body of a streamed ``response`` if it is at most ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before reading;
    otherwise reading stops at the first byte past it.

    Raises:
        TransportError: (the given subclass ``error``) the body exceeds ``limit``.

    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise error(f"{what}: response exceeds {limit} bytes")
    body = bytearray()
    chunks = response.aiter_bytes()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            break
    else:
        return bytes(body)
    await _discard(response, chunks, limit)
    raise error(f"{what}: response exceeds {limit} bytes")


async def _discard(response: httpx.Response, chunks: AsyncIterator[bytes], limit: int) -> None:
    # httpx's body iterators are nested async generators, and abandoning one
    # half-read makes trio warn (encode/httpx#3686). Closing the response ends
    # the underlying stream, so the chain then finishes at once; the drain is
    # still bounded in case a transport keeps producing.
    await response.aclose()
    drained = 0
    with contextlib.suppress(httpx.HTTPError, httpx.StreamError, OSError):
        async for chunk in chunks:
            drained += len(chunk)
            if drained > limit:
                break
