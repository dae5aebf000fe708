"""get_session on a ~3.3 KB cookie, as a ratio against the practical limit measured in the same run.

The practical limit: split the Cookie header, base64url-decode, one AES-GCM decrypt with a key
derived once, one msgspec Struct decode. No timing is asserted anywhere; this prints numbers.

    python bench/bench_get_session.py [--json out.json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import time
from typing import TYPE_CHECKING, Any

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.jwe import JWERegistry
from joserfc.jwk import OctKey

from auth0_async import Auth0Client, SessionData
from auth0_async.testing import generate_session_cookie

if TYPE_CHECKING:
    from collections.abc import Callable

SECRET = "0123456789abcdef" * 4
TARGET = 1.3


def realistic_session(size: int) -> dict[str, Any]:
    """A session shaped like a real Auth0 one; the ID token is padded to reach `size` bytes of cookie."""
    now = int(time.time())

    def fake_jwt(n: int) -> str:
        return base64.urlsafe_b64encode(os.urandom(n)).decode().rstrip("=")

    wire: dict[str, Any] = {
        "user": {
            "sub": "auth0|65f1c2d3e4b5a6978899aabb",
            "name": "Ada Lovelace",
            "nickname": "ada",
            "picture": "https://s.gravatar.com/avatar/0123456789abcdef0123456789abcdef?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fad.png",
            "email": "ada@example.com",
            "email_verified": True,
        },
        "tokenSet": {
            "accessToken": fake_jwt(600),
            "idToken": "",
            "refreshToken": fake_jwt(40),
            "expiresAt": now + 86400,
            "scope": "openid profile email offline_access",
        },
        "internal": {"sid": fake_jwt(24), "createdAt": now},
    }
    pad = 0
    while True:
        wire["tokenSet"]["idToken"] = fake_jwt(pad)
        if len(generate_session_cookie(wire, secret=SECRET)) >= size:
            return wire
        pad += 16


def practical_limit(cookie_header: str) -> Callable[[], object]:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK").derive(
        SECRET.encode()
    )
    aes = AESGCM(key)
    decoder = msgspec.json.Decoder(SessionData)

    def b64(s: str) -> bytes:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    def run() -> object:
        value = ""
        for part in cookie_header.split(";"):
            name, _, v = part.strip().partition("=")
            if name == "__session":
                value = v
                break
        head, _, iv, ct, tag = value.split(".")
        plain = aes.decrypt(b64(iv), b64(ct) + b64(tag), head.encode())
        return decoder.decode(plain)

    return run


def ours(cookie_header: str) -> Callable[[], object]:
    auth0 = Auth0Client(secret=SECRET)
    raw = cookie_header.encode()

    def run() -> object:
        scope = {"type": "http", "headers": [(b"host", b"app.example"), (b"cookie", raw)]}
        coro = auth0.get_session(scope)
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("get_session awaited I/O on the stateless path")

    return run


def joserfc_json(cookie_header: str) -> Callable[[], object]:
    key = OctKey.import_key(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK").derive(
            SECRET.encode()
        )
    )
    registry = JWERegistry(algorithms=["dir", "A256GCM"])
    value = cookie_header.split("__session=", 1)[1].split(";", 1)[0]

    def run() -> object:
        return jwt.decode(value, key, registry=registry).claims

    return run


def measure(fn: Callable[[], object], *, rounds: int = 15, number: int = 2000) -> float:
    """Median seconds per call over `rounds` batches of `number` calls."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke run)")
    args = parser.parse_args()
    rounds, number = (3, 200) if args.quick else (15, 2000)

    wire = realistic_session(3300)
    value = generate_session_cookie(wire, secret=SECRET)
    header = f"_ga=GA1.1.123.456; theme=dark; __session={value}"
    assert ours(header)() is not None

    limit = measure(practical_limit(header), rounds=rounds, number=number)
    rows = [
        ("practical limit (split, b64, AES-GCM, msgspec)", limit),
        ("auth0_async get_session(scope)", measure(ours(header), rounds=rounds, number=number)),
        ("joserfc jwt.decode + json", measure(joserfc_json(header), rounds=rounds, number=number)),
    ]
    print(
        f"get_session on a {len(value)}-byte cookie · Python {platform.python_version()} · {platform.machine()}"
    )
    print(f"{'path':50} {'median µs':>10} {'× limit':>8}")
    for name, seconds in rows:
        print(f"{name:50} {seconds * 1e6:10.2f} {seconds / limit:8.2f}")
    ratio = rows[1][1] / limit
    print(
        f"target: auth0_async ≤ {TARGET}× the limit → {'met' if ratio <= TARGET else 'NOT met'} ({ratio:.2f}×)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "cookie_bytes": len(value),
                    "rows": dict(rows),
                    "ratio": ratio,
                    "target": TARGET,
                },
                fh,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
