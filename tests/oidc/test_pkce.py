from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auth0_async._oidc._pkce import code_challenge_s256, new_code_verifier, new_nonce, new_state

FIXTURES = Path(__file__).parent / "fixtures"


def test_rfc7636_appendix_b_vector() -> None:
    vector = json.loads((FIXTURES / "rfc7636_appendix_b.json").read_text())
    assert code_challenge_s256(vector["code_verifier"]) == vector["code_challenge"]


@pytest.mark.parametrize("make", [new_state, new_nonce, new_code_verifier])
def test_random_values_are_43_base64url_chars_and_unique(make: object) -> None:
    assert callable(make)
    values = {make() for _ in range(200)}
    assert len(values) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", v) for v in values)


def test_fresh_verifier_round_trips() -> None:
    verifier = new_code_verifier()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", code_challenge_s256(verifier))


@pytest.mark.parametrize("bad", ["", "short", "a" * 42, "a" * 129, "a" * 42 + "!", "é" * 43])
def test_invalid_verifier_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="code_verifier"):
        code_challenge_s256(bad)


def test_longest_verifier_accepted() -> None:
    assert len(code_challenge_s256("~" * 128)) == 43
