from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth0_async import AccessTokenSet, Internal, SessionData, TokenSet, User
from auth0_async._core._access_tokens import RefreshedTokens, apply_refresh
from auth0_async._core._models import (
    decode_session,
    encode_session,
    session_from_wire,
    session_to_wire,
    user_from_claims,
)

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


# -- exact wire round trips (declared keys holding values their typed fields cannot represent) --


def canonical(value: Any) -> bytes:
    """JSON text that tells 1 from 1.0 from true (Python's == does not)."""
    return msgspec.json.encode(value, order="sorted")


def round_trip(wire: dict[str, Any]) -> tuple[SessionData, dict[str, Any]]:
    """Decode ``wire``, re-encode it with a new ``exp``; return the session and the new JSON."""
    session = decode_session(msgspec.json.encode(wire))
    written: dict[str, Any] = msgspec.json.decode(encode_session(session, exp=1_999_999_999))
    assert written.pop("exp") == 1_999_999_999
    return session, written


def without_exp(wire: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wire.items() if k != "exp"}


def minimal(user: dict[str, Any] | None = None, **token_set: Any) -> dict[str, Any]:
    return {
        "user": {"sub": "auth0|1", **(user or {})},
        "tokenSet": {"accessToken": "at", "expiresAt": 1_700_000_000, **token_set},
        "internal": {"sid": "s", "createdAt": 1_690_000_000},
        "exp": 1_700_003_600,
    }


def test_string_booleans_stay_strings_on_the_wire_and_read_as_booleans() -> None:
    wire = minimal({"email": "a@x", "email_verified": "true"})  # AWS Cognito's ID-token claims
    session, written = round_trip(wire)
    assert canonical(written) == canonical(without_exp(wire))
    assert session.user.email_verified is True
    assert session.user["email_verified"] == "true"
    assert session.user.get("email_verified") == "true"
    assert session.user.to_dict()["email_verified"] == "true"
    assert (
        decode_session(
            msgspec.json.encode(minimal({"email_verified": "False"}))
        ).user.email_verified
        is False
    )


@pytest.mark.parametrize(
    ("claims", "readings"),
    [
        ({"sub": 123}, {"sub": "123"}),
        ({"sub": 1.5}, {"sub": "1.5"}),
        ({"org_id": 123}, {"org_id": "123"}),
        ({"email": ["a@x", "b@x"]}, {"email": None}),
        ({"name": {"first": "A"}, "nickname": True}, {"name": None, "nickname": None}),
        ({"email_verified": 1}, {"email_verified": None}),
    ],
)
def test_a_declared_claim_of_an_unexpected_type_keeps_the_session_readable(
    claims: dict[str, Any], readings: dict[str, Any]
) -> None:
    wire = minimal(claims)
    session, written = round_trip(wire)
    assert canonical(written) == canonical(without_exp(wire))
    for attr, reading in readings.items():
        assert getattr(session.user, attr) == reading
    for key, value in claims.items():
        assert session.user[key] == value  # item access is the wire


def test_explicit_nulls_survive_a_re_issue() -> None:
    wire = minimal({"name": None, "picture": None, "email": None}, scope=None, idToken=None)
    wire["accessTokens"] = [
        {"accessToken": "a2", "audience": "https://api", "expiresAt": 5, "scope": None}
    ]
    wire["internal"]["sessionExpiresAt"] = None
    session, written = round_trip(wire)
    assert canonical(written) == canonical(without_exp(wire))
    assert session.user.name is None
    assert session.user["name"] is None  # present (null), not missing
    assert session.user.get("name", "absent") is None
    assert session.user.get("nickname", "absent") == "absent"
    assert session.token_set.scope is None
    assert session.to_dict()["tokenSet"]["scope"] is None
    assert "name" in session.user.to_dict()


def test_null_internal_and_access_tokens_survive() -> None:
    wire = {**minimal(), "internal": None, "accessTokens": None}
    session, written = round_trip(wire)
    assert session.internal is None
    assert session.access_tokens is None
    assert canonical(written) == canonical(without_exp(wire))


def test_default_valued_token_fields_survive() -> None:
    wire = minimal(accessToken="", expiresAt=0)
    session, written = round_trip(wire)
    assert session.token_set.access_token == ""
    assert session.token_set.expires_at == 0
    assert canonical(written) == canonical(without_exp(wire))


def test_numbers_dates_nested_values_and_odd_characters_survive() -> None:
    wire = minimal(
        {
            "updated_at": "2024-05-01T12:00:00.000Z",
            "address": {"street": "1 Main\u2028St", "geo": {"lat": 1.25, "list": [None, True]}},
            "big": 2**53 - 1,
            "bigger": 2**64 + 1,
            "tiny": -(2**53) + 1,
            "ratio": 0.1,
            "line_sep": "a\u2028b\u2029c",
            "emoji": "\U0001f600",
        },
        expiresAt=1.7e9,
    )
    wire["internal"]["createdAt"] = 1_690_000_000.75
    wire["internal"]["sessionExpiresAt"] = "1800000000"
    session, written = round_trip(wire)
    assert canonical(written) == canonical(without_exp(wire))
    assert session.token_set.expires_at == 1_700_000_000
    assert type(session.token_set.expires_at) is int
    assert session.internal is not None
    assert session.internal.created_at == 1_690_000_000  # floored: the session is never younger
    assert session.internal.session_expires_at == 1_800_000_000
    assert session.user["big"] == 2**53 - 1


def test_float_exp_reads_floored_and_is_rewritten() -> None:
    wire = {**minimal(), "exp": 1_700_003_600.9}
    session = decode_session(msgspec.json.encode(wire))
    assert session.exp == 1_700_003_600
    assert json.loads(encode_session(session, exp=5))["exp"] == 5


def test_a_malformed_access_tokens_entry_is_kept_on_the_wire_and_skipped_when_reading() -> None:
    good = {"accessToken": "a2", "audience": "https://api", "expiresAt": 5}
    wire = {**minimal(), "accessTokens": [good, "junk", {"audience": "no token"}]}
    session, written = round_trip(wire)
    assert session.access_tokens == [
        AccessTokenSet(access_token="a2", audience="https://api", expires_at=5)
    ]
    assert canonical(written) == canonical(without_exp(wire))
    # Once the list is changed, the typed list is what gets written.
    entry = AccessTokenSet(access_token="a3", audience="https://other", expires_at=6)
    changed = msgspec.structs.replace(session, access_tokens=[*session.access_tokens, entry])
    assert session_to_wire(changed)["accessTokens"] == [
        good,
        {"accessToken": "a3", "audience": "https://other", "expiresAt": 6},
    ]
    odd = {**minimal(), "accessTokens": {"not": "a list"}}
    session, written = round_trip(odd)
    assert session.access_tokens is None
    assert canonical(written) == canonical(without_exp(odd))


def test_the_application_changing_an_attribute_wins_over_the_kept_wire_value() -> None:
    wire = minimal({"email_verified": "true", "name": None, "org_id": 7, "nickname": 5})
    session = decode_session(msgspec.json.encode(wire))
    user = msgspec.structs.replace(
        session.user, email_verified=False, name="Ada", org_id=None, nickname="5"
    )
    assert user.to_dict() == {
        "sub": "auth0|1",
        "email_verified": False,
        "name": "Ada",
        "nickname": 5,  # unchanged: "5" is still the reading of the wire's 5
    }
    assert user["email_verified"] is False
    assert user.get("name") == "Ada"
    assert user.get("org_id", "gone") == "gone"
    changed = msgspec.structs.replace(session, user=user)
    assert json.loads(encode_session(changed))["user"] == user.to_dict()


def test_a_refresh_changes_only_the_fields_it_replaces() -> None:
    wire = minimal(
        {"email_verified": "true"},
        scope=None,
        idToken="it",
        refreshToken="rt",
        token_type=None,
        requestedScope=None,
        expiresAt=1.7e9,
    )
    session = decode_session(msgspec.json.encode(wire))
    refreshed = RefreshedTokens(access_token="at-new", expires_at=1_700_003_600)
    after = apply_refresh(
        session, refreshed, to_main=True, index=None, audience=None, requested_scope=None
    )
    written = json.loads(encode_session(after))
    expected = without_exp(wire)
    expected["tokenSet"] = {**wire["tokenSet"], "accessToken": "at-new", "expiresAt": 1_700_003_600}
    assert canonical({k: v for k, v in written.items() if k != "exp"}) == canonical(expected)


def test_user_from_claims_keeps_the_providers_values() -> None:
    claims = {
        "sub": "us-east-1:abc",
        "email": "a@x",
        "email_verified": "true",
        "phone_number_verified": "false",
        "name": None,
        "org_id": 42,
        "cognito:groups": ["admins"],
    }
    user = user_from_claims(claims)
    assert user.to_dict() == claims
    assert canonical(user.to_dict()) == canonical(claims)
    assert user.email_verified is True
    assert user.org_id == "42"
    assert user_from_claims({"sub": 7}).sub == "7"
    with pytest.raises(msgspec.ValidationError):
        user_from_claims({"sub": None})
    with pytest.raises(msgspec.ValidationError):
        user_from_claims({"name": "no sub"})


def test_the_reserved_extra_key_is_an_ordinary_key_on_the_wire() -> None:
    # Only known keys besides it: the strict decoder must not fill `extra` from it.
    wire = {**minimal(), "$auth0_async.extra": {"q": 1}}
    session, written = round_trip(wire)
    assert canonical(written) == canonical(without_exp(wire))
    assert session.extra == {"$auth0_async.extra": {"q": 1}}
    nested = minimal({"$auth0_async.extra": {}})
    nested["tokenSet"]["$auth0_async.extra"] = None
    session, written = round_trip(nested)
    assert canonical(written) == canonical(without_exp(nested))
    assert session.user["$auth0_async.extra"] == {}


def test_kept_wire_values_of_token_fields_are_redacted_in_reprs() -> None:
    wire = minimal(refreshToken=1234567890123, idToken=["id", "token"])
    text = repr(decode_session(msgspec.json.encode(wire)))
    assert "1234567890123" not in text
    assert "'token'" not in text


declared_user_keys = st.sampled_from(
    [
        "name",
        "nickname",
        "given_name",
        "family_name",
        "picture",
        "email",
        "email_verified",
        "org_id",
    ]
)
declared_token_keys = st.sampled_from(
    [
        "accessToken",
        "expiresAt",
        "idToken",
        "refreshToken",
        "scope",
        "requestedScope",
        "audience",
        "token_type",
    ]
)
any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["true", "false", "TRUE", " 12 ", "-3", "1.7e9", "", "0"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
any_number = st.integers(min_value=-(2**63), max_value=2**64) | st.floats(
    allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(
    sub=st.text(max_size=12) | any_number,
    user_declared=st.dictionaries(declared_user_keys, any_json, max_size=8),
    user_custom=st.dictionaries(claim_names, any_json, max_size=3),
    token_declared=st.dictionaries(declared_token_keys, any_json, max_size=8),
    token_custom=st.dictionaries(st.text(min_size=1, max_size=8), any_json, max_size=2),
    created_at=any_number,
    sid=st.none() | st.text(max_size=8) | any_number,
    access_tokens=st.none()
    | st.just("x")
    | st.lists(
        st.fixed_dictionaries(
            {"accessToken": st.text(max_size=4), "audience": st.text(max_size=4)},
            optional={"expiresAt": any_json, "scope": any_json},
        )
        | any_json,
        max_size=3,
    ),
    top_custom=st.dictionaries(top_names, any_json, max_size=2),
)
def test_any_claim_values_round_trip_exactly(
    sub: Any,
    user_declared: dict[str, Any],
    user_custom: dict[str, Any],
    token_declared: dict[str, Any],
    token_custom: dict[str, Any],
    created_at: Any,
    sid: Any,
    access_tokens: Any,
    top_custom: dict[str, Any],
) -> None:
    wire: dict[str, Any] = {
        "user": {"sub": sub, **user_declared, **user_custom},
        "tokenSet": {**token_custom, **token_declared},
        "internal": {"createdAt": created_at, "sid": sid},
        **top_custom,
        "exp": 1_700_000_000,
    }
    if access_tokens is not None:
        wire["accessTokens"] = access_tokens
    payload = msgspec.json.encode(wire)
    session = decode_session(payload)
    written = msgspec.json.decode(encode_session(session, exp=1_800_000_000))
    assert written.pop("exp") == 1_800_000_000
    assert canonical(written) == canonical(without_exp(msgspec.json.decode(payload)))
    assert canonical(session.to_dict()) == canonical(msgspec.json.decode(payload))
    # And once more, from what was written: a second re-issue changes nothing either.
    again = decode_session(msgspec.json.encode(written))
    assert canonical(again.to_dict()) == canonical(written)
