"""The token side of :class:`~auth0_async.testing.MockAuth0`: codes, grants and tokens.

Serves the token endpoint (``authorization_code`` with PKCE, ``refresh_token``
with rotation and reuse detection), ``/userinfo`` and ``/oauth/revoke``. Every
token of one login belongs to one grant; revoking the grant revokes them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ._mock_http import OAuthFailure, Reply
from ._mock_state import (
    AccessTokenRecord,
    AuthorizationCode,
    Expiring,
    Grant,
    RefreshTokenRecord,
    token_key,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from ._mock_http import Request
    from ._mock_keys import KeyRing
    from ._mock_state import PendingAuthorization, TenantSession
    from ._mock_users import MockClient, MockUser

__all__ = ["OIDC_SCOPES", "SCOPED_CLAIMS", "TokenService"]

_CODE_TTL = 60
_REFRESH_TTL = 30 * 24 * 3600
_MAX_CODES = 1_000
_MAX_TOKENS = 10_000
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
OIDC_SCOPES = frozenset({"openid", "profile", "email", "address", "phone", "offline_access"})
"""The OpenID Connect scopes the tenant knows."""
SCOPED_CLAIMS = {
    "profile": frozenset(
        {
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        }
    ),
    "email": frozenset({"email", "email_verified"}),
    "address": frozenset({"address"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
}
"""The standard claims each scope releases; other user claims are always released."""


class TokenService:
    """Authorization codes, grants, access and refresh tokens of one tenant."""

    def __init__(
        self,
        *,
        issuer: str,
        userinfo_url: str,
        keys: KeyRing,
        users: Mapping[str, MockUser],
        clients: Mapping[str, MockClient],
        access_ttl: int,
        id_ttl: int,
        rotation: bool,
        now: Callable[[], float],
    ) -> None:
        self.issuer = issuer
        self._userinfo_url = userinfo_url
        self._keys = keys
        self._users_by_sub = users
        self._clients = clients
        self._access_ttl = access_ttl
        self._id_ttl = id_ttl
        self._rotation = rotation
        self._now = now
        self.grant_counts: Counter[str] = Counter()
        self._codes: Expiring[AuthorizationCode] = Expiring(_MAX_CODES, now)
        self._grants: Expiring[Grant] = Expiring(_MAX_TOKENS, now)
        self._refresh_tokens: Expiring[RefreshTokenRecord] = Expiring(_MAX_TOKENS, now)
        self._access_tokens: Expiring[AccessTokenRecord] = Expiring(_MAX_TOKENS, now)

    def issue_code(self, request: PendingAuthorization, session: TenantSession) -> str:
        """Return a new one-time authorization code (valid 60 s) for ``request``."""
        code = secrets.token_urlsafe(32)
        record = AuthorizationCode(request, session, grant_id=secrets.token_urlsafe(16))
        self._codes.put(token_key(code), record, expires_at=self._now() + _CODE_TTL)
        return code

    # -- token endpoint -------------------------------------------------------------------

    async def token(self, request: Request) -> Reply:
        """Serve ``POST /oauth/token``."""
        grant_type: str | None = None
        try:
            form = await request.form()
            grant_type = form.get("grant_type")
            client = self._authenticate(request, form)
            if grant_type == "authorization_code":
                body = self._authorization_code_grant(client, form)
            elif grant_type == "refresh_token":
                body = self._refresh_token_grant(client, form)
            elif grant_type is None:
                raise OAuthFailure("invalid_request", "grant_type is required")
            else:
                raise OAuthFailure(
                    "unsupported_grant_type", f"grant_type {grant_type} is not supported"
                )
        except OAuthFailure as exc:
            self.grant_counts[f"{_counted(grant_type)}:failed"] += 1
            return exc.reply()
        self.grant_counts[_counted(grant_type)] += 1
        return Reply.json(body)

    def _authenticate(self, request: Request, form: Mapping[str, str]) -> MockClient:
        authorization = request.headers.get("authorization", "")
        basic = authorization[:6].lower() == "basic "
        challenge = [("www-authenticate", 'Basic realm="MockAuth0"')] if basic else []
        refused = OAuthFailure(
            "invalid_client", "client authentication failed", status=401, headers=challenge
        )
        if basic:
            if "client_secret" in form:
                raise OAuthFailure("invalid_request", "use one client authentication method")
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                raise refused from None
            user, sep, password = decoded.partition(":")
            if not sep:
                raise refused
            client_id, secret = unquote_plus(user), unquote_plus(password)
            if form.get("client_id", client_id) != client_id:
                raise OAuthFailure("invalid_request", "client_id does not match the credentials")
        elif "client_secret" in form:
            client_id, secret = form.get("client_id", ""), form["client_secret"]
        else:
            raise OAuthFailure("invalid_client", "client authentication is required", status=401)
        client = self._clients.get(client_id)
        if client is None or not hmac.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            raise refused
        return client

    def _authorization_code_grant(
        self, client: MockClient, form: Mapping[str, str]
    ) -> dict[str, Any]:
        code = _required(form, "code")
        record = self._codes.get(token_key(code))
        if record is None or record.request.client_id != client.client_id:
            raise OAuthFailure("invalid_grant", "the authorization code is invalid or expired")
        if record.used:
            self._revoke_grant(record.grant_id)
            raise OAuthFailure(
                "invalid_grant",
                "the authorization code was already used; tokens issued for it are revoked",
            )
        record.used = True  # any presentation burns the code, even a failed one
        pending = record.request
        if form.get("redirect_uri") != pending.redirect_uri:
            raise OAuthFailure(
                "invalid_grant", "redirect_uri does not match the authorization request"
            )
        verifier = form.get("code_verifier")
        if verifier is None:
            raise OAuthFailure("invalid_grant", "code_verifier is required (PKCE)")
        if not _VERIFIER.fullmatch(verifier):
            raise OAuthFailure("invalid_grant", "code_verifier is malformed")
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=")
        if not hmac.compare_digest(challenge, pending.code_challenge.encode("ascii")):
            raise OAuthFailure("invalid_grant", "PKCE verification failed")
        scopes = pending.scope.split()
        expires_at = self._now() + (
            _REFRESH_TTL if "offline_access" in scopes else self._access_ttl
        )
        grant = Grant(
            client_id=client.client_id,
            session=record.session,
            scope=pending.scope,
            audience=pending.audience,
            expires_at=expires_at,
        )
        self._grants.put(record.grant_id, grant, expires_at=expires_at)
        return self._token_response(
            record.grant_id,
            grant,
            scope=pending.scope,
            audience=pending.audience,
            nonce=pending.nonce,
            refresh="offline_access" in scopes,
        )

    def _refresh_token_grant(self, client: MockClient, form: Mapping[str, str]) -> dict[str, Any]:
        token = _required(form, "refresh_token")
        record = self._refresh_tokens.get(token_key(token))
        grant = None if record is None else self._grants.get(record.grant_id)
        if record is None or grant is None or grant.revoked or grant.client_id != client.client_id:
            raise OAuthFailure("invalid_grant", "the refresh token is invalid, expired or revoked")
        if record.used:
            self._revoke_grant(record.grant_id)
            raise OAuthFailure(
                "invalid_grant",
                "the refresh token was already used (rotated); its token family is revoked",
            )
        granted = grant.scope.split()
        audience = form.get("audience") or grant.audience
        scope = grant.scope
        if "scope" in form:
            wanted = list(dict.fromkeys(form["scope"].split()))
            extra = [s for s in wanted if s not in granted]
            # Another API's scopes may be asked for (Auth0's multi-resource
            # refresh tokens); more of the original API or of OpenID may not.
            if extra and (audience == grant.audience or OIDC_SCOPES.intersection(extra)):
                raise OAuthFailure("invalid_scope", f"scope {extra[0]} was not granted")
            scope = " ".join(wanted)
        if self._rotation:
            record.used = True
        return self._token_response(
            record.grant_id,
            grant,
            scope=scope,
            audience=audience,
            nonce=None,
            refresh=self._rotation,
        )

    def _token_response(
        self,
        grant_id: str,
        grant: Grant,
        *,
        scope: str,
        audience: str | None,
        nonce: str | None,
        refresh: bool,
    ) -> dict[str, Any]:
        now = int(self._now())
        scopes = scope.split()
        sub = grant.session.sub
        userinfo = self._userinfo_url
        aud: str | list[str] = userinfo
        if audience is not None:
            aud = [audience, userinfo] if "openid" in scopes else audience
        access_token = self._keys.sign(
            {
                "iss": self.issuer,
                "sub": sub,
                "aud": aud,
                "iat": now,
                "exp": now + self._access_ttl,
                "scope": scope,
                "azp": grant.client_id,
                "jti": secrets.token_urlsafe(16),
            }
        )
        expires_at = now + self._access_ttl
        self._access_tokens.put(
            token_key(access_token),
            AccessTokenRecord(grant_id=grant_id, sub=sub, scope=scope, expires_at=expires_at),
            expires_at=expires_at,
        )
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self._access_ttl,
            "scope": scope,
        }
        if "openid" in scopes:
            claims = _user_claims(self._users_by_sub[sub], scopes)
            claims.update(
                iss=self.issuer,
                sub=sub,
                aud=grant.client_id,
                iat=now,
                exp=now + self._id_ttl,
                auth_time=grant.session.auth_time,
                sid=grant.session.sid,
            )
            if nonce is not None:
                claims["nonce"] = nonce
            body["id_token"] = self._keys.sign(claims)
        if refresh:
            refresh_token = secrets.token_urlsafe(48)
            self._refresh_tokens.put(
                token_key(refresh_token), RefreshTokenRecord(grant_id), expires_at=grant.expires_at
            )
            body["refresh_token"] = refresh_token
        return body

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self._grants.get(grant_id)
        if grant is not None:
            grant.revoked = True
        self._refresh_tokens.remove_where(lambda r: r.grant_id == grant_id)
        self._access_tokens.remove_where(lambda r: r.grant_id == grant_id)

    # -- userinfo and revocation ----------------------------------------------------------

    async def userinfo(self, request: Request) -> Reply:
        """Serve ``/userinfo`` (Bearer token in the ``Authorization`` header)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Reply(401, [("www-authenticate", 'Bearer realm="MockAuth0"')])
        record = self._access_tokens.get(token_key(token))
        grant = None if record is None else self._grants.get(record.grant_id)
        if record is None or grant is None or grant.revoked:
            return OAuthFailure(
                "invalid_token",
                "the access token is invalid, expired or revoked",
                status=401,
                headers=[("www-authenticate", 'Bearer realm="MockAuth0", error="invalid_token"')],
            ).reply()
        scopes = record.scope.split()
        if "openid" not in scopes:
            return OAuthFailure(
                "insufficient_scope",
                "the access token lacks the openid scope",
                status=403,
                headers=[
                    ("www-authenticate", 'Bearer realm="MockAuth0", error="insufficient_scope"')
                ],
            ).reply()
        user = self._users_by_sub[record.sub]
        return Reply.json({"sub": user.sub, **_user_claims(user, scopes)})

    async def revoke(self, request: Request) -> Reply:
        """Serve ``POST /oauth/revoke`` (RFC 7009)."""
        try:
            form = await request.form()
            client = self._authenticate(request, form)
            key = token_key(_required(form, "token"))
            refresh = self._refresh_tokens.get(key)
            access = self._access_tokens.get(key)
            grant_id = refresh.grant_id if refresh else access.grant_id if access else None
            grant = None if grant_id is None else self._grants.get(grant_id)
            if grant is not None and grant.client_id != client.client_id:
                raise OAuthFailure("unauthorized_client", "the token belongs to another client")
        except OAuthFailure as exc:
            return exc.reply()
        if refresh is not None:
            self._revoke_grant(refresh.grant_id)
        elif access is not None:
            self._access_tokens.pop(key)
        return Reply(200, [("cache-control", "no-store")])


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if value is None:
        raise OAuthFailure("invalid_request", f"{name} is required")
    return value


def _counted(grant_type: str | None) -> str:
    return grant_type if grant_type in ("authorization_code", "refresh_token") else "other"


def _user_claims(user: MockUser, scopes: Sequence[str]) -> dict[str, Any]:
    """Return the user's claims that ``scopes`` release (custom claims always), ``sub`` aside."""
    hidden = set().union(*(c for s, c in SCOPED_CLAIMS.items() if s not in scopes))
    return {k: v for k, v in user.to_claims().items() if k != "sub" and k not in hidden}
