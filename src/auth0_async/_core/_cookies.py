"""Sans-I/O cookie handling: ``Cookie`` parsing, chunking, and ``Set-Cookie`` lines.

Chunking follows nextjs-auth0 v4: a value of at most 3500 bytes is one cookie
``<name>``; a longer one is cut into 3500-character pieces ``<name>__0``,
``<name>__1``, ... Reading prefers a non-empty ``<name>`` and otherwise joins
the chunks in numeric order, refusing a set with a gap. Every write deletes
what would otherwise be read instead of it (stale chunks, the unchunked cookie,
legacy ``appSession`` cookies).

``Set-Cookie`` attributes come out in the order nextjs-auth0's cookie library
uses (Path, Expires, Max-Age, Domain, Secure, HttpOnly, SameSite), and deletions
repeat Path, Domain, Secure and SameSite so that browsers match the original.
"""

from __future__ import annotations

import contextlib
import re
import string
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import TYPE_CHECKING, Final, Literal, TypeAlias
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "CHUNK_SIZE",
    "LEGACY_COOKIE_NAME",
    "NEEDS_PARSE",
    "CookieAttributes",
    "chunk_names",
    "deletion",
    "find_cookie_span",
    "is_cookie_name",
    "is_token",
    "parse_cookie_header",
    "plan_chunked_write",
    "read_chunked",
    "read_legacy_chunked",
    "set_cookie",
]

CHUNK_SIZE = 3500
"""Largest cookie value (bytes) written unchunked, and the size of each chunk."""
LEGACY_COOKIE_NAME = "appSession"
"""nextjs-auth0 v3's session cookie, read and migrated."""
MAX_CHUNKS = 64
"""Chunk indexes at or above this are ignored: no real session is that large."""

SameSite: TypeAlias = Literal["lax", "strict", "none"]
"""A cookie's ``SameSite`` attribute."""

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 6265 cookie-octet, minus '%' so that percent-encoding stays reversible.
_SAFE_VALUE_CHARS = "!#$&'()*+-./:<=>?@[]^_`{|}~"


def is_token(text: str) -> bool:
    """Whether ``text`` is an RFC 9110 token (valid as a header or cookie name)."""
    return _TOKEN.fullmatch(text) is not None


def is_cookie_name(name: str) -> bool:
    """Whether ``name`` is a valid cookie name (an RFC 9110 token)."""
    return is_token(name)


@dataclass(frozen=True, slots=True)
class CookieAttributes:
    """The attributes every cookie of one kind is written and deleted with."""

    path: str = "/"
    domain: str | None = None
    secure: bool = False
    same_site: SameSite = "lax"
    http_only: bool = True
    _tail: str = field(default="", init=False, repr=False, compare=False)
    """The attributes after ``Max-Age``, built once (``; Domain=...; Secure; ...``)."""

    def __post_init__(self) -> None:
        parts = [""]
        if self.domain:
            parts.append(f"Domain={self.domain}")
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        parts.append(f"SameSite={self.same_site}")
        object.__setattr__(self, "_tail", "; ".join(parts))


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header; the first occurrence of a name wins.

    Values are percent-decoded when they contain ``%`` (as the JavaScript cookie
    library does); pieces without ``=`` are ignored. Never raises.
    """
    cookies: dict[str, str] = {}
    for piece in header.split(";"):
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if "%" in value:
            with contextlib.suppress(UnicodeDecodeError):
                value = unquote(value, errors="strict")
        cookies[name] = value
    return cookies


NEEDS_PARSE: Final = object()
"""Returned by :func:`find_cookie_span` when only a full parse can tell."""


def find_cookie_span(header: str, name: str) -> tuple[int, int] | None | object:
    """Locate one cookie's value without parsing the header, or return :data:`NEEDS_PARSE`.

    Returns ``(start, end)`` with ``header[start:end]`` the (unstripped) value, or ``None``
    when the cookie is absent. The fast path applies when the first ``name=`` starts a
    cookie, nothing before it mentions ``name``, and the value is plain.
    """
    needle = name + "="
    index = header.find(needle)
    if index < 0:
        return None if name not in header else NEEDS_PARSE
    # The first "name=" is the cookie if it starts a cookie and nothing before it mentions
    # the name (``name =v`` is the same cookie to the parser; first occurrence wins).
    if header.find(name, 0, index) >= 0:
        return NEEDS_PARSE
    before = index - 1
    while before >= 0 and header[before] in " \t":
        before -= 1
    if before >= 0 and header[before] != ";":
        return NEEDS_PARSE
    start = index + len(needle)
    end = header.find(";", start)
    if end < 0:
        end = len(header)
    if header.find('"', start, end) >= 0 or header.find("%", start, end) >= 0:
        return NEEDS_PARSE
    return start, end


_SAFE_VALUE_BYTES = (string.ascii_letters + string.digits + _SAFE_VALUE_CHARS).encode("ascii")


def _encode_value(value: str) -> str:
    # JWEs (and "<ts>:<jwe>") never need escaping: check that cheaply before quoting.
    if value.isascii() and not value.encode("ascii").translate(None, _SAFE_VALUE_BYTES):
        return value
    return quote(value, safe=_SAFE_VALUE_CHARS)


_last_expires: tuple[int, str] = (0, "")


def _expires(epoch: float) -> str:
    """``Expires`` date for ``epoch``; the last one is cached (many cookies share a second)."""
    global _last_expires
    second = int(epoch)
    if _last_expires[0] != second:
        _last_expires = (second, formatdate(second, usegmt=True))
    return _last_expires[1]


def set_cookie(
    name: str,
    value: str,
    attributes: CookieAttributes,
    max_age: int | None,
    now: float,
    encoded: bool = False,
) -> str:
    """Return one ``Set-Cookie`` value; ``max_age=None`` makes a browser-session cookie.

    ``encoded=True`` says ``value`` needs no percent-encoding (a JWE: base64url and dots).
    """
    head = f"{name}={value if encoded else _encode_value(value)}; Path={attributes.path}"
    if max_age is None:
        return head + attributes._tail
    max_age = max(int(max_age), 0)
    if max_age:
        return f"{head}; Expires={_expires(now + max_age)}; Max-Age={max_age}{attributes._tail}"
    return f"{head}; Max-Age=0{attributes._tail}"


def deletion(name: str, attributes: CookieAttributes) -> str:
    """Return a ``Set-Cookie`` value deleting ``name`` with the attributes it was set with."""
    return f"{name}=; Path={attributes.path}; Max-Age=0{attributes._tail}"


def _chunk_index(name: str, prefix: str) -> int | None:
    if not name.startswith(prefix):
        return None
    digits = name[len(prefix) :]
    if not digits.isdigit() or not digits.isascii() or (len(digits) > 1 and digits[0] == "0"):
        return None
    index = int(digits)
    return index if index < MAX_CHUNKS else None


def chunk_names(cookies: Iterable[str], name: str, *, legacy: bool = False) -> dict[int, str]:
    """Map chunk index to cookie name for the chunks of ``name`` present in ``cookies``."""
    prefix = f"{name}." if legacy else f"{name}__"
    found: dict[int, str] = {}
    for cookie in cookies:
        if cookie.startswith(prefix):
            index = _chunk_index(cookie, prefix)
            if index is not None:
                found[index] = cookie
    return found


def _join(cookies: Mapping[str, str], chunks: dict[int, str]) -> str | None:
    if not chunks or len(chunks) != max(chunks) + 1:
        return None  # no chunks, or a gap: never guess
    return "".join(cookies[chunks[i]] for i in range(len(chunks)))


def read_chunked(cookies: Mapping[str, str], name: str) -> str | None:
    """Return the value of ``name``, reassembling ``name__N`` chunks, or ``None``."""
    value = cookies.get(name)
    if value:
        return value
    return _join(cookies, chunk_names(cookies, name))


def read_legacy_chunked(cookies: Mapping[str, str], name: str = LEGACY_COOKIE_NAME) -> str | None:
    """Return a v3 cookie's value, reassembling ``name.N`` chunks, or ``None``."""
    value = cookies.get(name)
    if value:
        return value
    return _join(cookies, chunk_names(cookies, name, legacy=True))


def plan_chunked_write(
    name: str, value: str, present: Iterable[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Plan writing ``value`` under ``name``: the cookies to set and the ones to delete.

    ``present`` is the cookie names the request carries. Deletions cover every
    chunk of ``name`` not rewritten and, when chunking, the unchunked cookie.
    """
    existing = chunk_names(present, name)
    if (len(value) if value.isascii() else len(value.encode("utf-8"))) <= CHUNK_SIZE:
        return [(name, value)], [existing[i] for i in sorted(existing)]
    pieces = [value[i : i + CHUNK_SIZE] for i in range(0, len(value), CHUNK_SIZE)]
    writes = [(f"{name}__{i}", piece) for i, piece in enumerate(pieces)]
    deletes = [existing[i] for i in sorted(existing) if i >= len(pieces)]
    deletes.append(name)  # always: a leftover unchunked cookie would win over the chunks
    return writes, deletes
