"""Coverage-guided fuzzing of the cookie read path: Cookie header, chunks, JWE, session JSON.

Every input goes through the public read path, ``await auth0.get_session(scope)``,
driven with ``coroutine.send(None)`` (the stateless path awaits no I/O). The first
byte of an input picks what the rest is:

* ``0`` (any even byte): raw ``Cookie`` header bytes. The target asserts that
  ``get_session`` neither raises nor returns a session: without the secret, no
  input can be a valid cookie.
* ``1``: a plaintext payload, sealed with the real secret in nextjs-auth0 v4's
  JWE and sent as ``__session`` (chunked when long). This reaches the session
  decoder behind the AES-GCM check. The target asserts that nothing raises and
  that anything returned is a well-formed session.
* ``3``: the same, with a nextjs-auth0 v3 (legacy) protected header, which
  takes the v3 migration path.
* other odd bytes: like ``1``, cut into chunk cookies at a position the next
  two bytes choose (a gap or a reordering is possible).

Usage::

    python fuzz/fuzz_cookies.py --seed-corpus DIR     # write seed inputs and exit
    python fuzz/fuzz_cookies.py [libFuzzer flags] [DIR ...]

See ``fuzz/README.md``.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

SECRET = "0123456789abcdef" * 4
"""The secret of the client under test."""
FOREIGN_SECRET = "fedcba9876543210" * 4
"""Seeds in raw mode are sealed with this one: realistic shape, never a valid cookie."""
NOW = 1_800_000_000
"""The frozen clock of the client under test."""
_STANDARD_HEADER = b'{"enc":"A256GCM","alg":"dir"}'


class Target:
    """The fuzzed client and its checks (imported lazily, so atheris can instrument it)."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from auth0_async import Auth0Client, SessionData
        from auth0_async._core._cookies import plan_chunked_write
        from auth0_async._core._crypto import CookieCipher, b64url_encode
        from auth0_async.testing import FrozenClock

        self._session_type = SessionData
        self._plan = plan_chunked_write
        self._b64 = b64url_encode
        self.client = Auth0Client(secret=SECRET, clock=FrozenClock(NOW))
        self.cipher = CookieCipher([SECRET])
        # The same key CookieCipher derives (HKDF-SHA256, info "JWE CEK"), for legacy headers.
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK").derive(
            SECRET.encode()
        )
        self._aes = AESGCM(key)

    def read(self, header: bytes) -> object:
        """Run ``get_session`` on a scope carrying ``header`` as its Cookie header."""
        scope: dict[str, Any] = {
            "type": "http",
            "scheme": "https",
            "headers": [(b"host", b"app.example"), (b"cookie", header)],
        }
        coro = self.client.get_session(scope)
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        coro.close()
        raise AssertionError("get_session awaited I/O on the stateless path")

    def seal_legacy(self, payload: bytes) -> str:
        """Seal ``payload`` under a v3-style protected header (``iat``/``uat``/``exp``)."""
        header = self._b64(
            json.dumps(
                {"alg": "dir", "enc": "A256GCM", "iat": NOW - 60, "uat": NOW - 60, "exp": NOW + 60}
            ).encode()
        )
        iv = os.urandom(12)
        sealed = self._aes.encrypt(iv, payload, header.encode("ascii"))
        return ".".join(
            (header, "", self._b64(iv), self._b64(sealed[:-16]), self._b64(sealed[-16:]))
        )

    def check(self, data: bytes) -> None:
        """Run one fuzz input; any exception (``AssertionError`` for a wrong answer) is a finding."""
        if not data:
            return
        mode, rest = data[0], data[1:]
        if mode % 2 == 0:
            result = self.read(rest)
            if result is not None:
                raise AssertionError(f"arbitrary cookie bytes yielded a session: {rest[:200]!r}")
            return
        if mode == 3:
            value = self.seal_legacy(rest)
            header = f"appSession={value}"
        elif mode == 1:
            value = self.cipher.encrypt(rest)
            writes, _ = self._plan("__session", value, ())
            header = "; ".join(f"{name}={piece}" for name, piece in writes)
        else:
            # Chunk cookies cut at a chosen place, possibly out of order or with a gap.
            cut = int.from_bytes(rest[:2].rjust(2, b"\0"), "big")
            value = self.cipher.encrypt(rest[2:])
            cut %= max(len(value), 1)
            second = 1 + (mode >> 5 & 1)  # __session__1, or __session__2 (a gap)
            pieces = [f"__session__0={value[:cut]}", f"__session__{second}={value[cut:]}"]
            if mode & 0x40:
                pieces.reverse()
            header = "; ".join(pieces)
        result = self.read(header.encode("latin-1"))
        if result is None:
            return
        if not isinstance(result, self._session_type) or not isinstance(result.user.sub, str):
            raise TypeError(f"get_session returned {type(result).__name__}")
        if mode not in (1, 3) and (mode >> 5 & 1):
            raise AssertionError("chunks with a gap were reassembled into a session")


def _session_json(**extra: Any) -> bytes:
    wire: dict[str, Any] = {
        "user": {"sub": "auth0|fuzz", "name": "Fuzz", "email": "f@example.com"},
        "tokenSet": {
            "accessToken": "at",
            "idToken": "id",
            "refreshToken": "rt",
            "expiresAt": NOW + 3600,
            "scope": "openid profile",
        },
        "internal": {"sid": "s1", "createdAt": NOW - 10},
        "exp": NOW + 3600,
    }
    wire.update(extra)
    return json.dumps(wire, separators=(",", ":")).encode()


def seed_inputs() -> dict[str, bytes]:
    """Seed inputs covering each mode (raw seeds are sealed with a foreign secret)."""
    from auth0_async._core._crypto import CookieCipher

    foreign = CookieCipher([FOREIGN_SECRET]).encrypt(_session_json())
    big = CookieCipher([FOREIGN_SECRET]).encrypt(_session_json(pad="x" * 5000))
    legacy_header = base64.urlsafe_b64encode(
        b'{"alg":"dir","enc":"A256GCM","iat":1,"uat":1,"exp":9999999999}'
    ).rstrip(b"=")
    raw = {
        "raw-foreign": f"_ga=GA1.1.1.1; __session={foreign}",
        "raw-chunks": f"__session__0={big[:3500]}; __session__1={big[3500:]}",
        "raw-gap": f"__session__0={big[:3500]}; __session__2={big[3500:]}",
        "raw-legacy": f"appSession.0={foreign[:40]}; appSession.1={foreign[40:]}",
        "raw-quoted": f'__session="{foreign}"; x=%41%42',
        "raw-legacy-header": "__session=" + legacy_header.decode() + foreign[38:],
        "raw-junk": '=;;; ;a; __session=; __session__0=; "=%',
    }
    seeds = {name: b"\0" + value.encode() for name, value in raw.items()}
    seeds["sealed-v4"] = b"\1" + _session_json()
    seeds["sealed-extra"] = b"\1" + _session_json(custom={"a": [1, 2, {"b": None}]})
    seeds["sealed-big"] = b"\1" + _session_json(pad="y" * 4000)
    seeds["sealed-chunks"] = b"\x05\x0d\xac" + _session_json(pad="z" * 4000)
    seeds["sealed-v3"] = (
        b"\3"
        + json.dumps(
            {"user": {"sub": "auth0|v3", "sid": "s"}, "idToken": "i", "accessToken": "a"}
        ).encode()
    )
    seeds["sealed-not-json"] = b"\1" + b"[" * 64
    return seeds


def write_seed_corpus(directory: Path) -> None:
    """Write :func:`seed_inputs` into ``directory`` (one file each)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seed_inputs().items():
        (directory / name).write_bytes(data)


def main(argv: list[str]) -> None:
    """Seed a corpus (``--seed-corpus DIR``) or run libFuzzer with ``argv``."""
    if len(argv) == 3 and argv[1] == "--seed-corpus":
        write_seed_corpus(Path(argv[2]))
        return
    atheris: Any = importlib.import_module("atheris")
    with atheris.instrument_imports(include=["auth0_async"]):
        target = Target()
    atheris.Setup(argv, target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
