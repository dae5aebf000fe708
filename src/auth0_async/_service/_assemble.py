"""Build a :class:`Kernel` from the client's options: environment fallbacks, checks, wiring.

Every option is checked here, once, when the client is created, so a
misconfiguration fails at start-up with a :class:`ConfigurationError` rather
than on the first login.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from .._core._config import (
    SessionConfig,
    TransactionCookieOptions,
    current_env,
    env_str,
    normalize_app_base_urls,
    normalize_domain,
    resolve_cookie,
    resolve_secrets,
    resolve_transaction_cookie,
)
from .._core._crypto import CookieCipher
from .._core._lifetime import Lifetime
from .._core._tracing import Tracing
from .._exceptions import ConfigurationError
from .._sessions._replay import replay_cache_of
from .._sessions._stateful import StatefulSessionStore
from .._sessions._stateless import CookieSessionStore
from .._sessions._transactions import TransactionStore
from ._claims import ClaimsPolicy
from ._kernel import Kernel
from ._login import LoginService
from ._logout import LogoutService
from ._origin import AppOrigin
from ._provider import Provider
from ._refresh import LocalRefreshCoordinator
from ._tokens import AccessTokenService

if TYPE_CHECKING:
    from .._core._config import ResolvedCookie
    from .._core._protocols import ReplayCache, SessionStore
    from .._sessions._persistence import SessionPersistence
    from .._types import Clock
    from ._options import ClientOptions

__all__ = ["assemble_kernel"]

_WEEK = 7 * 24 * 3600
_STORE_METHODS = ("get", "set", "update", "delete", "delete_by_logout_token")


def _seconds(name: str, value: object, *, low: float = 0, high: float = 300) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
        raise ConfigurationError(f"{name} must be a number of seconds in ({low:g}, {high:g}]")
    return float(value)


def _revealed(value: object) -> object:
    # A wrapped secret (pydantic's SecretStr, ...) gives its string; anything else is checked as is.
    get = getattr(value, "get_secret_value", None)
    return get() if callable(get) else value


def _secrets(secret: object) -> object:
    if isinstance(secret, (list, tuple)):
        return [_revealed(value) for value in secret]
    # One wrapped secret is a list of one, so that resolve_secrets checks what it gave.
    return [_revealed(secret)] if hasattr(secret, "get_secret_value") else secret


def _client_secret(secret: object) -> str | None:
    value = _revealed(secret)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError("client_secret must be a string or have get_secret_value()")
    return value


def _cache_ttl(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= _WEEK:
        raise ConfigurationError(
            f"discovery_cache_ttl must be a number of seconds in [0, {_WEEK}] (0: no cache)"
        )
    return float(value)


def _check_path(path: object) -> None:
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith(("//", "/\\"))
        or not (path.isascii() and path.isprintable())
    ):
        raise ConfigurationError("sign_in_return_to_path must be a path starting with a single '/'")


def _persistence(
    store: SessionStore | None,
    *,
    cipher: CookieCipher,
    cookie: ResolvedCookie,
    lifetime: Lifetime,
    clock: Clock,
    timeout: float,
    tracing: Tracing,
) -> tuple[SessionPersistence, ReplayCache | None]:
    if store is None:
        stateless = CookieSessionStore(cipher=cipher, cookie=cookie, lifetime=lifetime, clock=clock)
        return stateless, None
    for method in _STORE_METHODS:
        if not callable(getattr(store, method, None)):
            raise ConfigurationError(
                f"session_store must implement SessionStore ({method} is missing)"
            )
    stateful = StatefulSessionStore(
        store=store,
        cipher=cipher,
        cookie=cookie,
        lifetime=lifetime,
        clock=clock,
        timeout=timeout,
        tracing=tracing,
    )
    return stateful, replay_cache_of(stateful)


def assemble_kernel(options: ClientOptions, *, callback_path: str | None) -> Kernel:
    """Resolve the client's options (falling back to the environment) and wire the kernel.

    Raises:
        ConfigurationError: a missing secret or an invalid option.

    """
    env = current_env() if options.env is None else options.env
    now: Clock = options.clock or time.time
    cipher = CookieCipher(resolve_secrets(cast("Any", _secrets(options.secret)), env))
    domain = options.domain if options.domain is not None else env_str(env, "AUTH0_DOMAIN")
    base_urls = normalize_app_base_urls(options.app_base_url, env)
    config = options.session if options.session is not None else SessionConfig()
    if not isinstance(config, SessionConfig):
        raise ConfigurationError("session must be a SessionConfig")
    cookie = resolve_cookie(config.cookie, app_base_urls=base_urls, env=env)
    lifetime = Lifetime(config)
    tracing = Tracing()  # empty: no spans until auth0_async.otel.instrument fills it
    sessions, replay_cache = _persistence(
        options.session_store,
        cipher=cipher,
        cookie=cookie,
        lifetime=lifetime,
        clock=now,
        timeout=_seconds("session_store_timeout", options.session_store_timeout),
        tracing=tracing,
    )
    if options.logout_strategy not in ("auto", "oidc", "v2"):
        raise ConfigurationError("logout_strategy must be 'auto', 'oidc' or 'v2'")
    _check_path(options.sign_in_return_to_path)
    if isinstance(
        options.token_refresh_buffer, bool
    ) or not 0 <= options.token_refresh_buffer < float("inf"):
        raise ConfigurationError("token_refresh_buffer must be a finite number of seconds >= 0")
    provider = Provider(
        domain=None
        if domain is None
        else normalize_domain(domain, allow_insecure_requests=options.allow_insecure_requests),
        client_id=options.client_id
        if options.client_id is not None
        else env_str(env, "AUTH0_CLIENT_ID"),
        client_secret=_client_secret(options.client_secret)
        if options.client_secret is not None
        else env_str(env, "AUTH0_CLIENT_SECRET"),
        signing_key=options.client_assertion_signing_key
        if options.client_assertion_signing_key is not None
        else env_str(env, "AUTH0_CLIENT_ASSERTION_SIGNING_KEY"),
        signing_alg=options.client_assertion_signing_alg
        or env_str(env, "AUTH0_CLIENT_ASSERTION_SIGNING_ALG")
        or "RS256",
        auth_method=options.token_endpoint_auth_method,
        allow_hs256=options.allow_hs256_id_tokens,
        http_client=options.http_client,
        timeout=options.http_timeout,
        cache_ttl=_cache_ttl(options.discovery_cache_ttl),
        clock=now,
        tracing=tracing,
    )
    txn_options = (
        options.transaction_cookie
        if options.transaction_cookie is not None
        else TransactionCookieOptions()
    )
    transactions = TransactionStore(
        cipher=cipher,
        cookie=resolve_transaction_cookie(txn_options, app_base_urls=base_urls, env=env),
        max_age=txn_options.max_age,
        parallel=options.enable_parallel_transactions,
        clock=now,
    )
    origin = AppOrigin(base_urls, callback_path)
    claims = ClaimsPolicy(options.before_session_saved)
    return Kernel(
        sessions=sessions,
        cookie=cookie,
        session_config=config,
        lifetime=lifetime,
        provider=provider,
        origin=origin,
        login=LoginService(
            provider=provider,
            sessions=sessions,
            transactions=transactions,
            origin=origin,
            claims=claims,
            authorization_parameters=options.authorization_parameters,
            pushed_authorization_requests=options.pushed_authorization_requests,
            sign_in_return_to_path=options.sign_in_return_to_path,
            clock=now,
            tracing=tracing,
        ),
        logout=LogoutService(
            provider=provider,
            sessions=sessions,
            transactions=transactions,
            origin=origin,
            strategy=options.logout_strategy,
            include_id_token_hint=options.include_id_token_hint_in_oidc_logout_url,
            replay_cache=replay_cache,
            tracing=tracing,
        ),
        tokens=AccessTokenService(
            provider=provider,
            sessions=sessions,
            claims=claims,
            sealer=cipher,
            coordinator=options.refresh_coordinator
            if options.refresh_coordinator is not None
            else LocalRefreshCoordinator(),
            authorization_parameters=options.authorization_parameters,
            refresh_buffer=float(options.token_refresh_buffer),
            clock=now,
            tracing=tracing,
        ),
        clock=now,
        tracing=tracing,
    )
