from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth0_async._core._context import RequestContext
from auth0_async._core._cookies import (
    CHUNK_SIZE,
    MAX_CHUNKS,
    NEEDS_PARSE,
    CookieAttributes,
    chunk_names,
    deletion,
    find_cookie_span,
    is_cookie_name,
    is_token,
    parse_cookie_header,
    plan_chunked_write,
    read_chunked,
    read_legacy_chunked,
    set_cookie,
)

NOW = 1_800_000_000.0


def test_set_cookie_attribute_order_matches_nextjs() -> None:
    attrs = CookieAttributes(path="/", domain="example.com", secure=True, same_site="lax")
    line = set_cookie("__session", "v", attrs, max_age=86400, now=NOW)
    assert line == (
        "__session=v; Path=/; Expires=Sat, 16 Jan 2027 08:00:00 GMT; Max-Age=86400; "
        "Domain=example.com; Secure; HttpOnly; SameSite=lax"
    )


def test_transient_cookie_has_no_max_age_or_expires() -> None:
    line = set_cookie("__session", "v", CookieAttributes(), max_age=None, now=NOW)
    assert line == "__session=v; Path=/; HttpOnly; SameSite=lax"


def test_deletion_repeats_path_domain_secure_samesite() -> None:
    attrs = CookieAttributes(path="/app", domain="example.com", secure=True, same_site="strict")
    assert deletion("__session__0", attrs) == (
        "__session__0=; Path=/app; Max-Age=0; Domain=example.com; Secure; HttpOnly; SameSite=strict"
    )


def test_values_that_need_it_are_percent_encoded_and_parsed_back() -> None:
    line = set_cookie("__txn_x", "1700000000:abc;def", CookieAttributes(), max_age=None, now=NOW)
    value = line.split(";")[0].split("=", 1)[1]
    assert ";" not in value
    assert parse_cookie_header(f"__txn_x={value}") == {"__txn_x": "1700000000:abc;def"}


def test_parse_first_occurrence_wins_and_junk_is_ignored() -> None:
    assert parse_cookie_header('a=1; a=2; junk; =x; b="q"; c=%ZZ; d=') == {
        "a": "1",
        "b": "q",
        "c": "%ZZ",
        "d": "",
    }


@pytest.mark.parametrize("size", [1, 3500])
def test_small_values_are_one_cookie_and_chunks_are_deleted(size: int) -> None:
    value = "x" * size
    writes, deletes = plan_chunked_write(
        "__session", value, ["__session__0", "__session__1", "other"]
    )
    assert writes == [("__session", value)]
    assert deletes == ["__session__0", "__session__1"]


def test_8000_bytes_make_three_chunks_and_delete_the_unchunked_cookie() -> None:
    value = "".join(chr(ord("a") + i % 26) for i in range(8000))
    writes, deletes = plan_chunked_write("__session", value, ["__session"])
    assert [n for n, _ in writes] == ["__session__0", "__session__1", "__session__2"]
    assert [len(v) for _, v in writes] == [3500, 3500, 1000]
    assert "".join(v for _, v in writes) == value
    assert deletes == ["__session"]


def test_shrinking_from_five_to_three_chunks_deletes_the_rest() -> None:
    present = [f"__session__{i}" for i in range(5)]
    writes, deletes = plan_chunked_write("__session", "y" * (CHUNK_SIZE * 2 + 1), present)
    assert len(writes) == 3
    assert deletes == ["__session__3", "__session__4", "__session"]


def test_read_prefers_a_non_empty_unchunked_cookie() -> None:
    assert read_chunked({"__session": "whole", "__session__0": "a"}, "__session") == "whole"
    assert (
        read_chunked({"__session": "", "__session__0": "a", "__session__1": "b"}, "__session")
        == "ab"
    )


def test_read_orders_chunks_numerically() -> None:
    cookies = {f"__session__{i}": str(i) for i in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)}
    assert read_chunked(cookies, "__session") == "012345678910"


def test_a_gap_means_no_session() -> None:
    assert read_chunked({"__session__0": "a", "__session__2": "c"}, "__session") is None
    assert read_chunked({}, "__session") is None


def test_foreign_cookies_sharing_the_prefix_are_ignored() -> None:
    cookies = {
        "__session__0": "a",
        "__session__extra": "x",
        "__session__01": "y",
        "__session__1": "b",
    }
    assert read_chunked(cookies, "__session") == "ab"
    assert chunk_names(["__session__99999999999999999999"], "__session") == {}


def test_legacy_chunks() -> None:
    assert read_legacy_chunked({"appSession.1": "b", "appSession.0": "a"}) == "ab"
    assert read_legacy_chunked({"appSession": "z", "appSession.0": "a"}) == "z"


@given(st.text(max_size=300))
def test_cookie_parser_never_raises(header: str) -> None:
    parse_cookie_header(header)


@given(st.text(alphabet="abcXYZ0123456789-_.", min_size=0, max_size=12000))
def test_chunk_round_trip(value: str) -> None:
    writes, _ = plan_chunked_write("__session", value, [])
    jar = dict(writes)
    assert read_chunked(jar, "__session") == (value or None)


@pytest.mark.parametrize(
    "header",
    [
        "__session=abc",
        "a=1; __session=abc; b=2",
        "a=1;__session=abc",
        "x__session=1; __session=abc",
        "__session=; __session__0=x",
        "__session =abc",
        '__session="quoted"',
        "__session=a%3Ab",
        "__session=first; __session=second",
        "__session =first; __session=second",
        "a=1;\t__session\t=first; __session=second",
        "x__session=1; __session=2",
        "other=__session=abc",
        "a=1",
        "",
        "__session",
        "  __session=  spaced  ; z=1",
        "x;a __session=v",  # the parser's name is "a __session": no __session cookie
        "x;a\t__session=v",
        "a __session=v; __session=w",
        "a=1 __session=v",
    ],
)
def test_finding_one_cookie_agrees_with_the_full_parser(header: str) -> None:
    # RequestContext.cookie: find_cookie_span's fast path, or the parser when it cannot tell.
    ctx = RequestContext(header, False, None)
    assert ctx.cookie("__session") == parse_cookie_header(header).get("__session")


# Names the SDK looks up, and near misses; a header is built from them so that the fast
# lookup's corner cases (a name mentioned earlier, spaces, quotes, '%', '=' in values) come up
# in most examples rather than almost never.
_LOOKED_UP = ["__session", "__session__0", "__session__1", "__txn_abc", "appSession"]
_HEADER_NAMES = st.sampled_from(
    [*_LOOKED_UP, "__session__01", "x__session", "a __session", "__txn_", "a", "", " "]
)
_SEPARATORS = st.sampled_from([";", "; ", ";\t", " ; ", ";;", " "])
_EQUALS = st.sampled_from(["=", " =", "= ", "", "=="])
_HEADER_VALUES = st.text(alphabet='ab =;"% \t_sion', max_size=12) | st.sampled_from(
    ["__session=v", '"q"', "a%3Ab", "%ZZ", "v=w", "__txn_abc"]
)
_HEADERS = st.lists(
    st.tuples(st.booleans(), _SEPARATORS, _HEADER_NAMES, _EQUALS, _HEADER_VALUES), max_size=6
).map(
    lambda parts: "".join(
        (sep if first else "") + name + eq + value for first, sep, name, eq, value in parts
    )
)


@settings(max_examples=1000)
@given(_HEADERS | st.text(alphabet='_sion=; "%abc', max_size=40))
def test_finding_one_cookie_agrees_with_the_full_parser_on_random_headers(header: str) -> None:
    parsed = parse_cookie_header(header)
    for name in _LOOKED_UP:
        ctx = RequestContext(header, False, None)
        assert ctx.cookie(name) == parsed.get(name), name
    ctx = RequestContext(header, False, None)
    prefixes = ("__session__", "__txn_", "appSession")
    assert sorted(ctx.names_starting(prefixes)) == sorted(
        n for n in parsed if n.startswith(prefixes)
    )


def test_the_strategy_produces_the_real_names() -> None:
    # Guard the generator itself: the interesting cookies must be common, not lucky.
    found: set[str] = set()

    @settings(max_examples=300, database=None)
    @given(_HEADERS)
    def collect(header: str) -> None:
        found.update(n for n in parse_cookie_header(header) if n in _LOOKED_UP)

    collect()
    assert found == set(_LOOKED_UP)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=b=c", {"a": "b=c"}),  # the first '=' ends the name
        ("__session=x=y; b=1", {"__session": "x=y", "b": "1"}),
        ('a=="q"', {"a": '="q"'}),
        (" a = 1 ; b=2", {"a": "1", "b": "2"}),
        ('q=""', {"q": ""}),
        ('q="', {"q": '"'}),
        ('q="x', {"q": '"x'}),
        ("p=%41%42", {"p": "AB"}),
        ("p=%FF", {"p": "%FF"}),  # not UTF-8: kept as sent
    ],
)
def test_parser_details(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


def test_a_leading_zero_never_makes_a_chunk() -> None:
    # __session__01 is not chunk 1: a foreign cookie must not complete a chunked value.
    assert read_chunked({"__session__0": "a", "__session__01": "b"}, "__session") == "a"
    assert chunk_names(["__session__00", "__session__01", "__session__0"], "__session") == {
        0: "__session__0"
    }
    assert read_legacy_chunked({"appSession.0": "a", "appSession.01": "b"}) == "a"


def test_chunk_indexes_stop_at_max_chunks() -> None:
    assert MAX_CHUNKS == 64
    names = [f"__session__{i}" for i in range(MAX_CHUNKS + 2)]
    assert chunk_names(names, "__session") == {i: f"__session__{i}" for i in range(MAX_CHUNKS)}
    # 64 chunks of 3500 characters is far beyond any real session: never joined past that.
    cookies = dict.fromkeys(names, "x")
    assert read_chunked(cookies, "__session") == "x" * MAX_CHUNKS


def test_only_ascii_digits_make_a_chunk_index() -> None:
    names = [
        "__session__\u0661",
        "__session__\u00b2",
        "__session__-1",
        "__session__+1",
        "__session__",
    ]
    assert chunk_names([*names, "__session__1"], "__session") == {1: "__session__1"}


# find_cookie_span is an optimisation: NEEDS_PARSE is always safe, so only a test of when the
# fast path applies notices a change that makes it give up (or answer) at the wrong time.
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("__session=abc", "abc"),
        ("__session=abc;", "abc"),
        ("__session=", ""),
        ("a=1; __session=abc", "abc"),
        ("a=1;__session=abc; b=2", "abc"),
        ("a=1;  \t__session= abc ; b=2", " abc "),  # unstripped: the caller strips
        (" \t__session=abc", "abc"),
        ("\t__session=abc", "abc"),
        ('a="q"; __session=abc', "abc"),  # quotes and '%' elsewhere do not matter
        ("a=%41; __session=abc", "abc"),
        ('__session=abc; b="q"', "abc"),
        ("__session=abc; b=%41", "abc"),
        ("__session=a; __session=b", "a"),  # the first occurrence wins, as in the parser
        ("a=1", None),
        ("", None),
        ("_session=1", None),
        ("__session", NEEDS_PARSE),  # mentioned, but not as name=
        ("__session =abc", NEEDS_PARSE),
        ("X__session=v", NEEDS_PARSE),
        ("x;a __session=v", NEEDS_PARSE),
        ("a=__session; __session=v", NEEDS_PARSE),
        ("a=1 __session=v", NEEDS_PARSE),
        ('__session="q"', NEEDS_PARSE),
        ("__session=a%3A", NEEDS_PARSE),
    ],
)
def test_when_the_fast_lookup_applies(header: str, expected: str | object | None) -> None:
    span = find_cookie_span(header, "__session")
    if isinstance(expected, str):
        assert isinstance(span, tuple)
        assert header[span[0] : span[1]] == expected
    else:
        assert span is expected


_PLAIN = st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=8)


@given(
    st.dictionaries(_PLAIN, _PLAIN, max_size=5),
    st.sampled_from(["; ", ";", ";\t", "; \t "]),
    st.text(alphabet="abcXYZ019-_.:/+", max_size=20),
)
def test_a_plain_session_cookie_is_always_found_without_parsing(
    others: dict[str, str], separator: str, value: str
) -> None:
    names = [n for n in others if "__session" not in n]
    header = separator.join([*(f"{n}={others[n]}" for n in names), f"__session={value}"])
    span = find_cookie_span(header, "__session")
    assert isinstance(span, tuple)
    assert header[span[0] : span[1]] == value


def test_max_age_zero_or_negative_expires_now() -> None:
    for max_age in (0, -5):
        line = set_cookie("n", "v", CookieAttributes(), max_age=max_age, now=NOW)
        assert line == "n=v; Path=/; Max-Age=0; HttpOnly; SameSite=lax"
    line = set_cookie("n", "v", CookieAttributes(), max_age=1, now=NOW)
    assert (
        line
        == "n=v; Path=/; Expires=Fri, 15 Jan 2027 08:00:01 GMT; Max-Age=1; HttpOnly; SameSite=lax"
    )


def test_values_keep_cookie_octets_and_escape_the_rest() -> None:
    value = '1700000000:caf\u00e9/a b;c%d"e,f\\g'
    line = set_cookie("__txn_x", value, CookieAttributes(), max_age=None, now=NOW)
    encoded = line.split(";")[0].split("=", 1)[1]
    assert encoded == "1700000000:caf%C3%A9/a%20b%3Bc%25d%22e%2Cf%5Cg"
    assert parse_cookie_header(f"__txn_x={encoded}") == {"__txn_x": value}


def test_the_chunk_limit_counts_utf8_bytes() -> None:
    # 1750 two-byte characters are 3500 bytes: one cookie. One more and it is chunked.
    assert plan_chunked_write("__session", "\u00e9" * 1750, [])[0] == [
        ("__session", "\u00e9" * 1750)
    ]
    writes, deletes = plan_chunked_write("__session", "\u00e9" * 1751, [])
    assert [name for name, _ in writes] == ["__session__0"]
    assert deletes == ["__session"]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("__session", True),
        ("__txn_abc", True),
        ("a!#$%&'*+-.^_`|~9Z", True),  # every RFC 9110 tchar
        ("", False),
        ("a=b", False),
        ("a;b", False),
        ("a b", False),
        ('a"b', False),
        ("a,b", False),
        ("a\\b", False),
        ("a(b)", False),
        ("caf\u00e9", False),
        ("a\n", False),
    ],
)
def test_cookie_names_are_rfc9110_tokens(name: str, valid: bool) -> None:
    assert is_token(name) is valid
    assert is_cookie_name(name) is valid
