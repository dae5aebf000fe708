from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwe
from joserfc.jwk import OctKey

from auth0_async import ConfigurationError
from auth0_async._core._crypto import CookieCipher, _derive_key, b64url_decode, b64url_encode

from ..conftest import OTHER_SECRET, SECRET

_SEAL_SECRET = SECRET
_OTHER_SEAL_SECRET = OTHER_SECRET

NEXTJS_HEADER = "eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIn0"


def _key(secret: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"JWE CEK").derive(
        secret.encode()
    )


def _joserfc_encrypt(payload: dict[str, object], secret: str, header: dict[str, object]) -> str:
    registry = jwe.JWERegistry(algorithms=["dir", "A256GCM"])
    return jwe.encrypt_compact(
        header, json.dumps(payload).encode(), OctKey.import_key(_key(secret)), registry=registry
    )


def _raw_encrypt(header: dict[str, object], payload: bytes, secret: str = SECRET) -> str:
    """Encrypt with any header, bypassing every library's header checks."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    head = b64url_encode(json.dumps(header).encode())
    sealed = AESGCM(_key(secret)).encrypt(b"\1" * 12, payload, head.encode())
    return ".".join(
        [
            head,
            "",
            b64url_encode(b"\1" * 12),
            b64url_encode(sealed[:-16]),
            b64url_encode(sealed[-16:]),
        ]
    )


def test_round_trip_with_the_exact_nextjs_header() -> None:
    cipher = CookieCipher([SECRET])
    token = cipher.encrypt(b'{"a":1}')
    head, empty, iv, _ct, tag = token.split(".")
    assert head == NEXTJS_HEADER
    assert json.loads(b64url_decode(head)) == {"enc": "A256GCM", "alg": "dir"}
    assert empty == ""
    assert len(b64url_decode(iv)) == 12
    assert len(b64url_decode(tag)) == 16
    opened = cipher.decrypt(token)
    assert opened is not None
    assert opened[1] == b'{"a":1}'
    assert not opened[0].legacy


def test_a_fresh_iv_every_time() -> None:
    cipher = CookieCipher([SECRET])
    assert cipher.encrypt(b"x") != cipher.encrypt(b"x")


@given(st.binary(max_size=300))
def test_every_payload_length_makes_canonical_segments_joserfc_opens(payload: bytes) -> None:
    # The encoder base64s the IV and ciphertext in one pass: every length mod 3 must split right.
    token = CookieCipher([SECRET]).encrypt(payload)
    head, empty, iv, ciphertext, tag = token.split(".")
    assert (head, empty, len(iv), len(tag)) == (NEXTJS_HEADER, "", 16, 22)
    for part in (iv, ciphertext, tag):
        assert "=" not in part
        assert b64url_encode(b64url_decode(part)) == part
    assert len(b64url_decode(ciphertext)) == len(payload)
    registry = jwe.JWERegistry(algorithms=["dir", "A256GCM"])
    opened = jwe.decrypt_compact(token, OctKey.import_key(_key(SECRET)), registry=registry)
    assert opened.plaintext == payload


def test_joserfc_reads_ours_and_we_read_joserfcs() -> None:
    cipher = CookieCipher([SECRET])
    registry = jwe.JWERegistry(algorithms=["dir", "A256GCM"])
    obj = jwe.decrypt_compact(
        cipher.encrypt(b'{"x":2}'), OctKey.import_key(_key(SECRET)), registry=registry
    )
    assert obj.plaintext == b'{"x":2}'
    theirs = _joserfc_encrypt({"y": 3}, SECRET, {"alg": "dir", "enc": "A256GCM", "typ": "JWT"})
    opened = cipher.decrypt(theirs)
    assert opened is not None
    assert json.loads(opened[1]) == {"y": 3}


def test_wrong_secret_gives_none() -> None:
    token = CookieCipher([SECRET]).encrypt(b"{}")
    assert CookieCipher([OTHER_SECRET]).decrypt(token) is None


def test_rotation_first_secret_encrypts_all_decrypt() -> None:
    old = CookieCipher([OTHER_SECRET]).encrypt(b'"old"')
    rotated = CookieCipher([SECRET, OTHER_SECRET])
    opened = rotated.decrypt(old)
    assert opened is not None
    assert opened[1] == b'"old"'
    new = rotated.encrypt(b'"new"')
    opened = CookieCipher([SECRET]).decrypt(new)
    assert opened is not None
    assert opened[1] == b'"new"'
    assert CookieCipher([OTHER_SECRET]).decrypt(new) is None
    # Three secrets: the middle and the last one open their own cookies too.
    three = CookieCipher([SECRET, "a" * 32, OTHER_SECRET])
    for secret in ("a" * 32, OTHER_SECRET, SECRET):
        opened = three.decrypt(CookieCipher([secret]).encrypt(secret.encode()))
        assert opened is not None
        assert opened[1] == secret.encode()


@pytest.mark.parametrize("index", range(5))
def test_tampering_with_any_segment_gives_none(index: int) -> None:
    cipher = CookieCipher([SECRET])
    parts = cipher.encrypt(b'{"a":1}').split(".")
    if index == 1:
        parts[1] = "AAAA"
    else:
        segment = parts[index]
        parts[index] = ("B" if segment[0] != "B" else "C") + segment[1:]
    assert cipher.decrypt(".".join(parts)) is None


def test_first_character_changed_gives_none() -> None:
    cipher = CookieCipher([SECRET])
    token = cipher.encrypt(b"{}")
    assert cipher.decrypt(("f" if token[0] != "f" else "g") + token[1:]) is None


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "dir", "enc": "A128GCM"},
        {"alg": "A256KW", "enc": "A256GCM"},
        {"alg": "dir", "enc": "A256GCM", "zip": "DEF"},
        {"alg": "dir", "enc": "A256GCM", "crit": ["exp"], "exp": 1},
        {"alg": "dir", "enc": "A256GCM", "jku": "https://evil.example/jwks"},
        {"alg": "dir", "enc": "A256GCM", "kid": "x"},
    ],
)
def test_headers_outside_the_allowlist_are_refused(header: dict[str, object]) -> None:
    # Even correctly encrypted under our key: the header itself is refused.
    assert CookieCipher([SECRET]).decrypt(_raw_encrypt(header, b"{}")) is None


def test_legacy_header_is_recognised() -> None:
    token = _raw_encrypt(
        {"alg": "dir", "enc": "A256GCM", "iat": 10, "uat": 11, "exp": 12}, b'{"user":{}}'
    )
    opened = CookieCipher([SECRET]).decrypt(token)
    assert opened is not None
    assert opened[0].legacy
    assert (opened[0].iat, opened[0].exp) == (10, 12)


def test_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        CookieCipher([""])
    with pytest.raises(ConfigurationError):
        CookieCipher([])


def test_key_derivation_happens_once_per_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_async._core import _crypto

    cipher = CookieCipher([SECRET, OTHER_SECRET])

    def boom(secret: str) -> bytes:
        raise AssertionError("HKDF must not run per request")

    monkeypatch.setattr(_crypto, "_derive_key", boom)
    token = cipher.encrypt(b"{}")
    for _ in range(3):
        assert cipher.decrypt(token) is not None


def test_hkdf_matches_nextjs_parameters() -> None:
    # Known-answer: HKDF-SHA256(ikm=utf8(secret), salt="", info="JWE CEK", L=32), as @panva/hkdf.
    from auth0_async._core._crypto import _derive_key

    assert _derive_key(SECRET) == _key(SECRET)


def test_repr_hides_secrets() -> None:
    assert SECRET not in repr(CookieCipher([SECRET]))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_never_raises_and_never_opens(token: str) -> None:
    assert CookieCipher([SECRET]).decrypt(token) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/",
            max_size=60,
        ),
        min_size=5,
        max_size=5,
    )
)
def test_jwe_shaped_garbage_never_opens(parts: list[str]) -> None:
    parts[0] = NEXTJS_HEADER
    assert CookieCipher([SECRET]).decrypt(".".join(parts)) is None


def test_non_canonical_base64_is_refused() -> None:
    cipher = CookieCipher([SECRET])
    token = cipher.encrypt(b"{}")
    tag = token.rsplit(".", 1)[1]
    assert len(tag) == 22
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(tag[-1])
    sibling = alphabet[index | 1]  # same 2 significant bits, a spare bit set
    assert cipher.decrypt(token[:-1] + sibling) is None
    assert cipher.decrypt(token) is not None


@pytest.mark.parametrize("swap", [("-", "+"), ("_", "/")])
def test_standard_base64_characters_are_refused(swap: tuple[str, str]) -> None:
    cipher = CookieCipher([SECRET])
    for _ in range(50):
        token = cipher.encrypt(b"{}")
        if swap[0] in token:
            break
    else:
        pytest.skip("no such character in 50 tokens")
    assert cipher.decrypt(token.replace(swap[0], swap[1], 1)) is None


def test_characters_outside_the_alphabet_are_refused() -> None:
    cipher = CookieCipher([SECRET])
    token = cipher.encrypt(b"{}")
    head, empty, iv, ct, tag = token.split(".")
    assert cipher.decrypt(".".join([head, empty, iv[:4] + "!" + iv[4:], ct, tag])) is None
    assert cipher.decrypt(".".join([head, empty, iv, ct + "==", tag])) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_b64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


def _reference_decode(text: str) -> bytes | None:
    """A slow, obviously strict base64url decoder: alphabet, length and canonical form."""
    import base64

    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    if len(text) % 4 == 1 or not set(text) <= alphabet:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if b64url_encode(data) == text else None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ABCQRSabc019-_+/=!"\\ \n\u00e9', max_size=24))
def test_b64url_decode_agrees_with_a_strict_reference(text: str) -> None:
    expected = _reference_decode(text)
    try:
        got: bytes | None = b64url_decode(text)
    except ValueError:
        got = None
    assert got == expected


# -- limits and header members (each line here once let a mutant through) -------------------


def _header_of_length(chars: int) -> dict[str, object]:
    """An allowed header whose base64url text is exactly ``chars`` characters."""
    size = chars * 3 // 4
    assert (size * 4 + 2) // 3 == chars
    base = json.dumps({"alg": "dir", "enc": "A256GCM", "typ": ""})
    return {"alg": "dir", "enc": "A256GCM", "typ": "x" * (size - len(base))}


def test_header_length_cap() -> None:
    cipher = CookieCipher([SECRET])
    at_cap = _raw_encrypt(_header_of_length(1024), b"{}")
    assert len(at_cap.split(".")[0]) == 1024
    assert cipher.decrypt(at_cap) is not None
    over = _raw_encrypt(_header_of_length(1026), b"{}")  # 1025 is not a base64 length
    assert len(over.split(".")[0]) == 1026
    assert cipher.decrypt(over) is None


def test_the_header_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_async._core import _crypto

    monkeypatch.setattr(_crypto, "_header_cache", {NEXTJS_HEADER: _crypto._STANDARD})
    cipher = CookieCipher([SECRET])
    for n in range(100):
        token = _raw_encrypt({"alg": "dir", "enc": "A256GCM", "iat": n, "exp": 10**9}, b"{}")
        opened = cipher.decrypt(token)  # past the cap a header is parsed, not remembered
        assert opened is not None
        assert opened[0].iat == n
    assert len(_crypto._header_cache) == 64
    assert _crypto._header_cache[NEXTJS_HEADER] is _crypto._STANDARD


@pytest.mark.parametrize(
    "member",
    [
        {"typ": "JWT"},
        {"cty": "JWT"},
        {"iat": 1, "uat": 2, "exp": 3},
        {"uat": 2},
        {"exp": 3},
        {"iat": 1},
    ],
)
def test_allowed_header_members(member: dict[str, object]) -> None:
    header = {"alg": "dir", "enc": "A256GCM", **member}
    opened = CookieCipher([SECRET]).decrypt(_raw_encrypt(header, b"{}"))
    assert opened is not None
    assert (opened[0].iat, opened[0].exp) == (member.get("iat"), member.get("exp"))
    assert opened[0].legacy is ("iat" in member)


@pytest.mark.parametrize(
    "member",
    [
        {"iat": "10"},
        {"iat": 1.5},
        {"iat": True},
        {"iat": [1]},
        {"exp": "10"},
        {"exp": 1.5},
        {"exp": False},
        {"exp": {}},
        {"iat": 1, "exp": "10"},
    ],
)
def test_non_integer_iat_or_exp_in_the_header_is_refused(member: dict[str, object]) -> None:
    header = {"alg": "dir", "enc": "A256GCM", **member}
    assert CookieCipher([SECRET]).decrypt(_raw_encrypt(header, b"{}")) is None


def test_the_nextjs_header_is_not_legacy() -> None:
    opened = CookieCipher([SECRET]).decrypt(CookieCipher([SECRET]).encrypt(b"{}"))
    assert opened is not None
    assert (opened[0].iat, opened[0].exp, opened[0].legacy) == (None, None, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", b""),
        ("AA", b"\0"),
        ("AQ", b"\1"),  # spare bits (the low 4 of 'Q') are zero
        ("AAA", b"\0\0"),
        ("AAE", b"\0\1"),
        ("AAAA", b"\0\0\0"),
        ("-_-_", b"\xfb\xff\xbf"),
    ],
)
def test_b64url_decode_of_each_length(text: str, expected: bytes) -> None:
    assert b64url_decode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A",  # 1 mod 4 is never base64
        "AB",  # a spare bit of the last character set (length 2 mod 4)
        "AI",
        "AAB",  # the same for length 3 mod 4
        "AAC",
        "AA==",
        "AA=",
        "+/+/",
        "\\/\\/\\/\\/",  # JSON escapes: the decoder must never see a backslash...
        "\\u0041AAA",
        'AAAA"',  # ...or a quote
        'AA"A',
        "AA\nA",
        "AAA\u00e9",
    ],
)
def test_b64url_decode_refuses(text: str) -> None:
    # UnicodeEncodeError (non-ASCII) is a ValueError too, with its own message.
    with pytest.raises(ValueError, match="base64url|ascii"):
        b64url_decode(text)


def test_the_translation_table_passes_only_the_url_alphabet() -> None:
    # One table maps base64url to standard base64 and poisons everything else: no byte
    # outside the alphabet may come out as a standard base64 character, '=' or a byte a
    # JSON string treats specially.
    from auth0_async._core._crypto import _B64_TABLE

    url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    standard = set(url[:62] + b"+/")
    for byte in range(128):
        out = _B64_TABLE[byte]
        if byte in url:
            assert out in standard, chr(byte)
        else:
            assert out not in standard, chr(byte)
            assert out not in b'="\\', chr(byte)


def test_a_cached_header_opens_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_async._core import _crypto

    monkeypatch.setattr(_crypto, "_header_cache", {NEXTJS_HEADER: _crypto._STANDARD})
    cipher = CookieCipher([SECRET])
    header = {"alg": "dir", "enc": "A256GCM", "iat": 7, "uat": 8, "exp": 9}
    for payload in (b'"first"', b'"second"', b'"third"'):
        opened = cipher.decrypt(_raw_encrypt(header, payload))
        assert opened is not None
        assert opened[1] == payload


def test_every_ciphertext_ending_survives() -> None:
    # 3 payload bytes + the 12-byte IV fill whole base64 quanta, so the ciphertext's last
    # character is any of the 64: stripping anything but padding would break some tokens.
    cipher = CookieCipher([SECRET])
    endings: set[str] = set()
    for _ in range(1000):
        token = cipher.encrypt(b'"a"')
        endings.add(token.split(".")[3][-1])
        opened = cipher.decrypt(token)
        assert opened is not None
        assert opened[1] == b'"a"'
    assert len(endings) > 40


def test_moving_bytes_between_ciphertext_and_tag_is_refused() -> None:
    # The same sealed bytes split differently between the last two segments would still
    # authenticate: only the 16-byte tag segment nextjs-auth0 writes is accepted.
    cipher = CookieCipher([SECRET])
    head, empty, iv, ct, tag = cipher.encrypt(b'{"a":1}').split(".")
    sealed = b64url_decode(ct) + b64url_decode(tag)
    for cut in (len(sealed) - 17, len(sealed) - 15):
        token = ".".join(
            [head, empty, iv, b64url_encode(sealed[:cut]), b64url_encode(sealed[cut:])]
        )
        assert cipher.decrypt(token) is None
    same = ".".join([head, empty, iv, b64url_encode(sealed[:-16]), b64url_encode(sealed[-16:])])
    assert cipher.decrypt(same) is not None


def test_an_empty_payload_round_trips() -> None:
    cipher = CookieCipher([SECRET])
    token = cipher.encrypt(b"")
    assert token.split(".")[3] == ""
    opened = cipher.decrypt(token)
    assert opened is not None
    assert opened[1] == b""


@pytest.mark.parametrize("iv_size", [8, 11, 13, 16])
def test_only_a_12_byte_iv_is_accepted(iv_size: int) -> None:
    # AES-GCM itself takes other nonce sizes: the check is ours, even for a token
    # correctly sealed under our key.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = b"\2" * iv_size
    sealed = AESGCM(_key(SECRET)).encrypt(iv, b"{}", NEXTJS_HEADER.encode())
    parts = [NEXTJS_HEADER, "", b64url_encode(iv), b64url_encode(sealed[:-16])]
    token = ".".join([*parts, b64url_encode(sealed[-16:])])
    assert CookieCipher([SECRET]).decrypt(token) is None


# -- seal / unseal: values shared between instances (refresh results) ---------------------------

_CONTEXT = b'["auth0_async/refresh-result/1","key","auth0|alice","sid-1"]'


def test_seal_round_trips_and_is_ascii_base64url_of_iv_ciphertext_and_tag() -> None:
    cipher = CookieCipher([_SEAL_SECRET])
    sealed = cipher.seal(b"tokens", context=_CONTEXT)
    assert sealed.isascii()
    raw = b64url_decode(sealed.decode("ascii"))
    assert len(raw) == 12 + len(b"tokens") + 16  # IV, ciphertext, tag
    assert cipher.unseal(sealed, context=_CONTEXT) == b"tokens"
    assert cipher.seal(b"tokens", context=_CONTEXT) != sealed  # a fresh IV each time
    assert cipher.unseal(cipher.seal(b"", context=_CONTEXT), context=_CONTEXT) == b""


def test_unseal_refuses_another_context_secret_or_key() -> None:
    cipher = CookieCipher([_SEAL_SECRET])
    sealed = cipher.seal(b"tokens", context=_CONTEXT)
    assert cipher.unseal(sealed, context=_CONTEXT + b" ") is None
    assert cipher.unseal(sealed, context=b"") is None
    assert CookieCipher([_OTHER_SEAL_SECRET]).unseal(sealed, context=_CONTEXT) is None
    # The sealing key is derived apart from the cookie key: one never opens the other's output.
    raw = b64url_decode(sealed.decode("ascii"))
    iv, body = raw[:12], raw[12:]
    cookie_key = AESGCM(_derive_key(_SEAL_SECRET))
    with pytest.raises(InvalidTag):
        cookie_key.decrypt(iv, body, _CONTEXT)
    seal_key = AESGCM(_derive_key(_SEAL_SECRET, b"auth0_async sealed value"))
    assert seal_key.decrypt(iv, body, _CONTEXT) == b"tokens"


def test_unseal_tries_every_secret_and_seals_with_the_first() -> None:
    old = CookieCipher([_OTHER_SEAL_SECRET])
    rotated = CookieCipher([_SEAL_SECRET, _OTHER_SEAL_SECRET])
    assert rotated.unseal(old.seal(b"v", context=_CONTEXT), context=_CONTEXT) == b"v"
    fresh = rotated.seal(b"v", context=_CONTEXT)
    assert CookieCipher([_SEAL_SECRET]).unseal(fresh, context=_CONTEXT) == b"v"
    assert old.unseal(fresh, context=_CONTEXT) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1],  # truncated
        lambda s: s + b"A",  # not canonical base64url any more
        lambda s: s[:10] + (b"B" if s[10:11] != b"B" else b"C") + s[11:],  # one byte changed
        lambda s: b"\xff" + s,  # not ASCII
        lambda s: b"",
        lambda s: b"A" * 36,  # 27 bytes: shorter than an IV and a tag
        lambda s: b"=" + s,
    ],
)
def test_unseal_refuses_tampered_or_malformed_input(mangle: Any) -> None:
    cipher = CookieCipher([_SEAL_SECRET])
    sealed = cipher.seal(b"tokens", context=_CONTEXT)
    assert cipher.unseal(mangle(sealed), context=_CONTEXT) is None


def test_unseal_accepts_exactly_an_iv_and_a_tag() -> None:
    cipher = CookieCipher([_SEAL_SECRET])
    empty = cipher.seal(b"", context=_CONTEXT)
    assert len(b64url_decode(empty.decode("ascii"))) == 28
    assert cipher.unseal(empty, context=_CONTEXT) == b""
