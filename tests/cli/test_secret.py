from __future__ import annotations

import re

import pytest

from auth0_async import Auth0Client
from auth0_async._core._crypto import b64url_decode

from ._run import run, run_module


def test_a_secret_is_32_random_bytes_in_hex() -> None:
    first, second = run("secret"), run("secret")
    assert first.code == 0
    value = first.out.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert len(bytes.fromhex(value)) == 32
    assert second.out.strip() != value  # fresh randomness each time
    assert first.err == ""


def test_base64url_and_more_bytes() -> None:
    value = run("secret", "--base64url").out.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    assert len(b64url_decode(value)) == 32
    assert len(bytes.fromhex(run("secret", "--bytes", "48").out.strip())) == 48


def test_fewer_than_32_bytes_is_refused() -> None:
    result = run("secret", "--bytes", "16")
    assert result.code == 2
    assert result.out == ""
    assert "at least 32" in result.err


@pytest.mark.parametrize("flag", [[], ["--base64url"]])
def test_the_secret_is_accepted_by_the_client_without_a_warning(flag: list[str]) -> None:
    # pytest turns warnings into errors: a SecurityWarning (short secret) would fail this.
    Auth0Client(secret=run("secret", *flag).out.strip())


def test_python_dash_m() -> None:
    result = run_module("secret")
    assert result.code == 0, result.err
    assert re.fullmatch(r"[0-9a-f]{64}\n", result.out)
