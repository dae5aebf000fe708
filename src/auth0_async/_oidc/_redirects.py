r"""Open-redirect protection for ``returnTo``: same-origin targets only, as a browser parses them.

nextjs-auth0 resolves ``returnTo`` with the WHATWG ``new URL(value, base)`` and
keeps it only when the origin is unchanged. Python's ``urllib.parse`` disagrees
with browsers exactly where attackers aim (backslashes, embedded tabs and
newlines, ``/\host``), so this module follows the WHATWG parsing steps that
decide the origin and refuses, rather than guesses, everything else:

* leading and trailing C0 controls and spaces are stripped, and tab, CR and LF
  are removed anywhere, before any other step (as browsers do);
* ``\`` counts as ``/`` (http and https are "special" schemes);
* after ``scheme://``, or a leading pair of slashes or backslashes (``//``,
  ``/\``, ``\\``), any further run of them is skipped and the authority
  follows, so ``https:/\\/evil`` and ``\/\evil`` both name ``evil``;
* an authority with userinfo (``@``), a percent sign or a non-ASCII character
  is refused outright, as are hosts that are not byte-for-byte the base host
  (so IPv4 spellings such as ``2130706433`` and IDNs are refused even when a
  browser would map them to the base host);
* a scheme other than the base's is refused, and so is ``https:path`` (the
  base's scheme with no slash), although WHATWG would read it as relative.

The result is ``pathname + search + hash`` of the resolved URL, percent-encoded
with the WHATWG sets, so it is safe in a ``Location`` header. It always starts
with exactly one ``/``; a path that would start with ``//`` or ``/\`` (also
after one round of percent-decoding) is refused. Node's WHATWG ``URL`` is used
as an oracle in the tests: every accepted value resolves where a browser would
send it.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple
from urllib.parse import unquote

from .._exceptions import ConfigurationError

__all__ = ["safe_return_to"]

_MAX_CHARS = 4096
_STRIP = "".join(chr(c) for c in range(0x21))  # C0 controls and space
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_HOST = re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AUTHORITY_END = re.compile(r"[/\\?#]")

# WHATWG percent-encode sets, as the characters added to the C0-control set.
_FRAGMENT_SET = frozenset(' "<>`')
_QUERY_SET = frozenset(" \"#<>'")  # the "special-query" set (http and https)
_PATH_SET = frozenset(' "#<>?^`{}')


class _Base(NamedTuple):
    scheme: str
    host: str
    port: int | None
    path: str
    query: str | None


def safe_return_to(value: str | None, *, base_url: str, default: str = "/") -> str:
    """Return ``value`` as a same-origin path, or ``default`` when it might leave the origin.

    ``value`` is resolved against ``base_url`` the way a browser would resolve
    it: a relative path such as ``"dashboard"`` resolves against the base
    URL's directory, ``"?tab=2"`` keeps the base path, and an absolute URL is
    accepted only when its scheme, host and port equal the base's. The return
    value is ``pathname + search + hash`` of the resolved URL: an empty query
    or fragment is dropped, as the WHATWG ``search`` and ``hash`` getters do.

    ``default`` is returned as given (it is the app's configured fallback) for
    ``None``, empty or overlong values, other origins, and anything this
    parser does not read exactly as a browser would.

    Raises:
        ConfigurationError: ``base_url`` is not an absolute http(s) URL.

    """
    base = _parse_base(base_url)
    if value is None:
        return default
    text = value.strip(_STRIP).translate(_TAB_NEWLINE)
    if not text or len(text) > _MAX_CHARS:
        return default
    result = _resolve(text, base)
    return default if result is None else result


@functools.lru_cache(maxsize=32)
def _parse_base(base_url: str) -> _Base:
    text = base_url.strip()
    match = _SCHEME.match(text)
    scheme = match.group()[:-1].lower() if match else ""
    if not match or scheme not in _DEFAULT_PORTS or not text[match.end() :].startswith("//"):
        raise ConfigurationError("base_url must be an absolute http(s) URL")
    rest = text[match.end() + 2 :]
    end = _AUTHORITY_END.search(rest)
    authority, rest = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    hostport = _parse_authority(authority, scheme)
    if hostport is None or "\\" in rest:
        raise ConfigurationError("base_url must be an absolute http(s) URL with a plain host")
    path, query, _ = _split(rest)
    return _Base(scheme, hostport[0], hostport[1], _normalize_path(path or "/"), query)


def _resolve(text: str, base: _Base) -> str | None:
    match = _SCHEME.match(text)
    if match:
        if match.group()[:-1].lower() != base.scheme:
            return None
        rest = text[match.end() :]
        if rest.startswith("//"):
            return _from_authority(rest, base)
        # Same scheme without "//" is relative in WHATWG ("https:/x" is the
        # path /x, but "https:/\\host" names a host): resolve the rest as such.
        # "https:x" (a relative path) is refused: nobody needs it.
        return _resolve(rest, base) if rest[:1] in ("/", "\\") else None
    first = text[0]
    if first in "/\\":
        if text[1:2] in ("/", "\\"):
            return _from_authority(text, base)
        path, query, fragment = _split(text)
        return _serialize(_normalize_path(path), query, fragment)
    if first == "?":
        _, query, fragment = _split(text)
        return _serialize(base.path, query, fragment)
    if first == "#":
        return _serialize(base.path, base.query, text[1:])
    path, query, fragment = _split(text)
    directory = base.path[: base.path.rfind("/") + 1]
    return _serialize(_normalize_path(directory + path), query, fragment)


def _from_authority(text: str, base: _Base) -> str | None:
    # WHATWG's "special authority ignore slashes" state: any mix of / and \.
    rest = text.lstrip("/\\")
    end = _AUTHORITY_END.search(rest)
    authority, rest = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if _parse_authority(authority, base.scheme) != (base.host, base.port):
        return None
    path, query, fragment = _split(rest)
    return _serialize(_normalize_path(path or "/"), query, fragment)


def _parse_authority(authority: str, scheme: str) -> tuple[str, int | None] | None:
    if not authority or not authority.isascii() or "@" in authority or "%" in authority:
        return None
    if authority.startswith("["):
        close = authority.find("]")
        host, port_part = authority[: close + 1], authority[close + 1 :]
        if close < 0 or (port_part and not port_part.startswith(":")):
            return None
        port_text = port_part[1:]
    else:
        host, _, port_text = authority.partition(":")
    host = host.lower()
    if not _HOST.fullmatch(host):
        return None
    if not port_text:
        return host, None
    if not port_text.isdigit() or int(port_text) > 65535:
        return None
    port = int(port_text)
    return host, None if port == _DEFAULT_PORTS[scheme] else port


def _split(text: str) -> tuple[str, str | None, str | None]:
    text, hash_sign, fragment = text.partition("#")
    path, question_mark, query = text.partition("?")
    return path, query if question_mark else None, fragment if hash_sign else None


def _is_single_dot(segment: str) -> bool:
    return segment in (".", "%2e", "%2E")


def _is_double_dot(segment: str) -> bool:
    return segment.lower() in ("..", ".%2e", "%2e.", "%2e%2e")


def _normalize_path(path: str) -> str:
    r"""Apply WHATWG path parsing to a path that starts with ``/`` (``\\`` is a separator)."""
    segments = path.replace("\\", "/").split("/")[1:]
    output: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if _is_double_dot(segment):
            if output:
                output.pop()
            if index == last:
                output.append("")
        elif _is_single_dot(segment):
            if index == last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)


def _encode(text: str, extra: frozenset[str]) -> str:
    if text.isascii() and text.isprintable() and not any(ch in extra for ch in text):
        return text
    out: list[str] = []
    for ch in text:
        if ch in extra or not ("\x20" <= ch <= "\x7e"):
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append(ch)
    return "".join(out)


def _serialize(path: str, query: str | None, fragment: str | None) -> str | None:
    encoded = _encode(path, _PATH_SET)
    decoded = unquote(encoded, errors="replace")
    # A leading "//" or "/\" would send the browser to another host; the check
    # on the decoded form guards against a later layer decoding the path once.
    if encoded[1:2] in ("/", "\\") or decoded[1:2] in ("/", "\\"):
        return None
    result = encoded
    if query:
        result += "?" + _encode(query, _QUERY_SET)
    if fragment:
        result += "#" + _encode(fragment, _FRAGMENT_SET)
    return result
