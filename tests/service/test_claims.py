"""Which ID-token claims a session keeps (``_service/_claims``), with and without ``before_session_saved``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from auth0_async._core._models import Internal, SessionData, TokenSet, user_from_claims
from auth0_async._service._claims import (
    DEFAULT_ID_TOKEN_CLAIMS,
    ClaimsPolicy,
    filter_default_id_token_claims,
)

pytestmark = pytest.mark.anyio

CLAIMS = {
    "sub": "auth0|alice",
    "name": "Alice",
    "email": "a@example.com",
    "https://example.com/roles": ["admin"],
    "auth_time": 1,
}
INTERNAL = Internal(created_at=1_800_000_000, sid="sid-1")


def session(claims: dict[str, Any] = CLAIMS) -> SessionData:
    return SessionData(
        user=user_from_claims(claims), token_set=TokenSet(access_token="at"), internal=INTERNAL
    )


def test_the_default_filter_keeps_only_the_default_claims() -> None:
    assert filter_default_id_token_claims(CLAIMS) == {
        "sub": "auth0|alice",
        "name": "Alice",
        "email": "a@example.com",
    }
    assert "sub" in DEFAULT_ID_TOKEN_CLAIMS


async def test_without_a_hook_login_keeps_the_default_claims() -> None:
    saved = await ClaimsPolicy(None).at_login(session(), "id-token")
    assert saved.user.to_dict() == {"sub": "auth0|alice", "name": "Alice", "email": "a@example.com"}
    assert saved.internal is INTERNAL


async def test_a_sync_or_async_hook_decides_and_cannot_change_internal() -> None:
    seen: list[str | None] = []

    def forge(value: SessionData, id_token: str | None) -> SessionData:
        seen.append(id_token)
        return msgspec.structs.replace(
            value, internal=Internal(created_at=1, sid="forged"), extra={"kept": True}
        )

    async def forge_async(value: SessionData, id_token: str | None) -> SessionData:
        return forge(value, id_token)

    for hook in (forge, forge_async):
        saved = await ClaimsPolicy(hook).at_login(session(), "id-token")
        assert saved.user["https://example.com/roles"] == ["admin"]  # the hook sees every claim
        assert saved.extra == {"kept": True}
        assert saved.internal is INTERNAL
    assert seen == ["id-token", "id-token"]


async def test_a_hook_returning_something_else_is_a_type_error() -> None:
    policy = ClaimsPolicy(lambda value, id_token: {"user": "x"})  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="SessionData"):
        await policy.at_login(session(), None)


async def test_a_refresh_merges_new_default_claims_over_the_users() -> None:
    current = session({"sub": "auth0|alice", "name": "Alice", "nickname": "al"})
    refreshed = await ClaimsPolicy(None).after_refresh(
        current, "new-id-token", {"sub": "auth0|alice", "name": "Alice B.", "custom": 1}
    )
    assert refreshed.user.to_dict() == {"sub": "auth0|alice", "name": "Alice B.", "nickname": "al"}
    unchanged = await ClaimsPolicy(None).after_refresh(current, None, None)
    assert unchanged is current


async def test_with_a_hook_a_refresh_merges_every_claim_then_runs_it() -> None:
    calls: list[str | None] = []

    def hook(value: SessionData, id_token: str | None) -> SessionData:
        calls.append(id_token)
        return value

    current = session({"sub": "auth0|alice", "https://example.com/tier": "gold"})
    refreshed = await ClaimsPolicy(hook).after_refresh(current, "t", {"custom": 1})
    assert refreshed.user["custom"] == 1
    assert refreshed.user["https://example.com/tier"] == "gold"
    assert calls == ["t"]
