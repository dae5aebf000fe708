"""Login transactions: one encrypted cookie per login attempt, ``<prefix><state>``.

Each ``/auth/login`` writes a cookie holding the state, nonce and PKCE verifier
(the same JWE scheme as the session, 1 hour by default). Values are written as
``<unix-ts>:<jwe>``, as nextjs-auth0 4.30 does, and read with or without that
prefix. So that abandoned logins cannot pile up until the browser's headers
overflow (nextjs-auth0 #1917), a new transaction evicts the oldest ones once
the transaction cookies together would pass 3500 bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from ._cookies import CHUNK_SIZE, CookieAttributes, is_cookie_name
from ._crypto import is_expired

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._config import ResolvedCookie
    from ._context import RequestContext
    from ._crypto import CookieCipher

__all__ = ["TransactionState", "TransactionStore"]


class TransactionState(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    rename={
        "code_verifier": "codeVerifier",
        "response_type": "responseType",
        "return_to": "returnTo",
        "max_age": "maxAge",
    },
):
    """What the callback needs to finish one login attempt (camelCase on the wire)."""

    state: str
    nonce: str
    code_verifier: str
    response_type: str = "code"
    return_to: str = "/"
    max_age: int | None = None
    scope: str | None = None
    audience: str | None = None
    exp: int | None = None


_DECODER = msgspec.json.Decoder(TransactionState)
_ENCODER = msgspec.json.Encoder()
_MAX_VALUE_CHARS = 8 * 1024


def _split_value(value: str) -> tuple[int, str]:
    """Return (timestamp or 0, jwe) for ``<ts>:<jwe>`` or a bare JWE."""
    head, sep, rest = value.partition(":")
    if sep and head.isdigit() and head.isascii() and len(head) <= 12:
        return int(head), rest
    return 0, value


class TransactionStore:
    """Saves, finds and deletes transaction cookies on a request context."""

    __slots__ = ("_cipher", "_clock", "_cookie", "_max_age", "_parallel", "_prefix")

    def __init__(
        self,
        *,
        cipher: CookieCipher,
        cookie: ResolvedCookie,
        max_age: int,
        parallel: bool,
        clock: Callable[[], float],
    ) -> None:
        self._cipher = cipher
        self._cookie = cookie
        self._prefix = cookie.name
        self._max_age = max_age
        self._parallel = parallel
        self._clock = clock

    def _attrs(self, ctx: RequestContext) -> CookieAttributes:
        return self._cookie.for_request(ctx.https)

    def cookie_name(self, state: str) -> str:
        """Return the name of the cookie a transaction with this ``state`` lives in."""
        return f"{self._prefix}{state}" if self._parallel else self._prefix

    def _names(self, ctx: RequestContext) -> list[str]:
        # Only well-formed names: a request's cookie names are echoed into deletions.
        return [n for n in ctx.cookies if n.startswith(self._prefix) and is_cookie_name(n)]

    def save(self, ctx: RequestContext, txn: TransactionState) -> None:
        """Queue the transaction's cookie, evicting the oldest transactions when too many pile up."""
        now = self._clock()
        exp = int(now) + self._max_age
        value = f"{int(now)}:{self._cipher.encrypt(_ENCODER.encode(msgspec.structs.replace(txn, exp=exp)))}"
        name = self.cookie_name(txn.state)
        attributes = self._attrs(ctx)
        others = sorted(
            ((_split_value(ctx.cookies[n])[0], n) for n in self._names(ctx) if n != name),
        )
        total = len(name) + len(value) + sum(len(n) + len(ctx.cookies[n]) for _, n in others)
        while others and total >= CHUNK_SIZE:
            _, oldest = others.pop(0)
            total -= len(oldest) + len(ctx.cookies[oldest])
            ctx.delete_cookie(oldest, attributes)
        ctx.set_cookie(name, value, attributes, max_age=self._max_age, now=now)

    def get(self, ctx: RequestContext, state: str) -> TransactionState | None:
        """Return the live transaction for ``state``, or ``None`` (missing, expired, forged, mismatched)."""
        value = ctx.cookies.get(self.cookie_name(state))
        if not value or len(value) > _MAX_VALUE_CHARS:
            return None
        opened = self._cipher.decrypt(_split_value(value)[1])
        if opened is None:
            return None
        try:
            txn = _DECODER.decode(opened[1])
        except msgspec.DecodeError:
            return None
        if is_expired(txn.exp, self._clock()) or txn.state != state:
            return None
        return txn

    def delete(self, ctx: RequestContext, state: str) -> None:
        """Queue deletion of the transaction cookie for ``state``."""
        ctx.delete_cookie(self.cookie_name(state), self._attrs(ctx))

    def delete_all(self, ctx: RequestContext) -> None:
        """Queue deletion of every transaction cookie the request carries."""
        attributes = self._attrs(ctx)
        for name in self._names(ctx):
            ctx.delete_cookie(name, attributes)
