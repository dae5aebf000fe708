"""Login transactions: one encrypted cookie per login attempt, ``<prefix><state>``.

Each ``/auth/login`` writes a cookie holding the state, nonce and PKCE verifier
(the same JWE scheme as the session, 1 hour by default). Values are written as
``<unix-ts>:<jwe>``, as nextjs-auth0 4.30 does, and read with or without that
prefix. So that abandoned logins cannot pile up until the browser's headers
overflow (nextjs-auth0 #1917), a new transaction evicts the oldest ones once
the transaction cookies together would pass 3500 bytes. A transaction that
cannot fit in one cookie at all (browsers drop a cookie whose name and value
pass 4096 bytes) is refused before anything is evicted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from .._core._cookies import CHUNK_SIZE, CookieAttributes, is_cookie_name
from .._core._lifetime import is_expired
from .._exceptions import InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core._config import ResolvedCookie
    from .._core._context import RequestContext
    from .._core._crypto import CookieCipher

__all__ = ["MAX_COOKIE_BYTES", "SealedTransaction", "TransactionState", "TransactionStore"]

MAX_COOKIE_BYTES = 4096
"""Largest name plus value of a cookie that browsers keep (RFC 6265bis §5.7)."""


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


class SealedTransaction(msgspec.Struct, frozen=True):
    """A transaction encrypted into the cookie it will be written as (see :meth:`seal`)."""

    name: str
    value: str
    now: float


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

    def seal(self, txn: TransactionState) -> SealedTransaction:
        """Encrypt ``txn`` into its cookie, refusing one that browsers would not keep.

        Raises:
            InvalidRequestError: the cookie would pass 4096 bytes (a very long
                ``returnTo``, ``scope`` or ``audience``).

        """
        now = self._clock()
        exp = int(now) + self._max_age
        sealed = self._cipher.encrypt(_ENCODER.encode(msgspec.structs.replace(txn, exp=exp)))
        value = f"{int(now)}:{sealed}"
        name = self.cookie_name(txn.state)
        if len(name) + len(value) > MAX_COOKIE_BYTES:  # ASCII: characters are bytes
            raise InvalidRequestError(
                "The login request is too large: its returnTo, scope and audience must fit "
                f"in one {MAX_COOKIE_BYTES}-byte cookie."
            )
        return SealedTransaction(name, value, now)

    def save(self, ctx: RequestContext, txn: TransactionState | SealedTransaction) -> None:
        """Queue the transaction's cookie, evicting the oldest transactions when too many pile up.

        The response is marked ``no-store``: it carries a one-time login state. Nothing is
        evicted (or written) when the transaction is too large.

        Raises:
            InvalidRequestError: the cookie would pass 4096 bytes (see :meth:`seal`).

        """
        if isinstance(txn, TransactionState):
            txn = self.seal(txn)
        name, value, now = txn.name, txn.value, txn.now
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
        ctx.no_store = True  # a cached login redirect would replay this state to another user

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
