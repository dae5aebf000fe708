"""Frozen, validated configuration, with nextjs-auth0's environment-variable fallbacks.

Every option left out of ``Auth0Client(...)`` falls back to the environment
(``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID``, ``AUTH0_CLIENT_SECRET``, ``AUTH0_SECRET``,
``APP_BASE_URL``, ``AUTH0_COOKIE_*``). ``secret`` is checked at construction;
``domain`` and client credentials only when a capability needs them.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit

from .._exceptions import ConfigurationError
from ._cookies import CookieAttributes, SameSite, is_cookie_name
from ._warnings import warn_security

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from ._protocols import RequestSource

__all__ = [
    "DEFAULT_ABSOLUTE_DURATION",
    "DEFAULT_INACTIVITY_DURATION",
    "MIN_SECRET_CHARS",
    "SHORT_SECRET_ESCAPE",
    "BeforeSessionRolled",
    "CookieOptions",
    "ResolvedCookie",
    "Routes",
    "Secret",
    "SessionConfig",
    "TransactionCookieOptions",
    "current_env",
    "env_str",
    "normalize_app_base_urls",
    "normalize_domain",
    "resolve_cookie",
    "resolve_secrets",
    "resolve_transaction_cookie",
    "seconds",
]

DEFAULT_ABSOLUTE_DURATION = 3 * 24 * 3600
"""Seconds a session may live after login, however active (3 days)."""
DEFAULT_INACTIVITY_DURATION = 24 * 3600
"""Seconds a rolling session survives without a request (1 day)."""
MIN_SECRET_CHARS = 32
"""The shortest ``secret`` accepted, in characters (nextjs-auth0 v4 takes any string; its docs
ask for 32 random bytes, hex-encoded: 64 characters, e.g. ``openssl rand -hex 32``)."""
SHORT_SECRET_ESCAPE = "AUTH0_DEV_ALLOW_SHORT_SECRET"
"""Environment variable that lets a shorter secret through, with a warning (development only)."""

BeforeSessionRolled: TypeAlias = "Callable[[RequestSource], bool | Awaitable[bool]]"
"""Hook deciding whether a request re-issues (rolls) the session cookie."""

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class Secret:
    """A string that never shows itself in reprs, logs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value (for the crypto layer only)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, kw_only=True, slots=True)
class CookieOptions:
    """Session cookie options. ``None`` means "from the environment, else the default".

    Attributes:
        name: cookie name (default ``__session``); chunks are ``<name>__<n>``.
        same_site: ``lax`` (default), ``strict`` or ``none``; env ``AUTH0_COOKIE_SAME_SITE``.
        secure: env ``AUTH0_COOKIE_SECURE``; forced on when every ``app_base_url`` is https,
            and when no ``app_base_url`` is configured, follows the request's scheme.
        path: env ``AUTH0_COOKIE_PATH``, default ``/``.
        domain: env ``AUTH0_COOKIE_DOMAIN``, default host-only.
        transient: env ``AUTH0_COOKIE_TRANSIENT``; a transient cookie has no Max-Age
            (it ends with the browser session), though the session still expires.

    """

    name: str = "__session"
    same_site: SameSite | None = None
    secure: bool | None = None
    path: str | None = None
    domain: str | None = None
    transient: bool | None = None


def _check_duration(name: str, value: object, *, allow_zero: bool = False) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigurationError(f"session.{name} must be an int number of seconds")
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigurationError(f"session.{name} must be {'>= 0' if allow_zero else '> 0'}")


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionConfig:
    """Session lifetime and cookie options.

    Attributes:
        rolling: re-issue the cookie on requests, extending it by ``inactivity_duration``
            up to ``absolute_duration`` after login (default on).
        absolute_duration: seconds after login when the session ends regardless (3 days).
        inactivity_duration: seconds without a request after which a rolling session
            ends (1 day).
        rolling_threshold: re-issue the rolling cookie only when that extends it by at
            least this many seconds (default 0: every request, as nextjs-auth0 does).
        before_session_rolled: ``(request) -> bool`` (or awaitable); ``False`` skips the
            rolling re-issue for that request. If it raises, the session rolls anyway.
        cookie: the cookie's name and attributes.

    Raises:
        ConfigurationError: a duration is not a positive int.

    """

    rolling: bool = True
    absolute_duration: int = DEFAULT_ABSOLUTE_DURATION
    inactivity_duration: int = DEFAULT_INACTIVITY_DURATION
    rolling_threshold: int = 0
    before_session_rolled: BeforeSessionRolled | None = None
    cookie: CookieOptions = field(default_factory=CookieOptions)

    def __post_init__(self) -> None:
        _check_duration("absolute_duration", self.absolute_duration)
        _check_duration("inactivity_duration", self.inactivity_duration)
        _check_duration("rolling_threshold", self.rolling_threshold, allow_zero=True)
        if not isinstance(self.cookie, CookieOptions):
            raise ConfigurationError("session.cookie must be a CookieOptions")


@dataclass(frozen=True, slots=True)
class ResolvedCookie:
    """Cookie options after environment fallback and the Secure policy."""

    name: str
    attributes: CookieAttributes
    transient: bool
    secure_from_request: bool
    """True when Secure follows each request's scheme (no app_base_url configured)."""

    _other: CookieAttributes | None = field(default=None, init=False, repr=False, compare=False)
    """The attributes with Secure flipped, when it follows the request's scheme."""

    def __post_init__(self) -> None:
        if self.secure_from_request:
            other = CookieAttributes(
                path=self.attributes.path,
                domain=self.attributes.domain,
                secure=not self.attributes.secure,
                same_site=self.attributes.same_site,
            )
            object.__setattr__(self, "_other", other)

    def for_request(self, https: bool) -> CookieAttributes:
        """Return the attributes to use on a request made over ``https`` or not."""
        if not self.secure_from_request or self.attributes.secure == https:
            return self.attributes
        return self._other  # type: ignore[return-value]


def _env_bool(env: Mapping[str, str], key: str) -> bool | None:
    raw = env.get(key)
    return None if raw is None or raw == "" else raw.strip().lower() == "true"


def _check_attr_text(label: str, value: str) -> str:
    if not value or any(c in value for c in ";,\r\n\t\x00") or not value.isprintable():
        raise ConfigurationError(f"{label} contains characters not allowed in a cookie attribute")
    return value


def resolve_cookie(
    options: CookieOptions,
    *,
    app_base_urls: Sequence[str],
    env: Mapping[str, str],
) -> ResolvedCookie:
    """Apply environment fallbacks and nextjs-auth0's Secure policy to cookie options.

    Raises:
        ConfigurationError: an invalid name, SameSite value, path or domain.

    """
    if not is_cookie_name(options.name):
        raise ConfigurationError(f"session cookie name {options.name!r} is not a valid token")
    same_site = options.same_site or env.get("AUTH0_COOKIE_SAME_SITE", "").strip().lower() or "lax"
    if same_site not in ("lax", "strict", "none"):
        raise ConfigurationError("cookie same_site must be 'lax', 'strict' or 'none'")
    path = _check_attr_text("cookie path", options.path or env.get("AUTH0_COOKIE_PATH") or "/")
    if not path.startswith("/"):
        raise ConfigurationError("cookie path must start with '/'")
    domain = options.domain or env.get("AUTH0_COOKIE_DOMAIN") or None
    if domain is not None:
        _check_attr_text("cookie domain", domain)
    secure = options.secure if options.secure is not None else _env_bool(env, "AUTH0_COOKIE_SECURE")
    transient = options.transient
    if transient is None:
        transient = bool(_env_bool(env, "AUTH0_COOKIE_TRANSIENT"))
    from_request = False
    if app_base_urls and all(u.startswith("https:") for u in app_base_urls):
        if secure is False:
            warn_security("cookie secure=False is ignored: every app_base_url is https")
        secure = True
    elif not app_base_urls and secure is None:
        from_request = True
    if same_site == "none" and secure is False:
        raise ConfigurationError("same_site='none' requires secure cookies")
    attributes = CookieAttributes(
        path=path,
        domain=domain,
        secure=bool(secure),
        same_site=same_site,  # type: ignore[arg-type]
    )
    return ResolvedCookie(options.name, attributes, transient, from_request)


def resolve_secrets(secret: str | Sequence[str] | None, env: Mapping[str, str]) -> tuple[str, ...]:
    """Return the secrets, first one encrypting; fall back to ``AUTH0_SECRET``.

    A secret shorter than :data:`MIN_SECRET_CHARS` characters is refused unless the
    environment sets ``AUTH0_DEV_ALLOW_SHORT_SECRET=true`` (local development only; it is
    then accepted with a :class:`SecurityWarning`).

    Raises:
        ConfigurationError: no secret, an empty one, a non-string, or one that is too short.

    """
    allow_short = _env_bool(env, SHORT_SECRET_ESCAPE) is True
    if secret is None:
        secret = env.get("AUTH0_SECRET") or None
    if secret is None:
        raise ConfigurationError(
            "secret is required: pass Auth0Client(secret=...) or set AUTH0_SECRET "
            "(e.g. the output of `openssl rand -hex 32`)"
        )
    given: tuple[object, ...] = (secret,) if isinstance(secret, str) else tuple(secret)
    if not given:
        raise ConfigurationError("secret must not be an empty list")
    secrets: list[str] = []
    for value in given:
        if not isinstance(value, str) or not value:
            raise ConfigurationError("each secret must be a non-empty string")
        if len(value) < MIN_SECRET_CHARS:
            if not allow_short:
                raise ConfigurationError(
                    f"secret must be at least {MIN_SECRET_CHARS} characters (this one has "
                    f"{len(value)}): generate one with `openssl rand -hex 32`. For local "
                    f"development only, {SHORT_SECRET_ESCAPE}=true accepts a shorter one."
                )
            warn_security(
                f"a secret shorter than {MIN_SECRET_CHARS} characters is easy to guess "
                f"(accepted because {SHORT_SECRET_ESCAPE}=true: never set it in production)"
            )
        secrets.append(value)
    return tuple(secrets)


def normalize_domain(domain: str, *, allow_insecure_requests: bool) -> str:
    """Return the issuer base URL (no trailing slash) for a bare host or a full URL.

    Raises:
        ConfigurationError: not a host or URL, or ``http://`` without the opt-in.

    """
    value = domain.strip()
    if "://" not in value:
        if not _HOST.match(value):
            raise ConfigurationError("domain must be a host name such as 'tenant.us.auth0.com'")
        return f"https://{value.lower()}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError("domain must be a host name or an https:// URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError("domain must not contain credentials, a query or a fragment")
    if parts.scheme == "http":
        if not allow_insecure_requests:
            raise ConfigurationError(
                "domain uses http://; pass allow_insecure_requests=True for local testing only"
            )
        warn_security(
            "allow_insecure_requests=True: talking to the identity provider over plain http"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def normalize_app_base_urls(
    value: str | Sequence[str] | None, env: Mapping[str, str]
) -> tuple[str, ...]:
    """Return the app's base URL(s) without trailing slash; env ``APP_BASE_URL`` is comma-separated.

    Raises:
        ConfigurationError: a URL that is not absolute http(s), or has a query or fragment.

    """
    if value is None:
        raw = env.get("APP_BASE_URL", "")
        value = [u.strip() for u in raw.split(",") if u.strip()]
    urls: tuple[object, ...] = (value,) if isinstance(value, str) else tuple(value)
    result = []
    for url in urls:
        if isinstance(url, str) and not (url.strip().isascii() and url.strip().isprintable()):
            raise ConfigurationError("app_base_url must be printable ASCII (no control characters)")
        parts = urlsplit(url.strip()) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError("app_base_url must be an absolute http(s) URL")
        if parts.query or parts.fragment or parts.username:
            raise ConfigurationError(
                "app_base_url must not contain a query, fragment or credentials"
            )
        result.append(f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}")
    return tuple(result)


def env_str(env: Mapping[str, str], key: str) -> str | None:
    """Return a non-empty environment value or ``None``."""
    value = env.get(key, "").strip()
    return value or None


def current_env() -> Mapping[str, str]:
    """Return the process environment (a seam for tests)."""
    return os.environ


@dataclass(frozen=True, kw_only=True, slots=True)
class TransactionCookieOptions:
    """Options of the short-lived login transaction cookies (``<prefix><state>``).

    Attributes:
        prefix: cookie name prefix (default ``__txn_``).
        same_site: ``lax`` (default) or ``strict``/``none``.
        secure: as the session cookie's policy; forced on with an https ``app_base_url``.
        path: default ``/``.
        domain: default from ``AUTH0_COOKIE_DOMAIN``, else host-only.
        max_age: seconds a login attempt may take (default 3600).

    """

    prefix: str = "__txn_"
    same_site: SameSite = "lax"
    secure: bool | None = None
    path: str = "/"
    domain: str | None = None
    max_age: int = 3600

    def __post_init__(self) -> None:
        _check_duration("transaction_cookie.max_age", self.max_age)


def resolve_transaction_cookie(
    options: TransactionCookieOptions,
    *,
    app_base_urls: Sequence[str],
    env: Mapping[str, str],
) -> ResolvedCookie:
    """Resolve transaction cookie options like the session cookie's (name = prefix).

    Raises:
        ConfigurationError: an invalid prefix, SameSite value, path or domain.

    """
    return resolve_cookie(
        CookieOptions(
            name=options.prefix,
            same_site=options.same_site,
            secure=options.secure,
            path=options.path,
            domain=options.domain,
            transient=False,
        ),
        app_base_urls=app_base_urls,
        env={k: v for k, v in env.items() if k == "AUTH0_COOKIE_DOMAIN"},
    )


_ROUTE_NAMES = ("login", "callback", "logout", "profile", "access_token", "backchannel_logout")


@dataclass(frozen=True, kw_only=True, slots=True)
class Routes:
    """Paths of the routes the middleware serves (set one to ``None`` to turn it off).

    Attributes:
        login: starts a login (``GET``).
        callback: where the provider sends the user back (``GET``).
        logout: ends the session (``GET``).
        profile: the user's claims as JSON (``GET``).
        access_token: a fresh access token as JSON (``GET``).
        backchannel_logout: OpenID back-channel logout (``POST``).

    """

    login: str | None = "/auth/login"
    callback: str = "/auth/callback"
    logout: str | None = "/auth/logout"
    profile: str | None = "/auth/profile"
    access_token: str | None = "/auth/access-token"
    backchannel_logout: str | None = "/auth/backchannel-logout"

    def __post_init__(self) -> None:
        for name in _ROUTE_NAMES:
            path = getattr(self, name)
            if path is not None and (
                not isinstance(path, str) or not path.startswith("/") or "?" in path
            ):
                raise ConfigurationError(f"routes.{name} must be a path starting with '/'")

    def paths(self) -> tuple[str, ...]:
        """Return the paths of the routes that are on (every one not set to ``None``)."""
        return tuple(path for path in (getattr(self, n) for n in _ROUTE_NAMES) if path is not None)


def seconds(name: str, value: object, *, zero_ok: bool = False) -> float:
    """Validate a duration option: a finite number of seconds, > 0 (or >= 0).

    Raises:
        ConfigurationError: ``value`` is not such a number.

    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero_ok)
    ):
        raise ConfigurationError(
            f"{name} must be a finite number of seconds {'>= 0' if zero_ok else '> 0'}"
        )
    return float(value)
