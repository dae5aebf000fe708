"""Reading a request body from ASGI ``receive``, bounded."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._types import Receive

__all__ = ["MAX_FORM_BYTES", "read_body"]

MAX_FORM_BYTES = 64 * 1024
"""The largest body an auth route reads (a back-channel logout form is far smaller)."""


async def read_body(receive: Receive, limit: int = MAX_FORM_BYTES) -> bytes | None:
    """Read an HTTP request body, up to ``limit`` bytes; ``None`` when it is larger."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
