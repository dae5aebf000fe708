from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from auth0_async._exceptions import ConfigurationError
from auth0_async._oidc._redirects import safe_return_to

from ..conftest import require_node

BASE = "https://app.example.com"
FIXTURES = Path(__file__).parent / "fixtures"


def load_payloads() -> list[str]:
    lines = (FIXTURES / "open_redirect_payloads.txt").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


PAYLOADS = load_payloads()


def assert_same_origin_path(result: str) -> None:
    assert result.startswith("/"), result
    assert result[1:2] not in ("/", "\\"), result
    assert all("\x21" <= ch <= "\x7e" for ch in result), result
    path = result.split("#", 1)[0].split("?", 1)[0]
    assert unquote(path)[1:2] not in ("/", "\\"), result
    assert urlsplit(urljoin(BASE + "/", result)).netloc == "app.example.com", result


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 400
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_open_redirect_payload_stays_on_origin(payload: str) -> None:
    result = safe_return_to(payload, base_url=BASE)
    assert_same_origin_path(result)
    assert "evil" not in urlsplit(urljoin(BASE + "/", result)).netloc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/dashboard", "/dashboard"),
        ("/a/b?x=1&y=2#frag", "/a/b?x=1&y=2#frag"),
        ("dashboard", "/dashboard"),
        ("./dashboard", "/dashboard"),
        ("../../dashboard", "/dashboard"),
        ("https://app.example.com/x?y=1#z", "/x?y=1#z"),
        ("https://app.example.com", "/"),
        ("https://app.example.com?x=1", "/?x=1"),
        ("HTTPS://APP.EXAMPLE.COM:443/x", "/x"),
        ("https://app.example.com:0443/x", "/x"),
        ("https://app.example.com:/x", "/x"),
        ("https://app.example.com\\x", "/x"),
        ("https://app.example.com\\@evil.com", "/@evil.com"),
        ("https://app.example.com#@evil.com", "/#@evil.com"),
        ("?tab=2", "/?tab=2"),
        ("#top", "/#top"),
        ("/a/../b", "/b"),
        ("/a/%2e%2E/b", "/b"),
        ("/a/./b/.", "/a/b/"),
        ("/a/b/..", "/a/"),
        ("/caf\u00e9", "/caf%C3%A9"),
        ("/a b", "/a%20b"),
        ("/x?a=b c'd", "/x?a=b%20c%27d"),
        ("/x#a b", "/x#a%20b"),
        ("  /x  ", "/x"),
        ("/x\t/y\n", "/x/y"),
        ("\\x", "/x"),
        ("/x?", "/x"),
        ("/x#", "/x"),
        ("/%2Fok", "/"),
        ("/%2F%2Fevil.com", "/"),
        ("/a/%2F%2Fevil.com", "/a/%2F%2Fevil.com"),
        ("/https://evil.com", "/https://evil.com"),
        ("@evil.com", "/@evil.com"),
        ("/x?next=https://evil.com", "/x?next=https://evil.com"),
    ],
)
def test_same_origin_targets_are_kept(value: str, expected: str) -> None:
    assert safe_return_to(value, base_url=BASE) == expected


@pytest.mark.parametrize(
    ("base", "value", "expected"),
    [
        ("https://app.example.com/base/", "dashboard", "/base/dashboard"),
        ("https://app.example.com/base/", "/dashboard", "/dashboard"),
        ("https://app.example.com/base/", "../x", "/x"),
        ("https://app.example.com/base", "dashboard", "/dashboard"),
        ("https://app.example.com/base/", "?a=1", "/base/?a=1"),
        ("https://app.example.com/api/auth/callback", "profile", "/api/auth/profile"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000/x", "/x"),
        ("http://127.0.0.1:3000", "http://127.0.0.1/x", "/"),
        ("http://localhost:3000/", "//localhost:3000/x", "/x"),
        ("http://[::1]:3000", "http://[::1]:3000/x", "/x"),
        ("https://app.example.com:8443", "https://app.example.com/x", "/"),
        ("https://app.example.com:8443", "https://app.example.com:8443/x", "/x"),
    ],
)
def test_resolution_against_base_path(base: str, value: str, expected: str) -> None:
    assert safe_return_to(value, base_url=base) == expected


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n", "/" + "a" * 5000])
def test_missing_or_overlong_gives_default(value: str | None) -> None:
    assert safe_return_to(value, base_url=BASE, default="/home") == "/home"


def test_rejection_gives_default() -> None:
    assert safe_return_to("//evil.com", base_url=BASE, default="/fallback") == "/fallback"


@pytest.mark.parametrize(
    "base",
    ["", "/relative", "ftp://app.example.com", "https://", "https://user@app", "app.example.com"],
)
def test_bad_base_url(base: str) -> None:
    with pytest.raises(ConfigurationError):
        safe_return_to("/x", base_url=base)


_NODE_SCRIPT = r"""
const base = process.argv[1];
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const origin = new URL(base).origin;
const out = input.map(([payload, ours]) => {
  let theirs = null;
  try {
    const u = new URL(payload, base);
    theirs = u.origin === origin ? u.pathname + u.search + u.hash : false;
  } catch (e) { theirs = null; }
  const back = new URL(ours, base);
  return {theirs, oursOrigin: back.origin, oursHref: back.pathname + back.search + back.hash};
});
process.stdout.write(JSON.stringify(out));
"""

SENTINEL = "/__default__"


@pytest.mark.e2e
def test_differential_against_node_whatwg_url() -> None:
    """Node's WHATWG URL is the browser's parser: ours must agree or be stricter."""
    require_node()
    extra = ["/dashboard", "dashboard", "/a/../b", "https://app.example.com/x?y#z", "/caf\u00e9"]
    extra += ["dashboard?x=1", "dashboard#f", "?q#f", "https:/x?q#f", "1a:x", "!x", "a.b:x"]
    extra += ['/a"<>`{} |b', "/x?q=\"<>` '|{", "/x#f\"<>` '|{"]
    inputs = PAYLOADS + extra
    ours = [safe_return_to(p, base_url=BASE, default=SENTINEL) for p in inputs]
    completed = subprocess.run(
        ["node", "-e", _NODE_SCRIPT, BASE],
        input=json.dumps(list(zip(inputs, ours, strict=True))),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    verdicts = json.loads(completed.stdout)
    accepted = 0
    for payload, mine, verdict in zip(inputs, ours, verdicts, strict=True):
        # Whatever we return, a browser resolves it on our origin, unchanged.
        assert verdict["oursOrigin"] == BASE, (payload, mine)
        assert verdict["oursHref"] == mine, (payload, mine)
        if mine == SENTINEL:
            continue
        accepted += 1
        # We never accept what the browser would send elsewhere, and agree on where it goes.
        assert verdict["theirs"] == mine, (payload, mine, verdict)
    assert accepted > 50


# -- what each branch keeps (every case here once let a mutant through) -----------------------


@pytest.mark.parametrize(
    ("base", "value", "expected"),
    [
        # A relative path keeps its query and fragment.
        (BASE, "dashboard?x=1", "/dashboard?x=1"),
        (BASE, "dashboard#f", "/dashboard#f"),
        (BASE, "dashboard?x=1#f", "/dashboard?x=1#f"),
        ("https://app.example.com/base/", "dashboard?x=1#f", "/base/dashboard?x=1#f"),
        ("https://app.example.com/Base/", "x", "/Base/x"),  # the base path keeps its case
        # A query-only value keeps its fragment and replaces the base's query.
        (BASE, "?q#f", "/?q#f"),
        ("https://app.example.com/b/c?k=v", "?q#f", "/b/c?q#f"),
        ("https://app.example.com/b/c?k=v", "?#f", "/b/c#f"),
        # A fragment-only value keeps the base's path and query.
        ("https://app.example.com/b/c?k=v", "#f", "/b/c?k=v#f"),
        ("https://app.example.com/b/c?k=v", "#", "/b/c?k=v"),
        # "https:/x" is a path on the base's origin, query and fragment included.
        (BASE, "https:/x?q#f", "/x?q#f"),
        (BASE, "//app.example.com/x?q#f", "/x?q#f"),
        # Default ports are the same origin; the base may be written with spaces or in capitals.
        ("http://app.example.com", "http://app.example.com:80/x", "/x"),
        ("http://app.example.com", "http://app.example.com:443/x", "/"),
        ("HTTPS://app.example.com", "https://app.example.com/x", "/x"),
        ("  https://app.example.com/b/  ", "x", "/b/x"),
        ("http://[::ffff:127.0.0.1]:3000", "http://[::ffff:127.0.0.1]:3000/x", "/x"),
        # Backslashes name the authority exactly where a browser reads one.
        (BASE, "https:\\app.example.com\\x", "/app.example.com/x"),  # a path: one '\\'
        (BASE, "/\\app.example.com/x", "/x"),  # '/\\' starts an authority
        (BASE, "Xyz", "/Xyz"),
        (BASE, "//Xapp.example.com/secret", "/"),
        # IPv6 literals: the port after ']' is compared, and nothing else may follow it.
        ("http://[::1]", "http://[::1]:4000/x", "/"),
        ("http://[::1]:3000", "http://[::1]:4000/x", "/"),
        ("http://[::1]", "http://[::1]x/secret", "/"),
        ("http://app.example.com:65535", "http://app.example.com:65535/x", "/x"),
        # Non-ASCII digits are digits to str.isdigit and int(), never to a browser.
        (BASE, "https://app.example.com:\u0664\u0664\u0663/x", "/"),
        (BASE, "https://app.example.com:\uff14\uff14\uff13/x", "/"),
    ],
)
def test_each_part_is_kept_where_a_browser_keeps_it(base: str, value: str, expected: str) -> None:
    assert safe_return_to(value, base_url=base) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # WHATWG percent-encode sets: path, (special-)query and fragment differ.
        ('/a"<>`{}^ |b', "/a%22%3C%3E%60%7B%7D%5E%20|b"),
        ("/x?q=\"<>` '|{", "/x?q=%22%3C%3E`%20%27|{"),
        ("/x#f\"<>` '|{", "/x#f%22%3C%3E%60%20'|{"),
        # Leading and trailing C0 controls and spaces go; '!' is an ordinary character.
        ("\x00 /x \x1f", "/x"),
        ("!x", "/!x"),
        ("/x!", "/x!"),
        # Tab, CR and LF are removed anywhere.
        ("/x\ry", "/xy"),
        ("/x\ty", "/xy"),
        ("/x\ny", "/xy"),
        ("/\t/evil.com", "/"),
        # A scheme starts with a letter; '.', '+' and '-' may follow (and make it foreign).
        ("1a:x", "/1a:x"),
        ("a.b:x", "/"),
        ("web+app:x", "/"),
        ("a-b:x", "/"),
        # Dot segments in every spelling WHATWG knows.
        ("/a/%2e/b", "/a/b"),
        ("/a/%2E/b", "/a/b"),
        ("/a/b/.%2e/c", "/a/c"),
        ("/a/b/%2E./c", "/a/c"),
        ("/a/b/%2e%2E/c", "/a/c"),
        # A part made only of characters to encode, and '~' kept while others are encoded.
        ('/x?"', "/x?%22"),
        ("/x#`", "/x#%60"),
        ("/x#<", "/x#%3C"),
        ("/~a b", "/~a%20b"),
        # Lone surrogates and undecodable escapes never raise.
        ("/\udc80", "/%ED%B2%80"),
        ("/x?\ud800#\udfff", "/x?%ED%A0%80#%ED%BF%BF"),
        ("/%FF", "/%FF"),
        ("/%FF%2F", "/%FF%2F"),
    ],
)
def test_encoding_stripping_and_schemes(value: str, expected: str) -> None:
    assert safe_return_to(value, base_url=BASE) == expected


def test_length_limit_is_4096_characters() -> None:
    at_limit = "/" + "a" * 4095
    assert safe_return_to(at_limit, base_url=BASE) == at_limit
    assert safe_return_to(at_limit + "a", base_url=BASE, default="/d") == "/d"
    # The limit applies after stripping, as a browser would see the value.
    assert safe_return_to("  " + at_limit + "\t", base_url=BASE) == at_limit


@pytest.mark.parametrize(
    "base",
    [
        "https:/app.example.com",
        "https:app.example.com",
        "https://app.example.com/a\\b",
        "//app",
        "http://app.example.com:65536",
        "http://[::1]x",
    ],
)
def test_more_bad_base_urls(base: str) -> None:
    with pytest.raises(ConfigurationError):
        safe_return_to("/x", base_url=base)
