"""The browser side of :class:`~auth0_async.testing.MockAuth0`: ``/authorize`` and its login page.

An authorization request is validated (``_mock_authorize``), answered at
once from a fresh tenant session (SSO) or with ``login_required`` for
``prompt=none``, or parked while the user picks a test user on the login
page; the pick starts a tenant session and redirects back with a code.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._mock_authorize import BadAuthorizationRequest, ErrorRedirect, parse_authorization_request
from ._mock_http import OAuthFailure, Reply, parse_params, with_query
from ._mock_pages import error_page, login_page
from ._mock_state import Expiring, PendingAuthorization

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._mock_grants import TokenService
    from ._mock_http import Request
    from ._mock_sessions import TenantSessions
    from ._mock_state import TenantSession
    from ._mock_tenant import Tenant

__all__ = ["LOGIN_PATH", "LoginService"]

LOGIN_PATH = "/authorize/login"
"""Where the login page posts the user's pick."""
_PENDING_TTL = 600
_MAX_PENDING = 1_000


class LoginService:
    """Serves ``/authorize`` and the login form it shows, and plays the browser for tests."""

    __slots__ = ("_pending", "_sessions", "_tenant", "_tokens")

    def __init__(self, tenant: Tenant, sessions: TenantSessions, tokens: TokenService) -> None:
        self._tenant = tenant
        self._sessions = sessions
        self._tokens = tokens
        self._pending: Expiring[PendingAuthorization] = Expiring(_MAX_PENDING, tenant.now)

    def callback_for(self, authorize_url: str, *, user: str) -> str:
        """Open ``authorize_url`` in a browser without a tenant session, log ``user`` in.

        Returns the redirect back to the application (see
        :meth:`MockAuth0.authorize_url_to_callback`).

        Raises:
            ValueError: not this tenant's authorization endpoint, an invalid
                request that cannot be redirected, or no such test user.

        """
        tenant = self._tenant
        parts = urlsplit(authorize_url)
        if f"{parts.scheme}://{parts.netloc}".lower() != tenant.base or parts.path != "/authorize":
            raise ValueError(f"not the authorization endpoint of {tenant.issuer}: {authorize_url}")
        picked = tenant.find_user(user)
        params, repeated = parse_params(parts.query)
        try:
            request, prompts = self._authorization_request(params, repeated)
        except BadAuthorizationRequest as exc:
            raise ValueError(f"invalid authorization request: {exc}") from None
        except ErrorRedirect as exc:
            return exc.location
        if "none" in prompts:
            return self._error_location(request, "login_required", "the user is not logged in")
        session, _ = self._sessions.start(picked.sub)
        return self._issue_code(request, session)

    async def authorize(self, request: Request) -> Reply:
        """Serve ``GET /authorize``."""
        params, repeated = parse_params(request.query_string)
        try:
            pending, prompts = self._authorization_request(params, repeated)
        except BadAuthorizationRequest as exc:
            return Reply.html(error_page("Invalid authorization request", str(exc)), status=400)
        except ErrorRedirect as exc:
            return Reply.redirect(exc.location)
        session = self._sessions.of(request)
        fresh = session is not None and (
            pending.max_age is None or self._tenant.now() - session.auth_time <= pending.max_age
        )
        if "none" in prompts and not fresh:
            return Reply.redirect(
                self._error_location(pending, "login_required", "the user is not logged in")
            )
        if session is not None and fresh and not prompts & {"login", "select_account"}:
            return Reply.redirect(self._issue_code(pending, session))
        request_id = secrets.token_urlsafe(24)
        self._pending.put(request_id, pending, expires_at=self._tenant.now() + _PENDING_TTL)
        page = login_page(
            action=LOGIN_PATH,
            request_id=request_id,
            users=self._tenant.users,
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            scope=pending.scope,
            issuer=self._tenant.issuer,
        )
        return Reply.html(page)

    async def login(self, request: Request) -> Reply:
        """Serve ``POST /authorize/login``: the login page's pick (or cancel)."""
        try:
            form = await request.form()
        except OAuthFailure as exc:
            return Reply.html(error_page("Invalid login request", exc.description), status=400)
        pending = self._pending.pop(form.get("request", ""))
        if pending is None:
            return Reply.html(
                error_page(
                    "Login request expired",
                    "This login request is unknown, was already used or has expired. "
                    "Start the login again from the application.",
                ),
                status=400,
            )
        if "cancel" in form:
            return Reply.redirect(
                self._error_location(pending, "access_denied", "the user cancelled the login"),
                status=303,
            )
        user = self._tenant.users_by_sub.get(form.get("user", ""))
        if user is None:
            return Reply.html(error_page("Unknown user", "Pick one of the test users."), status=400)
        session, cookie = self._sessions.start(user.sub)
        return Reply.redirect(
            self._issue_code(pending, session),
            status=303,
            headers=[self._sessions.set_cookie(cookie)],
        )

    def _authorization_request(
        self, params: Mapping[str, str] | None, repeated: set[str]
    ) -> tuple[PendingAuthorization, frozenset[str]]:
        return parse_authorization_request(
            params,
            repeated,
            clients=self._tenant.clients,
            allowed=self._tenant.redirect_allowed,
            issuer=self._tenant.issuer,
        )

    def _error_location(self, request: PendingAuthorization, error: str, description: str) -> str:
        return with_query(
            request.redirect_uri,
            {
                "error": error,
                "error_description": description,
                "state": request.state,
                "iss": self._tenant.issuer,
            },
        )

    def _issue_code(self, request: PendingAuthorization, session: TenantSession) -> str:
        code = self._tokens.issue_code(request, session)
        return with_query(
            request.redirect_uri, {"code": code, "state": request.state, "iss": self._tenant.issuer}
        )
