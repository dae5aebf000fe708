"""Sans-I/O access-token logic: scopes, which token set serves a request, session changes after a refresh.

Follows nextjs-auth0 v4's ``getTokenSet`` (reference §4.3): the session's main
token set serves the default audience; tokens for other audiences (multi-resource
refresh tokens) are cached in ``access_tokens``; the refresh token and ID token
always live on the main token set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from .._exceptions import AccessTokenError
from ._crypto import b64url_decode
from ._models import AccessTokenSet, SessionData, TokenSet

__all__ = [
    "AccessToken",
    "RefreshedTokens",
    "Selection",
    "apply_refresh",
    "as_access_token",
    "check_refreshed_identity",
    "merge_scopes",
    "original_identity",
    "select_token_set",
]


class AccessToken(msgspec.Struct, frozen=True, kw_only=True):
    """An access token ready to call an API with (what ``get_access_token`` returns)."""

    token: str
    expires_at: int
    """Expiry, epoch seconds (0 when the provider did not say)."""
    scope: str | None = None
    token_type: str | None = None
    audience: str | None = None

    def __repr__(self) -> str:
        return f"AccessToken(token=<redacted>, expires_at={self.expires_at}, scope={self.scope!r}, audience={self.audience!r})"


class RefreshedTokens(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one refresh grant, as shared between the callers of a flight."""

    access_token: str
    expires_at: int
    token_type: str | None = None
    scope: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    claims: dict[str, Any] | None = None


def _stored_claims(id_token: str | None) -> dict[str, Any]:
    """Read the payload of the session's stored ID token (verified when stored), or ``{}``."""
    if not id_token or len(id_token) > 16_384:
        return {}
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = msgspec.json.decode(b64url_decode(parts[1]))
    except (ValueError, msgspec.DecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def original_identity(session: SessionData) -> tuple[str | None, str]:
    """Return the ``(iss, sub)`` the session was issued for.

    Read from the stored ID token (it was verified at login or at the last
    refresh, and it lives in the encrypted cookie or the session store); the
    ``sub`` falls back to the user's, the ``iss`` to ``None`` (unknown).
    """
    claims = _stored_claims(session.token_set.id_token)
    iss, sub = claims.get("iss"), claims.get("sub")
    return (
        iss if isinstance(iss, str) else None,
        sub if isinstance(sub, str) and sub else session.user.sub,
    )


def check_refreshed_identity(session: SessionData, refreshed: RefreshedTokens) -> None:
    """Refuse a refresh whose new ID token names another user or issuer (OIDC Core 12.2).

    The ID token's signature, audience and issuer were verified when the grant
    ran (``refreshed.claims`` is only set then); this adds that its ``iss`` and
    ``sub`` are those of the session's original ID token.

    Raises:
        AccessTokenError: (``failed_to_refresh_token``) they differ.

    """
    claims = refreshed.claims
    if not claims:
        return
    iss, sub = original_identity(session)
    if claims.get("sub") != sub:
        raise AccessTokenError(
            "failed_to_refresh_token",
            "The refreshed ID token is for another user (sub); the session was left unchanged.",
        )
    if iss is not None and claims.get("iss") != iss:
        raise AccessTokenError(
            "failed_to_refresh_token",
            "The refreshed ID token is from another issuer (iss); the session was left unchanged.",
        )


def merge_scopes(*scopes: str | None) -> str:
    """Union of space-separated scopes, in first-seen order."""
    seen: dict[str, None] = {}
    for scope in scopes:
        for item in (scope or "").split():
            seen.setdefault(item, None)
    return " ".join(seen)


def _scope_set(scope: str | None) -> set[str]:
    return set((scope or "").split())


@dataclass(frozen=True, slots=True)
class Selection:
    """Which token set serves a request: the main one, an ``access_tokens`` entry, or none yet."""

    main: bool
    index: int | None
    access_token: str
    expires_at: int
    scope: str | None
    token_type: str | None
    audience: str | None


def select_token_set(
    session: SessionData,
    *,
    audience: str | None,
    scope: str | None,
    default_audience: str | None,
    global_scope: str,
) -> Selection | None:
    """Find the cached token set for ``audience`` and ``scope`` (``None``: none cached yet)."""
    token_set = session.token_set
    main_audience = token_set.audience or default_audience
    requested = _scope_set(scope)
    if (audience is None or audience == main_audience) and (
        scope is None or requested <= _scope_set(token_set.requested_scope or global_scope)
    ):
        return Selection(
            main=True,
            index=None,
            access_token=token_set.access_token,
            expires_at=token_set.expires_at,
            scope=token_set.scope,
            token_type=token_set.token_type,
            audience=token_set.audience or audience,
        )
    best: tuple[int, int] | None = None
    for index, entry in enumerate(session.access_tokens or ()):
        if entry.audience != (audience or main_audience):
            continue
        if requested <= _scope_set(entry.requested_scope or entry.scope):
            size = len(_scope_set(entry.scope))
            if best is None or size < best[0]:
                best = (size, index)
    if best is None:
        return None
    entry = (session.access_tokens or [])[best[1]]
    return Selection(
        main=False,
        index=best[1],
        access_token=entry.access_token,
        expires_at=entry.expires_at,
        scope=entry.scope,
        token_type=entry.token_type,
        audience=entry.audience,
    )


def apply_refresh(
    session: SessionData,
    refreshed: RefreshedTokens,
    *,
    to_main: bool,
    index: int | None,
    audience: str | None,
    requested_scope: str | None,
) -> SessionData:
    """Return the session with a refresh's tokens stored in the main set or an ``access_tokens`` entry.

    A rotated refresh token and a new ID token always go to the main token set
    (an ID token is kept when the provider sends none). The user's claims are
    the caller's business (see ``LoginFlows.finalize_refresh``).
    """
    old = session.token_set
    main_changes: dict[str, Any] = {
        "refresh_token": refreshed.refresh_token or old.refresh_token,
        "id_token": refreshed.id_token or old.id_token,
    }
    access_tokens = session.access_tokens
    if to_main:
        main_changes.update(
            access_token=refreshed.access_token,
            expires_at=refreshed.expires_at,
            scope=refreshed.scope or old.scope,
            token_type=refreshed.token_type or old.token_type,
        )
        if requested_scope is not None:
            main_changes["requested_scope"] = requested_scope
    else:
        entry = AccessTokenSet(
            access_token=refreshed.access_token,
            audience=audience or "",
            expires_at=refreshed.expires_at,
            scope=refreshed.scope,
            requested_scope=requested_scope,
            token_type=refreshed.token_type,
        )
        entries = list(access_tokens or ())
        if index is not None and index < len(entries):
            entries[index] = entry
        else:
            entries.append(entry)
        access_tokens = entries
    token_set: TokenSet = msgspec.structs.replace(old, **main_changes)
    return msgspec.structs.replace(session, token_set=token_set, access_tokens=access_tokens)


def as_access_token(selection: Selection) -> AccessToken:
    """Expose a selected token set as an :class:`AccessToken`."""
    return AccessToken(
        token=selection.access_token,
        expires_at=selection.expires_at,
        scope=selection.scope,
        token_type=selection.token_type,
        audience=selection.audience,
    )
