"""``auth0-async decode-cookie``: open a session cookie with the app's secret, for debugging.

It reads the cookie the way the app does: the same header parser and chunk
reassembly (``_core._cookies``), the same cipher (``_core._crypto``), the same
session decoders (``_core._models`` and, for a nextjs-auth0 v3 cookie, the
stateless store's converter). Only the verdict differs: where the app quietly
treats a bad cookie as "no session", this says why.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import msgspec

from .._core._cookies import (
    LEGACY_COOKIE_NAME,
    chunk_names,
    parse_cookie_header,
    read_chunked,
    read_legacy_chunked,
)
from .._core._crypto import CookieCipher, b64url_decode
from .._core._lifetime import is_expired
from .._core._models import decode_session, session_to_wire
from .._sessions._stateless import MAX_COOKIE_CHARS, _from_v3

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .._core._crypto import JWEHeader

__all__ = ["DEFAULT_COOKIE_NAME", "Decoded", "Outcome", "decode_cookie", "mask_tokens"]

DEFAULT_COOKIE_NAME = "__session"
"""The session cookie's default name (``SessionConfig(cookie=CookieOptions(name=...))``)."""

_TOKEN_KEYS = frozenset({"accessToken", "refreshToken", "idToken", "logoutToken"})
"""Wire keys whose string values are bearer credentials: masked unless asked."""
_DECODE_ERRORS = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    ValueError,
    TypeError,
    RecursionError,
)


class Outcome(enum.IntEnum):
    """What reading the cookie gave; the value is the command's exit code."""

    OK = 0
    """A live session (or a live stateful id cookie)."""
    MALFORMED = 3
    """No session cookie in the input, chunks with a gap, not a JWE, or not a session inside."""
    WRONG_SECRET = 4
    """A well-formed JWE that none of the given secrets decrypts (or one that was tampered with)."""
    EXPIRED = 5
    """It decrypts, but ``exp`` (or the session's upstream ceiling) has passed."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """The verdict on one cookie: an outcome, a one-line message, and the payload when opened."""

    outcome: Outcome
    message: str
    payload: dict[str, Any] | None = None
    """The session in its wire (nextjs-auth0 JSON) shape, or a stateful cookie's ``{id, exp}``."""
    stateful: bool = False


def _split_input(pieces: Sequence[str], name: str) -> tuple[str | None, str | None]:
    """Return ``(value, problem)`` from the pieces a user pasted.

    A piece may be a whole ``Cookie:`` header, ``name=value`` pairs (chunks
    ``name__0=...`` included), or a bare value; bare values are joined in order
    (chunk values given one per argument).
    """
    cookies: dict[str, str] = {}
    bare: list[str] = []
    for piece in pieces:
        text = piece.strip()
        if text[:7].lower() == "cookie:":
            text = text[7:].strip()
        if not text:
            continue
        if "=" in text:  # a JWE is unpadded base64url and dots: never '='
            for key, value in parse_cookie_header(text).items():
                cookies.setdefault(key, value)
        else:
            bare.append(text)
    if bare and cookies:
        return None, "give either cookie pairs (name=value) or bare values, not both"
    if bare:
        return "".join(bare), None
    if not cookies:
        return None, "no cookie given"
    joined = read_chunked(cookies, name)
    if joined is None and name != LEGACY_COOKIE_NAME:
        joined = read_legacy_chunked(cookies)
    if joined is not None:
        return joined, None
    chunks = sorted(chunk_names(cookies, name))
    if chunks:
        return None, (
            f"the chunks of {name} are incomplete (have {', '.join(map(str, chunks))}; "
            "they must run 0, 1, 2, ... without a gap): the app reads no session"
        )
    found = ", ".join(sorted(cookies)) or "none"
    return None, f"no {name} cookie (nor {name}__0, {name}__1, ...) in the input; cookies: {found}"


def _looks_like_jwe(value: str) -> bool:
    """Whether ``value`` has the shape of a ``dir``/``A256GCM`` compact JWE (no key needed)."""
    parts = value.split(".")
    if len(parts) != 5 or parts[1] or not all(parts[i] for i in (0, 2, 3, 4)):
        return False
    try:
        header = msgspec.json.decode(b64url_decode(parts[0]))
        for part in parts[2:]:
            b64url_decode(part)
    except (ValueError, msgspec.DecodeError):
        return False
    return (
        isinstance(header, dict) and header.get("alg") == "dir" and header.get("enc") == "A256GCM"
    )


def _mask(value: Any, key: str | None) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key) for v in value]
    if key in _TOKEN_KEYS and isinstance(value, str) and value:
        return f"<masked, {len(value)} characters: --show-tokens shows it>"
    return value


def mask_tokens(payload: dict[str, Any]) -> dict[str, Any]:
    """Return ``payload`` with every access, refresh, ID and logout token replaced by a note.

    Any ``accessToken``/``refreshToken``/``idToken``/``logoutToken`` string at
    any depth is masked: the ``tokenSet``, each ``accessTokens`` entry, and any
    copy kept in unknown wire members.
    """
    masked: dict[str, Any] = _mask(payload, None)
    return masked


def _when(epoch: int, now: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    delta = int(epoch - now)
    span = _span(abs(delta))
    return f"{moment} ({'in ' + span if delta >= 0 else span + ' ago'})"


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d {hours % 24} h"


def _open_payload(header: JWEHeader, plaintext: bytes) -> tuple[dict[str, Any], bool]:
    """Return the wire payload and whether it is a stateful ``{id, exp}`` cookie.

    Raises:
        ValueError: (or a msgspec error) the plaintext is not a session.

    """
    obj = msgspec.json.decode(plaintext)
    if isinstance(obj, dict) and "id" in obj and "user" not in obj:
        if not isinstance(obj["id"], str) or not obj["id"]:
            raise ValueError("a stateful cookie's id must be a non-empty string")
        exp = obj.get("exp")
        if exp is not None and (not isinstance(exp, int) or isinstance(exp, bool)):
            raise ValueError("exp must be an integer")
        return {"id": obj["id"], "exp": exp}, True
    session = _from_v3(header, plaintext) if header.legacy else decode_session(plaintext)
    if session is None:
        raise ValueError("not a nextjs-auth0 v3 session")
    return session_to_wire(session), False


def decode_cookie(
    pieces: Sequence[str],
    secrets: Sequence[str],
    *,
    name: str = DEFAULT_COOKIE_NAME,
    show_tokens: bool = False,
    clock: Callable[[], float] = time.time,
) -> Decoded:
    """Read the session cookie in ``pieces`` with ``secrets``, the way the app reads it.

    Raises:
        ConfigurationError: no secret, or an empty one.

    """
    cipher = CookieCipher(secrets)
    value, problem = _split_input(pieces, name)
    if value is None:
        return Decoded(Outcome.MALFORMED, problem or "no cookie given")
    if len(value) > MAX_COOKIE_CHARS:
        return Decoded(
            Outcome.MALFORMED,
            f"the cookie is {len(value)} characters, over the {MAX_COOKIE_CHARS} the app reads",
        )
    opened = cipher.decrypt(value)
    if opened is None:
        if _looks_like_jwe(value):
            count = len(secrets)
            return Decoded(
                Outcome.WRONG_SECRET,
                f"the cookie is a well-formed JWE but does not decrypt with the "
                f"{'given secret' if count == 1 else f'{count} given secrets'} "
                "(a different AUTH0_SECRET, or the cookie was altered)",
            )
        return Decoded(
            Outcome.MALFORMED,
            "the value is not a session cookie: expected a compact JWE "
            "(five base64url parts, alg dir, enc A256GCM)",
        )
    header, plaintext = opened
    try:
        payload, stateful = _open_payload(header, plaintext)
    except _DECODE_ERRORS as exc:
        return Decoded(Outcome.MALFORMED, f"it decrypts, but the content is not a session: {exc}")
    shown = payload if show_tokens else mask_tokens(payload)
    if stateful and not show_tokens:
        shown["id"] = f"<masked, {len(payload['id'])} characters: --show-tokens shows it>"
    now = clock()
    exp = payload.get("exp")
    kind = (
        "a stateful session cookie: it holds only a session id (the session is in the "
        "app's session store)"
        if stateful
        else f"a stateless session{' (nextjs-auth0 v3 format)' if header.legacy else ''}"
    )
    if isinstance(exp, int) and is_expired(exp, now):
        return Decoded(
            Outcome.EXPIRED, f"{kind}, EXPIRED: exp {exp}, {_when(exp, now)}", shown, stateful
        )
    ceiling = (payload.get("internal") or {}).get("sessionExpiresAt")
    if isinstance(ceiling, int) and not isinstance(ceiling, bool) and ceiling <= now:
        return Decoded(
            Outcome.EXPIRED,
            f"{kind}, EXPIRED: the upstream session ended at {ceiling}, {_when(ceiling, now)}",
            shown,
            stateful,
        )
    until = f"expires {_when(exp, now)}, exp {exp}" if isinstance(exp, int) else "no exp"
    return Decoded(Outcome.OK, f"{kind}, live: {until}", shown, stateful)
