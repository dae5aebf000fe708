"""Fresh ``state``, ``nonce`` and PKCE values for one login (RFC 7636, S256 only).

Each random value is 32 bytes from the OS CSPRNG, base64url without padding
(43 characters), the same shape oauth4webapi gives nextjs-auth0.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

__all__ = ["code_challenge_s256", "new_code_verifier", "new_nonce", "new_state"]

_RANDOM_BYTES = 32
# RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def new_state() -> str:
    """Return a new ``state`` value (43 base64url characters)."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def new_nonce() -> str:
    """Return a new OpenID Connect ``nonce`` (43 base64url characters)."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def new_code_verifier() -> str:
    """Return a new PKCE ``code_verifier`` (43 base64url characters)."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def code_challenge_s256(verifier: str) -> str:
    """Return ``BASE64URL(SHA256(ASCII(verifier)))``, the ``S256`` code challenge.

    Raises:
        ValueError: ``verifier`` is not 43-128 characters of the RFC 7636 alphabet.

    """
    if not _VERIFIER.fullmatch(verifier):
        raise ValueError("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
