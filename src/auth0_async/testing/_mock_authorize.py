"""``/authorize`` request validation for :class:`~auth0_async.testing.MockAuth0` (no I/O)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ._mock_http import with_query
from ._mock_state import PendingAuthorization

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ._mock_users import MockClient

__all__ = ["PROMPTS", "BadAuthorizationRequest", "ErrorRedirect", "parse_authorization_request"]

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
"""The ``prompt`` values the tenant understands."""


class BadAuthorizationRequest(Exception):
    """The request cannot be answered at its redirect URI (unknown client or URI)."""


class ErrorRedirect(Exception):
    """The request is refused at its (trusted) redirect URI."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def parse_authorization_request(
    params: Mapping[str, str] | None,
    repeated: set[str],
    *,
    clients: Mapping[str, MockClient],
    allowed: Callable[[MockClient, str], bool],
    issuer: str,
) -> tuple[PendingAuthorization, frozenset[str]]:
    """Validate ``/authorize`` parameters; return the request and its ``prompt`` values.

    ``allowed(client, redirect_uri)`` says whether the client may use the URI.

    Raises:
        BadAuthorizationRequest: an unknown client or a disallowed or missing
            ``redirect_uri``: the error cannot be sent to the application.
        ErrorRedirect: any other error, to be sent to the redirect URI.

    """
    if params is None:
        raise BadAuthorizationRequest("the query string cannot be parsed")
    for name in ("client_id", "redirect_uri"):
        if name in repeated:
            raise BadAuthorizationRequest(f"{name} is repeated")
    client_id = params.get("client_id")
    client = clients.get(client_id) if client_id else None
    if client is None:
        raise BadAuthorizationRequest(f"unknown client_id {client_id!r}")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        raise BadAuthorizationRequest("redirect_uri is required")
    if not allowed(client, redirect_uri):
        raise BadAuthorizationRequest(
            f"redirect_uri {redirect_uri!r} is not an allowed callback URL of {client_id!r}"
        )
    state = params.get("state")

    def fail(error: str, description: str) -> ErrorRedirect:
        return ErrorRedirect(
            with_query(
                redirect_uri,
                {
                    "error": error,
                    "error_description": description,
                    "state": state,
                    "iss": issuer,
                },
            )
        )

    if repeated:
        raise fail("invalid_request", f"parameter {min(repeated)} is repeated")
    if "request" in params:
        raise fail("request_not_supported", "request objects are not supported")
    if "request_uri" in params:
        raise fail("request_uri_not_supported", "request_uri is not supported")
    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    if params.get("response_mode", "query") != "query":
        raise fail("invalid_request", "only response_mode=query is supported")
    if not state:
        raise fail("invalid_request", "state is required by this development tenant")
    scopes = list(dict.fromkeys(params.get("scope", "").split()))
    if "openid" not in scopes:
        raise fail("invalid_scope", "scope must include openid")
    nonce = params.get("nonce")
    if not nonce:
        raise fail("invalid_request", "nonce is required by this development tenant")
    challenge = params.get("code_challenge")
    if not challenge:
        raise fail("invalid_request", "code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(challenge):
        raise fail("invalid_request", "code_challenge is not a base64url SHA-256 digest")
    max_age = params.get("max_age")
    if max_age is not None and not (max_age.isascii() and max_age.isdigit()):
        raise fail("invalid_request", "max_age must be a non-negative integer")
    prompts = frozenset(params.get("prompt", "").split())
    if not prompts <= PROMPTS or ("none" in prompts and len(prompts) > 1):
        raise fail("invalid_request", "invalid prompt value")
    request = PendingAuthorization(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        scope=" ".join(scopes),
        code_challenge=challenge,
        audience=params.get("audience"),
        max_age=None if max_age is None else int(max_age),
    )
    return request, prompts
