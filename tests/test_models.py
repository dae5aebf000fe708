from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth0_async import AccessTokenSet, Internal, SessionData, TokenSet, User
from auth0_async._models import decode_session, encode_session, session_from_wire, session_to_wire

WIRE: dict[str, Any] = {
    "user": {
        "sub": "auth0|1",
        "name": "Ada",
        "email_verified": True,
        "https://example.com/roles": ["admin"],
        "sid": "s",
    },
    "tokenSet": {
        "accessToken": "at",
        "idToken": "it",
        "refreshToken": "rt",
        "expiresAt": 1700000000,
        "scope": "openid",
        "token_type": "bearer",
        "dpopBound": False,
    },
    "accessTokens": [
        {
            "accessToken": "at2",
            "audience": "https://api",
            "expiresAt": 5,
            "requestedScope": "read",
            "future": 1,
        }
    ],
    "internal": {"sid": "sid-1", "createdAt": 1690000000, "mcd": {"domain": "d", "issuer": "i"}},
    "customClaim": {"nested": [1, 2, {"x": None}]},
    "exp": 1700003600,
}


def test_snake_case_in_python_camel_case_on_the_wire() -> None:
    session = decode_session(json.dumps(WIRE).encode())
    assert session.user.sub == "auth0|1"
    assert session.token_set.access_token == "at"
    assert session.token_set.id_token == "it"
    assert session.token_set.refresh_token == "rt"
    assert session.token_set.expires_at == 1700000000
    assert session.internal is not None
    assert session.internal.sid == "sid-1"
    assert session.internal.created_at == 1690000000
    assert session.access_tokens is not None
    assert session.access_tokens[0].requested_scope == "read"
    assert session.exp == 1700003600


def test_nothing_is_lost_in_a_round_trip() -> None:
    session = decode_session(json.dumps(WIRE).encode())
    assert json.loads(encode_session(session)) == WIRE
    assert session_to_wire(session) == WIRE


def test_unknown_keys_are_reachable() -> None:
    session = decode_session(json.dumps(WIRE).encode())
    assert session.extra == {"customClaim": {"nested": [1, 2, {"x": None}]}}
    assert session.user["https://example.com/roles"] == ["admin"]
    assert session.user.get("name") == "Ada"
    assert session.user.get("missing", 7) == 7
    assert session.token_set.extra == {"dpopBound": False}
    assert session.internal is not None
    assert session.internal.extra == {"mcd": {"domain": "d", "issuer": "i"}}
    with pytest.raises(KeyError):
        session.user["nope"]


def test_known_only_payload_takes_the_strict_path_and_round_trips() -> None:
    wire = {
        "user": {"sub": "a"},
        "tokenSet": {"accessToken": "x", "expiresAt": 1},
        "internal": {"sid": "s", "createdAt": 2},
    }
    session = decode_session(json.dumps(wire).encode())
    assert json.loads(encode_session(session)) == wire


def test_loose_numbers_are_accepted() -> None:
    wire = {"user": {"sub": "a"}, "tokenSet": {"accessToken": "x", "expiresAt": 1.0}, "exp": 5.0}
    session = decode_session(json.dumps(wire).encode())
    assert session.token_set.expires_at == 1
    assert session.exp == 5


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b"null",
        b'{"user": {}}',
        b'{"user": {"sub": null}, "tokenSet": {}}',
        b'{"user": {"sub": ["a"]}, "tokenSet": {}}',
        b'{"user": {"sub": "a"}, "tokenSet": {}, "internal": {"createdAt": "soon"}}',
        b'{"user": {"sub": "a"}, "tokenSet": {}, "internal": {"sid": "s"}}',
        b'{"user": {"sub": "a"}, "tokenSet": {}, "internal": "x"}',
        b'{"user": {"sub": "a"}, "tokenSet": {}, "exp": "later"}',
        b'{"tokenSet": {}}',
        b"{",
        b'{"user": {"sub": "a"}, "tokenSet": []}',
    ],
)
def test_invalid_payloads_raise_decode_errors(payload: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_session(payload)


def test_encode_replaces_exp() -> None:
    session = SessionData(user=User(sub="a"), token_set=TokenSet(access_token="x", expires_at=1))
    assert json.loads(encode_session(session, exp=99))["exp"] == 99


def test_reprs_never_show_tokens() -> None:
    session = session_from_wire(WIRE)
    text = repr(session)
    for token in ("'at'", "'it'", "'rt'", "'at2'"):
        assert token not in text
    assert "auth0|1" in text


def test_structs_are_immutable() -> None:
    session = session_from_wire(WIRE)
    with pytest.raises(AttributeError):
        session.user = User(sub="b")  # type: ignore[misc]
    changed = msgspec.structs.replace(session, extra={**session.extra, "more": 1})
    assert json.loads(encode_session(changed))["more"] == 1


def test_user_to_dict_is_the_wire_shape() -> None:
    assert session_from_wire(WIRE).user.to_dict() == WIRE["user"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
claim_names = st.text(min_size=1, max_size=12).filter(
    lambda k: (
        k
        not in {
            "sub",
            "name",
            "nickname",
            "given_name",
            "family_name",
            "picture",
            "email",
            "email_verified",
            "org_id",
        }
        and not k.startswith("$")
    )
)
top_names = st.text(min_size=1, max_size=12).filter(
    lambda k: (
        k not in {"user", "tokenSet", "internal", "accessTokens", "exp"} and not k.startswith("$")
    )
)


@settings(max_examples=200, deadline=None)
@given(
    user_extra=st.dictionaries(claim_names, json_values, max_size=5),
    top_extra=st.dictionaries(top_names, json_values, max_size=5),
    expires_at=st.integers(min_value=1, max_value=2**40),
    refresh=st.none() | st.text(min_size=1, max_size=30),
)
def test_any_custom_claims_survive_round_trips(
    user_extra: dict[str, Any], top_extra: dict[str, Any], expires_at: int, refresh: str | None
) -> None:
    wire: dict[str, Any] = {
        "user": {"sub": "u", **user_extra},
        "tokenSet": {
            "accessToken": "a",
            "expiresAt": expires_at,
            **({"refreshToken": refresh} if refresh else {}),
        },
        "internal": {"createdAt": 1},
        **top_extra,
    }
    session = decode_session(msgspec.json.encode(wire))
    assert session.user.extra == user_extra
    assert session.extra == top_extra
    assert msgspec.json.decode(encode_session(session)) == wire


def test_python_built_sessions_encode_to_the_wire_shape() -> None:
    session = SessionData(
        user=User(sub="a", extra={"c": 1}),
        token_set=TokenSet(access_token="x", expires_at=1),
        internal=Internal(created_at=3, sid="s"),
        access_tokens=[AccessTokenSet(access_token="y", audience="aud", expires_at=2)],
    )
    assert json.loads(encode_session(session)) == {
        "user": {"sub": "a", "c": 1},
        "tokenSet": {"accessToken": "x", "expiresAt": 1},
        "internal": {"createdAt": 3, "sid": "s"},
        "accessTokens": [{"accessToken": "y", "audience": "aud", "expiresAt": 2}],
    }
