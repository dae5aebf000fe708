"""Back-channel logout token validation (OpenID Connect Back-Channel Logout 1.0 §2.6).

Beyond nextjs-auth0 (which checks claims with ``RS256`` only): the ``typ``
header is checked when present, ``exp`` is required (§2.4), ``jti`` is
required and remembered so a captured token cannot be replayed while it would
still be accepted, and a token older than that memory is refused.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from .._exceptions import TokenValidationError
from ._id_token import DEFAULT_LEEWAY, check_audience, numeric_claim, typ_is
from ._jws import DEFAULT_ALGORITHMS, signing_algorithms, verify_signature

if TYPE_CHECKING:
    from collections.abc import Iterable

    from joserfc.jwk import KeySet

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "LOGOUT_TOKEN_MAX_AGE",
    "JtiCache",
    "check_logout_token",
    "retain_until",
    "validate_logout_token",
]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_MAX_AGE = 600.0
"""Seconds (plus leeway) a logout token is accepted after its ``iat``, and its ``jti`` remembered."""


def retain_until(now: float, max_age: float, leeway: float) -> float:
    """When an accepted ``jti`` may be forgotten: ``now + max_age + 2 * leeway``.

    A token is accepted while ``iat + max_age + leeway >= now`` and ``iat`` may
    be up to ``leeway`` in the future, so it stays acceptable until ``now +
    max_age + 2 * leeway``; its ``jti`` is remembered that long.
    """
    return now + max_age + 2 * leeway


class JtiCache:
    """A bounded memory of recently accepted logout-token ``jti`` values (one process).

    ``ttl`` is also the oldest ``iat`` (plus leeway) a logout token may have:
    anything older could no longer be recognised as a replay. When
    ``max_entries`` is reached the oldest entry is forgotten. Not shared
    between processes: the default :class:`~auth0_async.ReplayCache` of an
    ``Auth0Client`` whose session store offers no shared one (a deployment
    with several workers then accepts a replay once per worker at most).

    Raises:
        ValueError: ``ttl`` or ``max_entries`` is not positive.

    """

    __slots__ = ("_entries", "max_entries", "ttl")

    def __init__(self, *, ttl: float = 600.0, max_entries: int = 10_000) -> None:
        if ttl <= 0 or max_entries <= 0:
            raise ValueError("ttl and max_entries must be positive")
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _purge(self, now: float) -> None:
        while self._entries:
            key, expires = next(iter(self._entries.items()))
            if expires > now and len(self._entries) <= self.max_entries:
                break
            del self._entries[key]

    def seen(self, issuer: str, jti: str, *, now: float) -> bool:
        """Whether ``jti`` from ``issuer`` was accepted and is still remembered."""
        self._purge(now)
        expires = self._entries.get((issuer, jti))
        return expires is not None and expires > now

    def add(self, issuer: str, jti: str, *, now: float, leeway: float = 0) -> None:
        """Remember ``jti`` from ``issuer`` until ``now + ttl + 2 * leeway``."""
        self._remember(issuer, jti, now=now, until=retain_until(now, self.ttl, leeway))

    def _remember(self, issuer: str, jti: str, *, now: float, until: float) -> None:
        self._entries[(issuer, jti)] = until
        self._entries.move_to_end((issuer, jti))
        self._purge(now)

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        """Remember ``jti`` from ``issuer`` until ``until``; ``False`` if it already was.

        Atomic within the process: there is no await between the look and the write.
        """
        if self.seen(issuer, jti, now=now):
            return False
        self._remember(issuer, jti, now=now, until=until)
        return True


def validate_logout_token(
    token: str,
    *,
    keys: KeySet,
    issuer: str,
    client_id: str,
    now: float,
    seen_jti: JtiCache,
    leeway: int = DEFAULT_LEEWAY,
    algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    supported_algorithms: Iterable[str] | None = None,
    hs256_secret: bytes | None = None,
) -> dict[str, Any]:
    """Verify a logout token and return its claims (``sid`` and/or ``sub`` say what to end).

    Every check of :func:`check_logout_token` (with ``max_age=seen_jti.ttl``),
    then ``jti`` not seen before. The ``jti`` is remembered only after every
    other check passed.

    Raises:
        KeyNotFoundError: no JWKS key fits the token's ``kid``/``alg``.
        TokenValidationError: any other check failed; the message names it.
        ConfigurationError: ``algorithms`` names an algorithm that cannot be pinned.

    """
    claims = check_logout_token(
        token,
        keys=keys,
        issuer=issuer,
        client_id=client_id,
        now=now,
        max_age=seen_jti.ttl,
        leeway=leeway,
        algorithms=algorithms,
        supported_algorithms=supported_algorithms,
        hs256_secret=hs256_secret,
    )
    jti = claims["jti"]
    if seen_jti.seen(issuer, jti, now=now):
        raise TokenValidationError("logout token jti was already used (replay)")
    seen_jti.add(issuer, jti, now=now, leeway=leeway)
    return claims


def check_logout_token(
    token: str,
    *,
    keys: KeySet,
    issuer: str,
    client_id: str,
    now: float,
    max_age: float = LOGOUT_TOKEN_MAX_AGE,
    leeway: int = DEFAULT_LEEWAY,
    algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    supported_algorithms: Iterable[str] | None = None,
    hs256_secret: bytes | None = None,
) -> dict[str, Any]:
    """Verify a logout token, all but replay, and return its claims (with a string ``jti``).

    Checks: signature with a JWKS key under an allowed algorithm (``algorithms``
    narrowed by discovery's ``supported_algorithms``; ``HS256`` keyed with
    ``hs256_secret`` too when that is given); ``typ``, when
    present, is ``logout+jwt`` (any case, ``application/`` optional); ``iss``
    equals ``issuer``; ``aud`` contains ``client_id``; ``iat`` present, not in
    the future and younger than ``max_age`` (± ``leeway``); ``exp`` present
    (Back-Channel Logout 1.0 §2.4) and not passed (+ ``leeway``); ``events``
    holds the back-channel logout member as a JSON object; ``sid`` or ``sub``
    present, each a string when present; no ``nonce``; ``jti`` a non-empty string. The caller then refuses a
    ``jti`` it has already accepted, remembering it until
    :func:`retain_until`.

    Raises:
        KeyNotFoundError: no JWKS key fits the token's ``kid``/``alg``.
        TokenValidationError: any other check failed; the message names it.
        ConfigurationError: ``algorithms`` names an algorithm that cannot be pinned.

    """
    allowed = signing_algorithms(algorithms, supported_algorithms, hs256=hs256_secret is not None)
    header, claims = verify_signature(token, keys, allowed, hs256_secret=hs256_secret)
    if "typ" in header and not typ_is(header["typ"], "logout+jwt"):
        raise TokenValidationError("logout token typ header is not logout+jwt")
    if claims.get("iss") != issuer:
        raise TokenValidationError("logout token iss does not match the issuer")
    check_audience(claims, client_id, "logout token")
    iat = numeric_claim(claims, "iat", "logout token")
    if iat is None:
        raise TokenValidationError("logout token has no iat")
    if iat - leeway > now:
        raise TokenValidationError("logout token iat is in the future")
    # At iat + max_age + leeway the jti memory of a token accepted with iat up to
    # leeway ahead lapses: from that instant on the token must be too old.
    if iat + max_age + leeway <= now:
        raise TokenValidationError("logout token is too old (iat)")
    exp = numeric_claim(claims, "exp", "logout token")
    if exp is None:
        raise TokenValidationError("logout token has no exp")
    if exp + leeway <= now:
        raise TokenValidationError("logout token is expired (exp)")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise TokenValidationError("logout token events lacks the back-channel logout event")
    sid, sub = claims.get("sid"), claims.get("sub")
    if sid is None and sub is None:
        raise TokenValidationError("logout token has neither sid nor sub")
    if (sid is not None and not isinstance(sid, str)) or (
        sub is not None and not isinstance(sub, str)
    ):
        raise TokenValidationError("logout token sid or sub is not a string")
    if "nonce" in claims:
        raise TokenValidationError("logout token must not contain a nonce")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenValidationError("logout token has no jti")
    return claims
