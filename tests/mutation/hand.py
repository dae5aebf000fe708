"""Mutants mutmut cannot make: module constants, and functions under a decorator.

mutmut 3 leaves module-level assignments and decorated functions (``@property``,
``@functools.lru_cache``) alone, yet those hold the size caps, alphabets and
percent-encode sets the security modules rest on. Each entry here is one such
mutation, written out by hand: ``old`` must occur exactly once in the module.
An entry with ``equivalent`` set is expected to survive, for the reason given.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HandMutant:
    """One textual mutation of one module (``module`` as in ``src/auth0_async/<module>.py``)."""

    module: str
    old: str
    new: str
    breaks: str
    """What would go wrong if the mutation shipped."""
    equivalent: str | None = None
    """Why no test can tell this mutant from the original (``None``: it must be killed)."""


def _m(module: str, old: str, new: str, breaks: str, equivalent: str | None = None) -> HandMutant:
    return HandMutant(module, old, new, breaks, equivalent)


# Tests run against each module's hand mutants (the module's own and its main callers').
TESTS: dict[str, tuple[str, ...]] = {
    "_core/_crypto": (
        "tests/core/test_crypto.py",
        "tests/hardening/test_hostile_cookies.py",
        "tests/test_client.py",
        "tests/sessions/test_stateless.py",
        "tests/http/test_middleware.py",
        "tests/service/test_kernel.py",
    ),
    "_core/_cookies": (
        "tests/core/test_cookies.py",
        "tests/core/test_context.py",
        "tests/hardening/test_hostile_cookies.py",
        "tests/test_client.py",
        "tests/sessions/test_stateless.py",
        "tests/http/test_middleware.py",
        "tests/service/test_kernel.py",
    ),
    "_core/_lifetime": (
        "tests/core/test_lifetime.py",
        "tests/core/test_lifetime_boundaries.py",
        "tests/test_client.py",
        "tests/sessions/test_stateless.py",
        "tests/http/test_middleware.py",
        "tests/service/test_kernel.py",
        "tests/sessions/test_stateful.py",
    ),
    "_oidc/_redirects": (
        "tests/oidc/test_redirects.py",
        "tests/service/test_login.py",
        "tests/service/test_logout.py",
        "tests/http/test_routes.py",
        "tests/service/test_return_to.py",
    ),
    "_oidc/_id_token": (
        "tests/oidc/test_id_token.py",
        "tests/oidc/test_id_token_edges.py",
        "tests/oidc/test_id_token_boundaries.py",
    ),
    "_oidc/_logout_token": (
        "tests/oidc/test_logout_token.py",
        "tests/oidc/test_logout_token_edges.py",
    ),
}

_CRYPTO = [
    _m(
        "_core/_lifetime",
        "EXP_LEEWAY = 15",
        "EXP_LEEWAY = 16",
        "expired cookies accepted a second longer",
    ),
    _m(
        "_core/_lifetime",
        "EXP_LEEWAY = 15",
        "EXP_LEEWAY = 14",
        "valid cookies refused a second early",
    ),
    _m(
        "_core/_crypto",
        "_MAX_HEADER_CHARS = 1024",
        "_MAX_HEADER_CHARS = 10**9",
        "header cap deleted",
    ),
    _m("_core/_crypto", "_MAX_HEADER_CHARS = 1024", "_MAX_HEADER_CHARS = 1023", "cap off by one"),
    _m(
        "_core/_crypto",
        "_MAX_CACHED_HEADERS = 64",
        "_MAX_CACHED_HEADERS = 10**9",
        "cache unbounded",
    ),
    _m("_core/_crypto", "_MAX_CACHED_HEADERS = 64", "_MAX_CACHED_HEADERS = 65", "cache cap moved"),
    _m("_core/_crypto", '{"alg", "enc", "typ", "cty",', '{"alg", "enc", "cty",', "typ refused"),
    _m("_core/_crypto", '{"alg", "enc", "typ", "cty",', '{"alg", "enc", "typ",', "cty refused"),
    _m("_core/_crypto", '"iat", "uat", "exp"}', '"uat", "exp"}', "v3 cookies refused (iat)"),
    _m("_core/_crypto", '"iat", "uat", "exp"}', '"iat", "exp"}', "v3 cookies refused (uat)"),
    _m("_core/_crypto", '"iat", "uat", "exp"}', '"iat", "uat"}', "v3 cookies refused (exp)"),
    _m("_core/_crypto", '"iat", "uat", "exp"}', '"iat", "uat", "exp", "kid"}', "kid accepted"),
    _m("_core/_crypto", '"iat", "uat", "exp"}', '"iat", "uat", "exp", "zip"}', "zip accepted"),
    _m(
        "_core/_crypto",
        "return self.iat is not None",
        "return self.exp is not None",
        "legacy misread",
    ),
    _m("_core/_crypto", "iat: int | None = None", "iat: int | None = 0", "every cookie legacy"),
    _m(
        "_core/_crypto", "{0: 0, 2: 0x0F, 3: 0x03}", "{0: 0, 2: 0x07, 3: 0x03}", "non-canonical (2)"
    ),
    _m(
        "_core/_crypto", "{0: 0, 2: 0x0F, 3: 0x03}", "{0: 0, 2: 0x0F, 3: 0x01}", "non-canonical (3)"
    ),
    _m("_core/_crypto", "{0: 0, 2: 0x0F, 3: 0x03}", "{0: 0, 2: 0x0F}", "length 3 mod 4 refused"),
    _m("_core/_crypto", "b'+/=\"\\\\'", "b'+/=\"'", "backslash escapes decoded"),
    _m("_core/_crypto", "b'+/=\"\\\\'", "b'+/=\\\\'", "quote passed to the JSON decoder"),
    _m("_core/_crypto", "b'+/=\"\\\\'", "b'+/\"\\\\'", "padding accepted"),
    _m("_core/_crypto", "b'+/=\"\\\\'", "b'/=\"\\\\'", "standard '+' accepted"),
    _m("_core/_crypto", "b'+/=\"\\\\'", "b'+=\"\\\\'", "standard '/' accepted"),
    _m(
        "_core/_crypto",
        '_PADDING = {0: b"", 2: b"==", 3: b"="}',
        '_PADDING = {0: b"", 2: b"=", 3: b"="}',
        "pad",
    ),
    _m(
        "_core/_crypto",
        "_header_cache: dict[str, JWEHeader | None] = {_HEADER_B64: _STANDARD}",
        "_header_cache: dict[str, JWEHeader | None] = {}",
        "nextjs header parsed once instead of never",
        equivalent="the header is parsed, cached and its base64 text is the same AAD: speed only",
    ),
]

_COOKIES = [
    _m("_core/_cookies", "CHUNK_SIZE = 3500", "CHUNK_SIZE = 3501", "chunks nextjs would not write"),
    _m("_core/_cookies", "CHUNK_SIZE = 3500", "CHUNK_SIZE = 4000", "cookies over browser limits"),
    _m("_core/_cookies", "MAX_CHUNKS = 64", "MAX_CHUNKS = 10**9", "chunk count unbounded"),
    _m("_core/_cookies", "MAX_CHUNKS = 64", "MAX_CHUNKS = 65", "chunk cap moved"),
    _m(
        "_core/_cookies",
        'LEGACY_COOKIE_NAME = "appSession"',
        'LEGACY_COOKIE_NAME = "appsession"',
        "v3",
    ),
    _m("_core/_cookies", "`|~0-9A-Za-z]+", "`|~0-9A-Za-z]*", "empty names valid"),
    _m("_core/_cookies", "`|~0-9A-Za-z]+", "`|~0-9A-Za-z=]+", "'=' in a cookie name"),
    _m("_core/_cookies", "`|~0-9A-Za-z]+", "`|~0-9A-Za-z;]+", "';' in a cookie name"),
    _m("_core/_cookies", "`|~0-9A-Za-z]+", "`|~0-9A-Za-z ]+", "space in a cookie name"),
    _m("_core/_cookies", "r\"[!#$%&'*+", 'r"[!#$%&\'*+\\"', "quote in a cookie name"),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$%&\'()*+-./:<=>?@[]^_`{|}~"',
        "% raw",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./:;<=>?@[]^_`{|}~"',
        "; raw",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~ "',
        "space",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~,"',
        "comma",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~\\""',
        "quote",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~\\\\"',
        "bslash",
    ),
    _m(
        "_core/_cookies",
        '"!#$&\'()*+-./:<=>?@[]^_`{|}~"',
        '"!#$&\'()*+-./<=>?@[]^_`{|}~"',
        "':' percent-encoded",
        equivalent="only more escaping: every value still round-trips through the parser",
    ),
    _m("_core/_cookies", '    path: str = "/"', '    path: str = ""', "cookies scoped to the page"),
    _m("_core/_cookies", "    secure: bool = False", "    secure: bool = True", "http dev broken"),
    _m(
        "_core/_cookies",
        '    same_site: SameSite = "lax"',
        '    same_site: SameSite = "none"',
        "CSRF",
    ),
    _m("_core/_cookies", "    http_only: bool = True", "    http_only: bool = False", "XSS reads"),
]

_LIFETIME = [
    _m("_core/_lifetime", "IPSIE_LEEWAY = 30", "IPSIE_LEEWAY = 31", "sessions end a second early"),
    _m("_core/_lifetime", "IPSIE_LEEWAY = 30", "IPSIE_LEEWAY = 0", "sessions outlive the upstream"),
]

_REDIRECTS = [
    _m("_oidc/_redirects", "_MAX_CHARS = 4096", "_MAX_CHARS = 10**9", "length cap deleted"),
    _m("_oidc/_redirects", "_MAX_CHARS = 4096", "_MAX_CHARS = 4095", "length cap moved"),
    _m("_oidc/_redirects", "range(0x21)", "range(0x20)", "leading spaces kept"),
    _m("_oidc/_redirects", "range(0x21)", "range(0x22)", "'!' stripped"),
    _m("_oidc/_redirects", '"", "\\t\\n\\r")', '"", "\\t\\n")', "CR kept inside"),
    _m("_oidc/_redirects", '"", "\\t\\n\\r")', '"", "\\n\\r")', "tab kept inside"),
    _m("_oidc/_redirects", '"", "\\t\\n\\r")', '"", "\\t\\r")', "LF kept inside"),
    _m(
        "_oidc/_redirects",
        r'r"[A-Za-z][A-Za-z0-9+.\-]*:"',
        r'r"[A-Za-z][A-Za-z0-9+\-]*:"',
        "scheme .",
    ),
    _m(
        "_oidc/_redirects",
        r'r"[A-Za-z][A-Za-z0-9+.\-]*:"',
        r'r"[A-Za-z][A-Za-z0-9.\-]*:"',
        "scheme +",
    ),
    _m(
        "_oidc/_redirects",
        r'r"[A-Za-z][A-Za-z0-9+.\-]*:"',
        r'r"[A-Za-z][A-Za-z0-9+.]*:"',
        "scheme -",
    ),
    _m(
        "_oidc/_redirects", r'r"[A-Za-z][A-Za-z0-9+.\-]*:"', r'r"[A-Za-z0-9+.\-]*:"', "scheme digit"
    ),
    _m(
        "_oidc/_redirects",
        r'r"[a-z0-9_](?:[a-z0-9_.\-]*',
        r'r"[a-z0-9_](?:[a-z0-9_.\-%]*',
        "'%' in a host",
        equivalent="_parse_authority refuses any authority with '%' before the pattern runs",
    ),
    _m("_oidc/_redirects", r'r"[a-z0-9_](?:[a-z0-9_.\-]*', r'r"[a-z0-9_](?:[a-z0-9_\-]*', "dotted"),
    _m("_oidc/_redirects", r"|\[[0-9a-f:.]+\]", r"|\[[0-9a-f:]+\]", "IPv4-mapped IPv6 refused"),
    _m("_oidc/_redirects", '{"http": 80, "https": 443}', '{"http": 81, "https": 443}', "http port"),
    _m(
        "_oidc/_redirects", '{"http": 80, "https": 443}', '{"http": 80, "https": 444}', "https port"
    ),
    _m("_oidc/_redirects", r're.compile(r"[/\\?#]")', r're.compile(r"[/?#]")', "backslash host"),
    _m("_oidc/_redirects", r're.compile(r"[/\\?#]")', r're.compile(r"[/\\#]")', "query in host"),
    _m("_oidc/_redirects", r're.compile(r"[/\\?#]")', r're.compile(r"[/\\?]")', "fragment in host"),
    _m("_oidc/_redirects", "frozenset(' \"<>`')", "frozenset(' <>`')", "fragment quote"),
    _m("_oidc/_redirects", "frozenset(' \"<>`')", "frozenset(' \"<`')", "fragment >"),
    _m("_oidc/_redirects", "frozenset(' \"<>`')", "frozenset(' \"<>')", "fragment backtick"),
    _m("_oidc/_redirects", "frozenset(' \"<>`')", "frozenset(' \"<>`\\'')", "fragment apostrophe"),
    _m("_oidc/_redirects", 'frozenset(" \\"#<>\'")', 'frozenset(" \\"#<>")', "query apostrophe"),
    _m("_oidc/_redirects", 'frozenset(" \\"#<>\'")', 'frozenset(" #<>\'")', "query quote"),
    _m("_oidc/_redirects", 'frozenset(" \\"#<>\'")', 'frozenset(" \\"#>\'")', "query <"),
    _m("_oidc/_redirects", 'frozenset(" \\"#<>\'")', 'frozenset(" \\"#<>\'`")', "query `"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' \"#<>?`{}')", "path ^"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' \"#<>?^{}')", "path backtick"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' \"#<>?^`}')", "path {"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' \"#<>?^`{')", "path }"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' #<>?^`{}')", "path quote"),
    _m("_oidc/_redirects", "frozenset(' \"#<>?^`{}')", "frozenset(' \"#<>?^`{}|')", "path |"),
    _m(
        "_oidc/_redirects",
        "frozenset(' \"#<>?^`{}')",
        "frozenset(' \"<>?^`{}')",
        "path #",
        equivalent="a path never holds '#': _split cuts the fragment off first",
    ),
    _m(
        "_oidc/_redirects",
        "frozenset(' \"#<>?^`{}')",
        "frozenset(' \"#<>^`{}')",
        "path ?",
        equivalent="a path never holds '?': _split cuts the query off first",
    ),
    _m(
        "_oidc/_redirects",
        'frozenset(" \\"#<>\'")',
        'frozenset(" \\"<>\'")',
        "query #",
        equivalent="a query never holds '#': _split cuts the fragment off first",
    ),
    # _parse_base is under functools.lru_cache, which mutmut skips.
    _m("_oidc/_redirects", "    text = base_url.strip()", "    text = base_url", "base spaces"),
    _m(
        "_oidc/_redirects",
        "scheme not in _DEFAULT_PORTS or not text",
        "scheme in _DEFAULT_PORTS or not text",
        "base scheme check inverted",
    ),
    _m(
        "_oidc/_redirects",
        "if not match or scheme not in _DEFAULT_PORTS or",
        "if scheme not in _DEFAULT_PORTS or",
        "base without scheme",
        equivalent="without a match the scheme is '', which is not in _DEFAULT_PORTS either",
    ),
    _m(
        "_oidc/_redirects",
        'not text[match.end() :].startswith("//")',
        'not text[match.end() :].startswith("/")',
        "https:/host as a base",
    ),
    _m(
        "_oidc/_redirects",
        "match.group()[:-1].lower() if match",
        "match.group()[:-1] if match",
        "HTTPS",
    ),
    _m(
        "_oidc/_redirects",
        "rest = text[match.end() + 2 :]",
        "rest = text[match.end() + 1 :]",
        "host",
    ),
    _m(
        "_oidc/_redirects",
        'if hostport is None or "\\\\" in rest:',
        "if hostport is None:",
        "base \\",
    ),
    _m(
        "_oidc/_redirects", 'if hostport is None or "\\\\" in rest:', 'if "\\\\" in rest:', "base @"
    ),
    _m(
        "_oidc/_redirects",
        '_normalize_path(path or "/"), query)\n',
        '_normalize_path(path or "/"), None)\n',
        "base query lost for '#frag'",
    ),
    _m(
        "_oidc/_redirects",
        '_normalize_path(path or "/"), query)\n',
        '_normalize_path(path or "/").lower(), query)\n',
        "base path case",
    ),
    _m(
        "_oidc/_redirects",
        "@functools.lru_cache(maxsize=32)",
        "@functools.lru_cache(maxsize=1)",
        "base parsed more often",
        equivalent="the cache size changes only how often a base URL is parsed, not the result",
    ),
]

_ID_TOKEN = [
    _m("_oidc/_id_token", "DEFAULT_LEEWAY = 60", "DEFAULT_LEEWAY = 61", "skew +1 s"),
    _m("_oidc/_id_token", "DEFAULT_LEEWAY = 60", "DEFAULT_LEEWAY = 59", "skew -1 s"),
]

_LOGOUT_TOKEN = [
    _m(
        "_oidc/_logout_token",
        'BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"',
        'BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logouts"',
        "no real logout token accepted",
    ),
    _m("_oidc/_logout_token", "ttl: float = 600.0", "ttl: float = 601.0", "replay window moved"),
    _m("_oidc/_logout_token", "max_entries: int = 10_000", "max_entries: int = 10**9", "unbounded"),
    _m(
        "_oidc/_logout_token", "max_entries: int = 10_000", "max_entries: int = 10_001", "cap moved"
    ),
]

MUTANTS: tuple[HandMutant, ...] = (
    *_CRYPTO,
    *_COOKIES,
    *_LIFETIME,
    *_REDIRECTS,
    *_ID_TOKEN,
    *_LOGOUT_TOKEN,
)
