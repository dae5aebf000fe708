"""The client's options as one frozen record, exactly as ``Auth0Client(...)`` received them.

``Auth0Client`` documents and types every option in its signature; it hands
them over as a :class:`ClientOptions`, which the kernel's assembly resolves
(environment fallbacks) and checks. A test keeps the two lists identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import httpx

    from .._core._config import Routes, SessionConfig, TransactionCookieOptions
    from .._core._protocols import RefreshCoordinator, SecretValue, SessionStore
    from .._oidc import AuthorizationParameters
    from .._types import Clock
    from ._claims import BeforeSessionSaved
    from ._provider import TokenEndpointAuthMethod

__all__ = ["ClientOptions"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientOptions:
    """Every ``Auth0Client`` option, unresolved (``None``: fall back to the environment)."""

    domain: str | None = None
    client_id: str | None = None
    client_secret: str | SecretValue | None = None
    secret: str | SecretValue | Sequence[str | SecretValue] | None = None
    app_base_url: str | Sequence[str] | None = None
    session: SessionConfig | None = None
    session_store: SessionStore | None = None
    session_store_timeout: float = 5.0
    allow_insecure_requests: bool = False
    http_client: httpx.AsyncClient | None = None
    clock: Clock | None = None
    env: Mapping[str, str] | None = None
    routes: Routes | None = None
    authorization_parameters: AuthorizationParameters | None = None
    client_assertion_signing_key: str | bytes | Mapping[str, Any] | None = None
    client_assertion_signing_alg: str | None = None
    token_endpoint_auth_method: TokenEndpointAuthMethod | None = None
    pushed_authorization_requests: bool = False
    sign_in_return_to_path: str = "/"
    logout_strategy: Literal["auto", "oidc", "v2"] = "auto"
    include_id_token_hint_in_oidc_logout_url: bool = True
    before_session_saved: BeforeSessionSaved | None = None
    on_callback: Any = None
    """The HTTP edge's ``OnCallback`` hook (typed there; the kernel never calls it)."""
    transaction_cookie: TransactionCookieOptions | None = None
    enable_parallel_transactions: bool = True
    http_timeout: float = 5.0
    discovery_cache_ttl: float = 600.0
    no_content_profile_response_when_unauthenticated: bool = False
    token_refresh_buffer: float = 0
    refresh_coordinator: RefreshCoordinator | None = None
    enable_access_token_endpoint: bool = True
    allow_hs256_id_tokens: bool = False
