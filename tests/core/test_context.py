"""The request context's cookie jar: lazy parsing must never change what a reader sees."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auth0_async._core._context import RequestContext
from auth0_async._core._cookies import CookieAttributes, parse_cookie_header

ATTRS = CookieAttributes()
NOW = 1_800_000_000.0


def ctx_for(header: str) -> RequestContext:
    return RequestContext(cookie_header=header, https=False, request=None)


def test_writes_before_the_header_is_parsed_are_seen_by_every_reader() -> None:
    ctx = ctx_for("a=1; __session=old; b=2")
    assert ctx.cookie("__session") == "old"
    ctx.set_cookie("__session", "new", ATTRS, max_age=60, now=NOW, encoded=True)
    ctx.delete_cookie("a", ATTRS)
    assert ctx.cookie("__session") == "new"
    assert ctx.cookie("a") is None
    assert ctx.cookies == {"__session": "new", "b": "2"}
    assert list(ctx.pending) == ["__session", "a"]


def test_a_write_on_a_request_without_cookies_makes_the_jar_non_empty() -> None:
    ctx = ctx_for("")
    before = ctx.has_cookies
    ctx.set_cookie("__session__0", "x", ATTRS, max_age=60, now=NOW, encoded=True)
    assert (before, ctx.has_cookies) == (False, True)
    assert ctx.names_starting(("__session__",)) == ["__session__0"]
    assert ctx.cookies == {"__session__0": "x"}


def test_names_starting_does_not_parse_when_no_prefix_occurs() -> None:
    ctx = ctx_for("_ga=GA1.2.3; theme=dark; __session=abc")
    assert ctx.names_starting(("__session__", "appSession")) == []
    assert ctx._cookies is None  # the point of the check: no parse on the hot path
    ctx = ctx_for("appSession.0=a; __session=abc")
    assert ctx.names_starting(("__session__", "appSession")) == ["appSession.0"]


def test_names_inside_the_session_value_are_not_cookies() -> None:
    ctx = ctx_for("a=1; __session=x__session__0=appSession; b=2")
    assert ctx.cookie("__session") == "x__session__0=appSession"
    assert ctx.names_starting(("__session__", "appSession")) == []
    ctx = ctx_for("__session=x__session__0; __session__1=y")
    assert ctx.cookie("__session") == "x__session__0"
    assert ctx.names_starting(("__session__", "appSession")) == ["__session__1"]


_NAMES = st.sampled_from(["a", "__session", "__session__0", "__session__1", "appSession", "b"])
# Values that mention cookie names: scans for names must not be fooled by them.
_VALUES = st.sampled_from(["v", "w", "x__session__1", "appSession.0", "a=b", "__session"])
_OPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "delete", "get", "names", "jar"]), _NAMES, st.text("xy", max_size=3)
    ),
    max_size=12,
)


@given(
    st.lists(st.tuples(_NAMES, _VALUES), max_size=5).map(
        lambda pairs: "; ".join(f"{n}={v}" for n, v in pairs)
    ),
    _OPS,
)
def test_the_lazy_jar_behaves_like_an_eagerly_parsed_one(
    header: str, ops: list[tuple[str, str, str]]
) -> None:
    ctx = ctx_for(header)
    model = parse_cookie_header(header)
    for op, name, value in ops:
        if op == "set":
            ctx.set_cookie(name, value or "v", ATTRS, max_age=60, now=NOW, encoded=True)
            model[name] = value or "v"
        elif op == "delete":
            ctx.delete_cookie(name, ATTRS)
            model.pop(name, None)
        elif op == "get":
            assert ctx.cookie(name) == model.get(name)
        elif op == "names":
            prefixes = ("__session__", "appSession")
            assert sorted(ctx.names_starting(prefixes)) == sorted(
                n for n in model if n.startswith(prefixes)
            )
        else:
            assert ctx.cookies == model
    assert ctx.cookies == model
