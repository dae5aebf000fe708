from __future__ import annotations

from email.utils import formatdate
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from auth0_async._cli._check import CheckSettings, Level, run_check
from auth0_async.testing import MockAuth0

from ..conftest import SECRET
from ..e2e.server import AppServer
from ..support.redis_server import free_ports
from ._run import run, run_module

NOW = 1_800_000_000.0
TENANT = "https://tenant.example.com"
CLIENT_SECRET = "client-SECRET-do-not-print"
ENV = {
    "AUTH0_DOMAIN": "tenant.example.com",
    "AUTH0_CLIENT_ID": "cid",
    "AUTH0_CLIENT_SECRET": CLIENT_SECRET,
    "AUTH0_SECRET": SECRET,
    "APP_BASE_URL": "https://app.example",
}
_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})


def discovery(issuer: str = f"{TENANT}/", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{TENANT}/authorize",
        "token_endpoint": f"{TENANT}/oauth/token",
        "jwks_uri": f"{TENANT}/.well-known/jwks.json",
        "end_session_endpoint": f"{TENANT}/oidc/logout",
        "revocation_endpoint": f"{TENANT}/oauth/revoke",
        "id_token_signing_alg_values_supported": ["HS256", "RS256"],
        "code_challenge_methods_supported": ["S256", "plain"],
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


class Provider:
    """An httpx MockTransport tenant; each knob breaks one thing."""

    def __init__(
        self,
        *,
        document: dict[str, Any] | None = None,
        body: bytes | None = None,
        status: int = 200,
        jwks: dict[str, Any] | None = None,
        jwks_status: int = 200,
        skew: float | None = 0.0,
        error: Exception | None = None,
    ) -> None:
        self.document = document if document is not None else discovery()
        self.body = body
        self.status = status
        self.jwks = jwks if jwks is not None else {"keys": [_KEY.as_dict(private=False)]}
        self.jwks_status = jwks_status
        self.skew = skew
        self.error = error
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if self.error is not None:
            raise self.error
        headers = {} if self.skew is None else {"date": formatdate(NOW + self.skew, usegmt=True)}
        if request.url.path == "/.well-known/openid-configuration":
            if self.body is not None:
                return httpx.Response(self.status, content=self.body, headers=headers)
            return httpx.Response(self.status, json=self.document, headers=headers)
        if request.url.path == "/.well-known/jwks.json":
            return httpx.Response(self.jwks_status, json=self.jwks, headers=headers)
        return httpx.Response(404)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))


def check(provider: Provider, *args: str, env: dict[str, str] | None = None) -> Any:
    return run(
        "check",
        *args,
        env=ENV if env is None else env,
        clock=lambda: NOW,
        http_client=provider.client(),
    )


def lines(out: str, level: str) -> dict[str, str]:
    """``{topic: message}`` of the report lines at ``level``."""
    found = {}
    for line in out.splitlines():
        if line.startswith(f"[{level}] "):
            topic, _, message = line[len(level) + 3 :].partition(": ")
            found[topic] = message
    return found


def test_a_healthy_tenant_passes_every_check() -> None:
    provider = Provider()
    result = check(provider)
    assert result.code == 0, result.out
    passed = lines(result.out, "pass")
    assert set(passed) == {
        "domain",
        "client_id",
        "client authentication",
        "secret",
        "app_base_url",
        "configuration",
        "discovery",
        "clock skew",
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "end_session_endpoint",
        "revocation_endpoint",
        "algorithms",
        "PKCE",
        "jwks",
    }
    assert passed["issuer"] == f"{TENANT}/ matches the domain"
    assert passed["algorithms"] == "ID tokens: RS256 (of HS256, RS256)"
    assert passed["jwks"] == "1 signing key(s): RSA RS256 kid=k1"
    assert "0.5 s behind" in passed["clock skew"]
    assert result.out.endswith("16 passed, 0 warning(s), 0 failed\n")
    assert provider.requests == [
        f"{TENANT}/.well-known/openid-configuration",
        f"{TENANT}/.well-known/jwks.json",
    ]


def test_secrets_are_never_printed() -> None:
    result = check(Provider(document=discovery(issuer="https://evil.example/")))
    assert result.code == 1
    for secret in (SECRET, CLIENT_SECRET):
        assert secret not in result.out + result.err


def test_flags_override_the_environment() -> None:
    env = {**ENV, "AUTH0_DOMAIN": "other.example.com"}
    result = check(Provider(), "--domain", TENANT, "--client-id", "flag-client", env=env)
    assert result.code == 0, result.out
    assert lines(result.out, "pass")["client_id"] == "flag-client"
    assert lines(result.out, "pass")["domain"] == TENANT


def test_issuer_mismatch_fails() -> None:
    result = check(Provider(document=discovery(issuer="https://evil.example/")))
    assert result.code == 1
    failed = lines(result.out, "fail")
    assert set(failed) == {"issuer"}
    assert "'https://evil.example/'" in failed["issuer"]
    assert f"'{TENANT}'" in failed["issuer"]


@pytest.mark.parametrize(
    ("skew", "level", "says"),
    [
        (3, "pass", "behind the provider"),
        (-4, "pass", "ahead of the provider"),
        (30, "warn", "within the 60 s leeway"),
        (-120, "fail", "over the 60 s leeway, ID tokens will be refused"),
        (None, "warn", "no Date header"),
    ],
)
def test_clock_skew_from_the_date_header(skew: float | None, level: str, says: str) -> None:
    result = check(Provider(skew=skew))
    assert says in lines(result.out, level)["clock skew"]
    assert result.code == (1 if level == "fail" else 0)


def test_an_unreadable_date_header_is_a_warning() -> None:
    provider = Provider(skew=None)
    original = provider.handler

    def handler(request: httpx.Request) -> httpx.Response:
        response = original(request)
        response.headers["date"] = "yesterday"
        return response

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    result = run("check", env=ENV, clock=lambda: NOW, http_client=client)
    assert "unreadable Date header" in lines(result.out, "warn")["clock skew"]


def test_missing_logout_and_revocation_endpoints_warn() -> None:
    document = discovery(end_session_endpoint=None, revocation_endpoint=None)
    result = check(Provider(document=document))
    assert result.code == 0
    warned = lines(result.out, "warn")
    assert "/v2/logout" in warned["end_session_endpoint"]
    assert "absent" in warned["revocation_endpoint"]


@pytest.mark.parametrize(
    ("changes", "topic", "says"),
    [
        ({"token_endpoint": None}, "endpoints", "token_endpoint"),
        ({"authorization_endpoint": None}, "endpoints", "authorization_endpoint"),
        ({"token_endpoint": "http://tenant.example.com/t"}, "endpoints", "https URL"),
        ({"id_token_signing_alg_values_supported": ["HS256"]}, "algorithms", "signs ID tokens"),
        ({"code_challenge_methods_supported": ["plain"]}, "PKCE", "S256 is not supported"),
    ],
)
def test_a_broken_discovery_document_fails(changes: dict[str, Any], topic: str, says: str) -> None:
    result = check(Provider(document=discovery(**changes)))
    assert result.code == 1
    assert says in lines(result.out, "fail")[topic]


def test_unlisted_algorithms_and_pkce_methods_warn() -> None:
    document = discovery(
        id_token_signing_alg_values_supported=None, code_challenge_methods_supported=None
    )
    result = check(Provider(document=document))
    assert result.code == 0
    assert set(lines(result.out, "warn")) == {"algorithms", "PKCE"}


@pytest.mark.parametrize(
    ("provider", "topic", "says"),
    [
        (Provider(status=404), "discovery", "answered HTTP 404"),
        (Provider(body=b"<html>"), "discovery", "not a JSON object"),
        (Provider(body=b"[]"), "discovery", "not a JSON object"),
        (Provider(document={"token_endpoint": "x"}), "issuer", "has no issuer"),
        (Provider(jwks={"keys": []}), "jwks", "holds no usable signing key"),
        (Provider(jwks_status=500), "jwks", "answered HTTP 500"),
    ],
)
def test_a_broken_provider_fails(provider: Provider, topic: str, says: str) -> None:
    result = check(provider)
    assert result.code == 1
    assert says in lines(result.out, "fail")[topic]


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "ConnectError"),
        (httpx.ReadTimeout("slow"), "timed out after 5s"),
    ],
)
def test_an_unreachable_provider_fails_with_a_clear_message(error: Exception, says: str) -> None:
    result = check(Provider(error=error))
    assert result.code == 1
    message = lines(result.out, "fail")["discovery"]
    assert message.startswith(f"could not fetch discovery from {TENANT}/.well-known/") or (
        "timed out" in message
    )
    assert says in message


def test_missing_settings_fail_and_nothing_is_fetched() -> None:
    provider = Provider()
    result = check(provider, env={})
    assert result.code == 1
    failed = lines(result.out, "fail")
    assert "AUTH0_DOMAIN" in failed["domain"]
    assert "AUTH0_CLIENT_ID" in failed["client_id"]
    assert "AUTH0_CLIENT_SECRET" in failed["client authentication"]
    assert "AUTH0_SECRET" in failed["secret"]
    assert failed["provider"] == "not checked: no usable domain"
    assert "APP_BASE_URL" in lines(result.out, "warn")["app_base_url"]
    assert "configuration" not in result.out  # not built when a setting already failed
    assert provider.requests == []


def test_an_http_domain_needs_the_flag() -> None:
    env = {**ENV, "AUTH0_DOMAIN": "http://127.0.0.1:9"}
    refused = check(Provider(), env=env)
    assert "--allow-insecure-requests" in lines(refused.out, "fail")["domain"]
    allowed = check(
        Provider(error=httpx.ConnectError("refused")), "--allow-insecure-requests", env=env
    )
    assert "plain http" in lines(allowed.out, "warn")["domain"]


def test_a_short_secret_is_reported() -> None:
    result = check(Provider(), env={**ENV, "AUTH0_SECRET": "too-short"})
    reported = {**lines(result.out, "warn"), **lines(result.out, "fail")}
    assert "32" in reported["secret"]
    assert "too-short" not in result.out


def test_the_client_assertion_key_counts_as_credentials() -> None:
    env = {k: v for k, v in ENV.items() if k != "AUTH0_CLIENT_SECRET"}
    env["AUTH0_CLIENT_ASSERTION_SIGNING_KEY"] = _KEY.as_pem(private=True).decode()
    result = check(Provider(), env=env)
    assert "private_key_jwt" in lines(result.out, "pass")["client authentication"]
    assert "BEGIN" not in result.out


def test_what_only_the_client_checks_is_reported_too() -> None:
    result = check(Provider(), env={**ENV, "AUTH0_COOKIE_SAME_SITE": "sometimes"})
    assert result.code == 1
    assert lines(result.out, "fail")["configuration"].startswith("Auth0Client(...) refuses it: ")


def test_a_bad_timeout_is_a_usage_error() -> None:
    result = check(Provider(), "--timeout", "0")
    assert result.code == 2
    assert "--timeout" in result.err


@pytest.mark.anyio
async def test_run_check_against_mock_auth0_in_process() -> None:
    mock = MockAuth0(issuer=TENANT)
    env = {**ENV, "AUTH0_CLIENT_ID": "dev-client"}
    async with httpx.AsyncClient(transport=mock.transport()) as http:
        findings = await run_check(CheckSettings(), env=env, http_client=http)
    by_topic = {f.topic: f for f in findings}
    assert [f.topic for f in findings if f.level is not Level.PASS] == ["clock skew"]
    assert "no Date header" in by_topic["clock skew"].message  # ASGITransport adds none
    assert by_topic["issuer"].message == f"{TENANT}/ matches the domain"
    assert by_topic["end_session_endpoint"].message == f"{TENANT}/oidc/logout"


@pytest.fixture(scope="module")
def served_tenant() -> Any:
    port = free_ports(1)[0]
    with AppServer(MockAuth0(issuer=f"http://127.0.0.1:{port}"), port) as server:
        yield server.url


def _loopback_env() -> dict[str, str]:
    return {"AUTH0_CLIENT_SECRET": "dev-client-secret", "AUTH0_SECRET": SECRET}


def _loopback_args(url: str) -> list[str]:
    return [
        "check",
        "--domain",
        url,
        "--client-id",
        "dev-client",
        "--allow-insecure-requests",
        "--app-base-url",
        "http://127.0.0.1:3000",
    ]


def test_check_mock_auth0_over_loopback_in_process(served_tenant: str) -> None:
    result = run(*_loopback_args(served_tenant), env=_loopback_env())
    assert result.code == 0, result.out
    assert set(lines(result.out, "warn")) == {"domain"}  # plain http, by choice
    assert "[pass] clock skew: " in result.out  # uvicorn's Date header, the same clock
    assert f"[pass] issuer: {served_tenant}/ matches the domain" in result.out


def test_check_mock_auth0_over_loopback_with_python_dash_m(served_tenant: str) -> None:
    result = run_module(*_loopback_args(served_tenant), env=_loopback_env())
    assert result.code == 0, result.out + result.err
    assert "[pass] jwks: 1 signing key(s): RSA RS256" in result.out
    assert "[pass] clock skew: " in result.out
    assert SECRET not in result.out
    assert "dev-client-secret" not in result.out


def test_an_unreachable_tenant_over_loopback() -> None:
    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    result = run_module(*_loopback_args(closed), env=_loopback_env())
    assert result.code == 1
    message = lines(result.out, "fail")["discovery"]
    assert message.startswith(f"could not fetch discovery from {closed}/.well-known/")
    assert "ConnectError" in message
    assert result.err == ""  # a report line, not a traceback
