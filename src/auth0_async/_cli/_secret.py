"""``auth0-async secret``: a new random value for ``AUTH0_SECRET``."""

from __future__ import annotations

import secrets
from typing import Literal

from .._core._crypto import b64url_encode

__all__ = ["MIN_SECRET_BYTES", "new_secret"]

MIN_SECRET_BYTES = 32
"""Fewest random bytes a secret is made from (256 bits: the AES-256 key it derives)."""


def new_secret(
    *, size: int = MIN_SECRET_BYTES, encoding: Literal["hex", "base64url"] = "hex"
) -> str:
    """Return ``size`` bytes from the operating system's CSPRNG, as hex or unpadded base64url.

    Hex gives ``2 * size`` characters (64 for the default), base64url about ``4/3 * size``
    (43 for the default); both are plain ASCII, safe in a ``.env`` file or a shell.

    Raises:
        ValueError: ``size`` is below :data:`MIN_SECRET_BYTES`.

    """
    if size < MIN_SECRET_BYTES:
        raise ValueError(f"a secret needs at least {MIN_SECRET_BYTES} random bytes")
    raw = secrets.token_bytes(size)
    return raw.hex() if encoding == "hex" else b64url_encode(raw)
