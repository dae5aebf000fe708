"""``auth0-async check``: the configuration, the provider's discovery and keys, the clock.

The configuration is resolved the way ``Auth0Client`` resolves it (flags
first, then ``AUTH0_*`` / ``APP_BASE_URL``), then an ``Auth0Client`` is built
from it so that every start-up check runs. Discovery and the JWKS are fetched
once and checked with the package's own parsers. Each finding is a
pass / warn / fail line; no secret is ever part of one.
"""

from __future__ import annotations

import enum
import time
import warnings
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import anyio
import httpx
import msgspec

from .._client import Auth0Client
from .._core._config import env_str, normalize_app_base_urls, normalize_domain, resolve_secrets
from .._exceptions import ConfigurationError, DiscoveryError
from .._oidc._client import DEFAULT_MAX_RESPONSE_BYTES
from .._oidc._discovery import discovery_url, issuer_matches, parse_jwks, parse_metadata
from .._oidc._id_token import DEFAULT_LEEWAY
from .._oidc._jws import DEFAULT_ALGORITHMS
from .._oidc._reading import read_capped

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .._oidc._discovery import ProviderMetadata

__all__ = ["CheckSettings", "Finding", "Level", "run_check"]

SKEW_PASS_SECONDS = 5.0
"""Clock skew up to this is a pass; up to the ID token leeway a warning; beyond it a failure."""


class Level(enum.Enum):
    """How a finding reads."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report: a level, what was checked, and what was found."""

    level: Level
    topic: str
    message: str

    def line(self) -> str:
        """Return the line as printed, e.g. ``[pass] issuer: ...``."""
        return f"[{self.level.value}] {self.topic}: {self.message}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckSettings:
    """The flags of ``check``; ``None`` falls back to the environment, as ``Auth0Client`` does."""

    domain: str | None = None
    client_id: str | None = None
    app_base_url: str | None = None
    allow_insecure_requests: bool = False
    timeout: float = 5.0


@dataclass(slots=True)
class _Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: Level, topic: str, message: str) -> None:
        self.findings.append(Finding(level, topic, message))

    @property
    def failed(self) -> bool:
        return any(f.level is Level.FAIL for f in self.findings)


class _Unreachable(Exception):
    """A request that got no usable answer; the message names the URL and the cause."""


def _warned(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught]


def _check_domain(settings: CheckSettings, env: Mapping[str, str], report: _Report) -> str | None:
    domain = settings.domain if settings.domain is not None else env_str(env, "AUTH0_DOMAIN")
    if domain is None:
        report.add(Level.FAIL, "domain", "not set: pass --domain or set AUTH0_DOMAIN")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            base = normalize_domain(
                domain, allow_insecure_requests=settings.allow_insecure_requests
            )
        except ConfigurationError as exc:
            hint = " (--allow-insecure-requests)" if "allow_insecure_requests" in str(exc) else ""
            report.add(Level.FAIL, "domain", f"{exc}{hint}")
            return None
    if caught:
        report.add(Level.WARN, "domain", f"{base}: {'; '.join(_warned(caught))}")
    else:
        report.add(Level.PASS, "domain", base)
    return base


def _check_credentials(settings: CheckSettings, env: Mapping[str, str], report: _Report) -> None:
    client_id = (
        settings.client_id if settings.client_id is not None else env_str(env, "AUTH0_CLIENT_ID")
    )
    if client_id is None:
        report.add(Level.FAIL, "client_id", "not set: pass --client-id or set AUTH0_CLIENT_ID")
    else:
        report.add(Level.PASS, "client_id", client_id)
    if env_str(env, "AUTH0_CLIENT_ASSERTION_SIGNING_KEY") is not None:
        report.add(
            Level.PASS,
            "client authentication",
            "private_key_jwt (AUTH0_CLIENT_ASSERTION_SIGNING_KEY is set)",
        )
    elif env_str(env, "AUTH0_CLIENT_SECRET") is not None:
        report.add(
            Level.PASS, "client authentication", "client secret (AUTH0_CLIENT_SECRET is set)"
        )
    else:
        report.add(
            Level.FAIL,
            "client authentication",
            "neither AUTH0_CLIENT_SECRET nor AUTH0_CLIENT_ASSERTION_SIGNING_KEY is set: "
            "the callback cannot exchange the authorization code",
        )


def _check_secret(env: Mapping[str, str], report: _Report) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            secrets = resolve_secrets(None, env)
        except ConfigurationError as exc:
            report.add(Level.FAIL, "secret", str(exc))
            return
    size = len(secrets[0])
    if caught:
        report.add(Level.WARN, "secret", f"AUTH0_SECRET: {'; '.join(_warned(caught))}")
    else:
        report.add(Level.PASS, "secret", f"AUTH0_SECRET is set ({size} characters)")


def _check_base_url(settings: CheckSettings, env: Mapping[str, str], report: _Report) -> None:
    try:
        urls = normalize_app_base_urls(settings.app_base_url, env)
    except ConfigurationError as exc:
        report.add(Level.FAIL, "app_base_url", str(exc))
        return
    if urls:
        report.add(Level.PASS, "app_base_url", ", ".join(urls))
    else:
        report.add(
            Level.WARN,
            "app_base_url",
            "not set (--app-base-url or APP_BASE_URL): callback URLs come from each "
            "request's Host header, so a proxy must pass the original host and scheme",
        )


def _check_client(settings: CheckSettings, env: Mapping[str, str], report: _Report) -> None:
    """Build an ``Auth0Client`` from the same settings: every start-up check runs once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already reported, line by line
        try:
            Auth0Client(
                domain=settings.domain,
                client_id=settings.client_id,
                app_base_url=settings.app_base_url,
                allow_insecure_requests=settings.allow_insecure_requests,
                env=env,
            )
        except ConfigurationError as exc:
            report.add(Level.FAIL, "configuration", f"Auth0Client(...) refuses it: {exc}")
            return
    report.add(Level.PASS, "configuration", "Auth0Client(...) accepts it")


async def _fetch(
    http: httpx.AsyncClient, url: str, *, what: str, within: float, clock: Callable[[], float]
) -> tuple[int, httpx.Headers, bytes, float]:
    """GET ``url``; return status, headers, body and the local time the answer came.

    Raises:
        _Unreachable: no answer (connection refused, DNS, TLS, timeout) or an oversized body.

    """
    try:
        with anyio.fail_after(within):
            sent = clock()
            async with http.stream(
                "GET",
                url,
                headers={"Accept": "application/json", "Accept-Encoding": "identity"},
                timeout=within,
                follow_redirects=False,
            ) as response:
                received = clock()
                body = await read_capped(
                    response, limit=DEFAULT_MAX_RESPONSE_BYTES, what=what, error=DiscoveryError
                )
    except (TimeoutError, httpx.TimeoutException):
        raise _Unreachable(f"{what} from {url} timed out after {within:g}s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        detail = str(exc) or "no detail"
        raise _Unreachable(
            f"could not fetch {what} from {url}: {type(exc).__name__} ({detail})"
        ) from None
    except DiscoveryError as exc:
        raise _Unreachable(str(exc)) from None
    return response.status_code, response.headers, body, (sent + received) / 2


def _check_skew(headers: httpx.Headers, local: float, report: _Report) -> None:
    date = headers.get("date")
    if date is None:
        report.add(Level.WARN, "clock skew", "the provider sent no Date header: not measured")
        return
    try:
        provider = parsedate_to_datetime(date).timestamp() + 0.5  # Date is truncated to seconds
    except (TypeError, ValueError):
        report.add(Level.WARN, "clock skew", f"unreadable Date header {date!r}: not measured")
        return
    skew = local - provider
    text = f"this machine is {abs(skew):.1f} s {'ahead of' if skew >= 0 else 'behind'} the provider"
    if abs(skew) <= SKEW_PASS_SECONDS:
        report.add(Level.PASS, "clock skew", text)
    elif abs(skew) <= DEFAULT_LEEWAY:
        report.add(
            Level.WARN,
            "clock skew",
            f"{text}: within the {DEFAULT_LEEWAY} s leeway; sync the clock (NTP)",
        )
    else:
        report.add(
            Level.FAIL,
            "clock skew",
            f"{text}: over the {DEFAULT_LEEWAY} s leeway, ID tokens will be refused; sync the clock (NTP)",
        )


def _check_endpoints(metadata: ProviderMetadata, report: _Report) -> None:
    report.add(Level.PASS, "authorization_endpoint", metadata.authorization_endpoint)
    report.add(Level.PASS, "token_endpoint", metadata.token_endpoint)
    if metadata.end_session_endpoint:
        report.add(Level.PASS, "end_session_endpoint", metadata.end_session_endpoint)
    else:
        report.add(
            Level.WARN,
            "end_session_endpoint",
            "absent: logout_strategy 'auto' falls back to Auth0's /v2/logout, 'oidc' fails",
        )
    if metadata.revocation_endpoint:
        report.add(Level.PASS, "revocation_endpoint", metadata.revocation_endpoint)
    else:
        report.add(
            Level.WARN,
            "revocation_endpoint",
            "absent from discovery: refresh tokens are revoked at logout only if RFC 8414 "
            "metadata lists one",
        )


def _check_algorithms(metadata: ProviderMetadata, report: _Report) -> None:
    accepted = ", ".join(DEFAULT_ALGORITHMS)
    listed = metadata.id_token_signing_alg_values_supported
    if not listed:
        report.add(
            Level.WARN, "algorithms", f"ID token algorithms not listed (accepted: {accepted})"
        )
    else:
        usable = [alg for alg in listed if alg in DEFAULT_ALGORITHMS]
        if usable:
            report.add(
                Level.PASS, "algorithms", f"ID tokens: {', '.join(usable)} (of {', '.join(listed)})"
            )
        else:
            report.add(
                Level.FAIL,
                "algorithms",
                f"the provider signs ID tokens with {', '.join(listed)}; accepted: {accepted} "
                "(HS256 only with allow_hs256_id_tokens)",
            )
    methods = metadata.code_challenge_methods_supported
    if methods is None:
        report.add(Level.WARN, "PKCE", "code_challenge_methods_supported not listed (S256 is sent)")
    elif "S256" in methods:
        report.add(Level.PASS, "PKCE", "S256 supported")
    else:
        report.add(
            Level.FAIL, "PKCE", f"S256 is not supported (listed: {', '.join(methods) or 'none'})"
        )


async def _check_provider(
    base: str,
    http: httpx.AsyncClient,
    settings: CheckSettings,
    clock: Callable[[], float],
    report: _Report,
) -> None:
    url = discovery_url(base)
    try:
        status, headers, body, local = await _fetch(
            http, url, what="discovery", within=settings.timeout, clock=clock
        )
    except _Unreachable as exc:
        report.add(Level.FAIL, "discovery", str(exc))
        return
    if status != 200:
        report.add(Level.FAIL, "discovery", f"{url} answered HTTP {status}")
        return
    report.add(Level.PASS, "discovery", url)
    _check_skew(headers, local, report)
    try:
        issuer = msgspec.json.decode(body).get("issuer")
    except (msgspec.DecodeError, AttributeError, RecursionError):
        report.add(Level.FAIL, "discovery", "the document is not a JSON object")
        return
    if not isinstance(issuer, str):
        report.add(Level.FAIL, "issuer", "the discovery document has no issuer")
        return
    if issuer_matches(issuer, base):
        report.add(Level.PASS, "issuer", f"{issuer} matches the domain")
    else:
        report.add(
            Level.FAIL,
            "issuer",
            f"discovery names issuer {issuer!r}, the domain gives {base!r}: every login would fail",
        )
    try:
        metadata = parse_metadata(body, issuer)  # the issuer is judged above; check the rest
    except DiscoveryError as exc:
        report.add(Level.FAIL, "endpoints", str(exc))
        return
    _check_endpoints(metadata, report)
    _check_algorithms(metadata, report)
    await _check_jwks(metadata.jwks_uri, http, settings, clock, report)


async def _check_jwks(
    url: str,
    http: httpx.AsyncClient,
    settings: CheckSettings,
    clock: Callable[[], float],
    report: _Report,
) -> None:
    try:
        status, _, body, _ = await _fetch(
            http, url, what="JWKS", within=settings.timeout, clock=clock
        )
    except _Unreachable as exc:
        report.add(Level.FAIL, "jwks", str(exc))
        return
    if status != 200:
        report.add(Level.FAIL, "jwks", f"{url} answered HTTP {status}")
        return
    try:
        keys = parse_jwks(body)
    except DiscoveryError as exc:
        report.add(Level.FAIL, "jwks", f"{url}: {exc}")
        return
    described = ", ".join(f"{k.key_type} {k.alg or '(no alg)'} kid={k.kid}" for k in keys.keys)
    report.add(Level.PASS, "jwks", f"{len(keys.keys)} signing key(s): {described}")


async def run_check(
    settings: CheckSettings,
    *,
    env: Mapping[str, str],
    http_client: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> list[Finding]:
    """Check the configuration and the provider it names; return the findings in order.

    ``http_client`` is used as given (and left open); without one a client is
    created for the run and closed after it.

    Raises:
        ConfigurationError: ``settings.timeout`` is not a positive number of seconds.

    """
    if not 0 < settings.timeout <= 300:
        raise ConfigurationError("--timeout must be a number of seconds in (0, 300]")
    report = _Report()
    base = _check_domain(settings, env, report)
    _check_credentials(settings, env, report)
    _check_secret(env, report)
    _check_base_url(settings, env, report)
    if not report.failed:
        _check_client(settings, env, report)
    if base is None:
        report.add(Level.FAIL, "provider", "not checked: no usable domain")
        return report.findings
    if http_client is not None:
        await _check_provider(base, http_client, settings, clock, report)
    else:
        async with httpx.AsyncClient(timeout=settings.timeout, follow_redirects=False) as http:
            await _check_provider(base, http, settings, clock, report)
    return report.findings
