"""Real test peers for auth0_async, driven from Python (no pytest dependency).

* :class:`OidcProviderProcess` runs ``op.mjs``: the certified ``oidc-provider``
  (npm) configured as an Auth0-like tenant on 127.0.0.1.
* :class:`NextjsOracle` runs ``oracle.mjs``: the real ``@auth0/nextjs-auth0`` v4
  cookie code behind a JSON-lines protocol.
* :func:`drive_login` / :func:`end_op_session` play the browser against the OP's
  dev interaction pages with one ``httpx.Client`` cookie jar.

See ``README.md`` next to this file for the config schema and the protocol.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = [
    "PEERS_DIR",
    "NextjsOracle",
    "OidcProviderProcess",
    "OracleError",
    "PeerError",
    "drive_login",
    "end_op_session",
    "ensure_node_modules",
    "free_port",
    "iter_set_cookie_pairs",
    "make_signing_jwks",
    "pkce_pair",
]

PEERS_DIR: Final = Path(__file__).resolve().parent
_MAX_HOPS: Final = 20


class PeerError(RuntimeError):
    """A test peer could not be started or did not behave as expected."""


class OracleError(PeerError):
    """The nextjs-auth0 oracle answered ``{"ok": false}``."""


# --------------------------------------------------------------------- basics


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return _b64url(value.to_bytes(size, "big"))


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, code_challenge)`` for S256."""
    import hashlib

    verifier = _b64url(secrets.token_bytes(32))
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def make_signing_jwks() -> dict[str, Any]:
    """A fresh private JWKS (RS256 first, then ES256) for the OP's ``jwks`` config field."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rn = rsa_key.private_numbers()
    pub = rn.public_numbers
    ec_key = ec.generate_private_key(ec.SECP256R1())
    en = ec_key.private_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "kid": f"rs256-{secrets.token_hex(6)}",
                "alg": "RS256",
                "use": "sig",
                "n": _b64url_uint(pub.n),
                "e": _b64url_uint(pub.e),
                "d": _b64url_uint(rn.d),
                "p": _b64url_uint(rn.p),
                "q": _b64url_uint(rn.q),
                "dp": _b64url_uint(rn.dmp1),
                "dq": _b64url_uint(rn.dmq1),
                "qi": _b64url_uint(rn.iqmp),
            },
            {
                "kty": "EC",
                "kid": f"es256-{secrets.token_hex(6)}",
                "alg": "ES256",
                "use": "sig",
                "crv": "P-256",
                "x": _b64url_uint(en.public_numbers.x, 32),
                "y": _b64url_uint(en.public_numbers.y, 32),
                "d": _b64url_uint(en.private_value, 32),
            },
        ]
    }


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise PeerError("`node` (Node.js >= 20) is not on PATH; the real test peers need it")
    return node


# ---------------------------------------------------------------- npm install


def ensure_node_modules(peers_dir: Path = PEERS_DIR, *, timeout: float = 300.0) -> None:
    """Run ``npm ci`` in ``tests/peers`` if ``node_modules`` is missing or stale.

    Stale means older than ``package-lock.json``. Serialised with a file lock so
    parallel test workers do not race each other.
    """
    lock_json = peers_dir / "package-lock.json"
    marker = peers_dir / "node_modules" / ".package-lock.json"

    def fresh() -> bool:
        return marker.exists() and marker.stat().st_mtime >= lock_json.stat().st_mtime

    if fresh():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise PeerError(
            "npm is not on PATH: install Node.js >= 20 with npm to run the real-peer tests "
            f"(they need `npm ci` in {peers_dir})"
        )
    with open(peers_dir / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if fresh():
                return
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=peers_dir,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            if proc.returncode != 0:
                raise PeerError(
                    f"`npm ci` failed in {peers_dir} (exit {proc.returncode}):\n"
                    f"{proc.stdout}\n{proc.stderr}"
                )
            # npm keeps the lockfile's mtime; make sure the marker counts as fresh.
            if marker.exists() and not fresh():
                os.utime(marker)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ------------------------------------------------------------ line reader


class _LineReader:
    """Drain a text pipe on a thread; hand out lines with a timeout."""

    def __init__(self, stream: Any) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: Any) -> None:
        try:
            for line in stream:
                self._lines.put(line)
        except (OSError, ValueError):
            pass
        finally:
            self._lines.put(None)

    def readline(self, timeout: float) -> str | None:
        """The next line, ``None`` at EOF; raises ``TimeoutError``."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


_LIVE: set[subprocess.Popen[str]] = set()


@atexit.register
def _kill_leftovers() -> None:
    """Peers must not outlive the interpreter, whatever the tests forgot to stop."""
    for proc in list(_LIVE):
        with contextlib.suppress(OSError):
            proc.kill()


def _stop_process(
    proc: subprocess.Popen[str], reader: _LineReader | None, timeout: float = 5.0
) -> None:
    """Terminate (if still running), reap, let the reader thread hit EOF, close pipes."""
    _LIVE.discard(proc)
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    if reader is not None:
        reader.join(timeout)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


# --------------------------------------------------------------------- the OP


class OidcProviderProcess:
    """``node op.mjs`` on a free port of 127.0.0.1 (or ``port``).

    ``config`` is the JSON config described in README.md (clients, TTLs, jwks, …).
    Start with :meth:`start` or a ``with`` block. :meth:`restart` keeps the port,
    hence the issuer, and loses every grant, session and token (in-memory adapter).
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        port: int | None = None,
        startup_timeout: float = 30.0,
        install: bool = True,
    ) -> None:
        self.config: dict[str, Any] = dict(config or {})
        self._auto_port = port is None
        self.port: int = port if port is not None else free_port()
        self.startup_timeout = startup_timeout
        self._install = install
        self._proc: subprocess.Popen[str] | None = None
        self._stdout: _LineReader | None = None
        self._stderr_file: Any = None
        self._config_path: Path | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stderr_text(self) -> str:
        """What the OP printed on stderr so far (warnings, server errors)."""
        if self._stderr_file is None:
            return ""
        self._stderr_file.flush()
        self._stderr_file.seek(0)
        text: str = self._stderr_file.read()
        self._stderr_file.seek(0, os.SEEK_END)
        return text

    def start(self) -> Self:
        """Start the OP, trying up to three times.

        A port taken meanwhile by another process is replaced (auto ports only), and a start
        that hangs without printing READY (seen rarely on a loaded 2-core machine) is killed
        and tried again on a fresh port.
        """
        for attempt in range(3):
            try:
                return self._start_once()
            except PeerError as exc:  # noqa: PERF203 (a retry, at most three starts)
                message = str(exc)
                retryable = "EADDRINUSE" in message or "did not print READY" in message
                if not retryable or attempt == 2:
                    raise
                if self._auto_port:
                    self.port = free_port()
        raise AssertionError("unreachable")

    def _start_once(self) -> Self:
        if self.running:
            return self
        if self._install:
            ensure_node_modules()
        fd, name = tempfile.mkstemp(prefix="op-config-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(self.config, fh)
        self._config_path = Path(name)
        self._stderr_file = tempfile.TemporaryFile(mode="w+", prefix="op-stderr-")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [_node(), "op.mjs", "--port", str(self.port), "--config", name],
            cwd=PEERS_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            text=True,
        )
        _LIVE.add(self._proc)
        self._stdout = _LineReader(self._proc.stdout)
        deadline = time.monotonic() + self.startup_timeout
        expected = f"READY {self.issuer}"
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                line = self._stdout.readline(remaining)
            except TimeoutError:
                err = self.stderr_text()
                self.stop()
                raise PeerError(
                    f"op.mjs did not print READY within {self.startup_timeout}s; stderr:\n{err}"
                ) from None
            if line is None:
                self._proc.wait(5)
                err = self.stderr_text()
                code = self._proc.returncode
                self.stop()
                raise PeerError(f"op.mjs exited with {code} before READY; stderr:\n{err}")
            if line.strip() == expected:
                # op.mjs read its config before listening
                self._config_path.unlink(missing_ok=True)
                self._config_path = None
                return self

    def stop(self) -> None:
        if self._proc is not None:
            _stop_process(self._proc, self._stdout)
            self._proc = None
        self._stdout = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        if self._config_path is not None:
            self._config_path.unlink(missing_ok=True)
            self._config_path = None

    def restart(self, config: Mapping[str, Any] | None = None) -> Self:
        """Stop and start again on the same port (same issuer), optionally with a new config."""
        self.stop()
        if config is not None:
            self.config = dict(config)
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- test-only control endpoints ------------------------------------------

    def _control(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        with httpx.Client(timeout=10.0) as client:
            response = client.request(
                method,
                f"{self.issuer}{path}",
                content=None if body is None else json.dumps(body),
                headers={"content-type": "application/json"} if body is not None else None,
            )
        data = response.json()
        if response.status_code >= 400:
            raise PeerError(f"{method} {path} -> {response.status_code}: {data}")
        return data

    def grants(self) -> dict[str, Any]:
        """``GET /__test/grants``: token-endpoint counters (see README.md)."""
        data: dict[str, Any] = self._control("GET", "/__test/grants")
        return data

    def refresh_grant_count(self, client_id: str | None = None) -> dict[str, int]:
        """``{"success", "failure", "total"}`` of ``grant_type=refresh_token`` requests."""
        data = self.grants()
        if client_id is None:
            counts: dict[str, int] = data["refresh_token"]
        else:
            zero = {"success": 0, "failure": 0, "total": 0}
            counts = data["by_client"].get(client_id, {}).get("refresh_token", zero)
        return counts

    def reset_grants(self) -> None:
        self._control("POST", "/__test/grants/reset", {})

    def rotate_keys(
        self, jwks: Mapping[str, Any] | None = None, *, retain_previous: bool = True
    ) -> dict[str, Any]:
        """Swap the signing keys at runtime (new keys sign; old ones stay published if retained).

        Returns ``{"ok": true, "kids": [...], "jwks": <public JWKS>}``.
        """
        body: dict[str, Any] = {"retain_previous": retain_previous}
        if jwks is not None:
            body["jwks"] = dict(jwks)
        data: dict[str, Any] = self._control("POST", "/__test/rotate-keys", body)
        return data

    def backchannel_logout(self, client_id: str, *, sub: str, sid: str) -> None:
        """Have the OP send a logout token to the client's ``backchannel_logout_uri`` now."""
        self._control(
            "POST", "/__test/backchannel-logout", {"client_id": client_id, "sub": sub, "sid": sid}
        )


# ----------------------------------------------------------------- the oracle


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_options(options: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, Mapping):
            out[_camel(key)] = {_camel(k): v for k, v in value.items()}
        else:
            out[_camel(key)] = value
    return out


class NextjsOracle:
    """``node oracle.mjs``: the real nextjs-auth0 v4 cookie code, one JSON line per call.

    Keyword options are passed to the SDK's store constructors after snake_case →
    camelCase (one level deep), e.g. ``rolling=False, absolute_duration=60,
    cookie_options={"same_site": "strict", "secure": True}``. ``now`` (epoch
    seconds) freezes the oracle's ``Date.now()`` for that one call.
    """

    def __init__(self, *, timeout: float = 15.0, install: bool = True) -> None:
        self.timeout = timeout
        self._install = install
        self._proc: subprocess.Popen[str] | None = None
        self._stdout: _LineReader | None = None
        self._stderr_file: Any = None
        self._lock = threading.Lock()

    def start(self) -> Self:
        if self._proc is not None and self._proc.poll() is None:
            return self
        if self._install:
            ensure_node_modules()
        self._stderr_file = tempfile.TemporaryFile(  # noqa: SIM115
            mode="w+", prefix="oracle-stderr-"
        )
        self._proc = subprocess.Popen(
            [_node(), "oracle.mjs"],
            cwd=PEERS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            text=True,
            bufsize=1,
        )
        _LIVE.add(self._proc)
        self._stdout = _LineReader(self._proc.stdout)
        return self

    def stderr_text(self) -> str:
        if self._stderr_file is None:
            return ""
        self._stderr_file.flush()
        self._stderr_file.seek(0)
        text: str = self._stderr_file.read()
        self._stderr_file.seek(0, os.SEEK_END)
        return text

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(2)
            _stop_process(self._proc, self._stdout)
            self._proc = None
        self._stdout = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def call(self, op: str, **fields: Any) -> Any:
        """Send one request; return its ``result`` or raise :class:`OracleError`."""
        with self._lock:
            self.start()
            assert self._proc is not None
            assert self._proc.stdin is not None
            assert self._stdout is not None
            line = json.dumps({"op": op, **fields})
            try:
                self._proc.stdin.write(line + "\n")
                self._proc.stdin.flush()
            except OSError as exc:
                raise PeerError(f"oracle died: {exc}; stderr:\n{self.stderr_text()}") from exc
            try:
                answer = self._stdout.readline(self.timeout)
            except TimeoutError:
                err = self.stderr_text()
                self.close()
                raise PeerError(
                    f"oracle gave no answer to {op!r} within {self.timeout}s; stderr:\n{err}"
                ) from None
            if answer is None:
                err = self.stderr_text()
                self.close()
                raise PeerError(f"oracle exited during {op!r}; stderr:\n{err}")
        response = json.loads(answer)
        if not response.get("ok"):
            raise OracleError(f"{op}: {response.get('error')}")
        return response.get("result")

    @staticmethod
    def _with_now(fields: dict[str, Any], now: float | None) -> dict[str, Any]:
        if now is not None:
            fields["now"] = now
        return fields

    def ping(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("ping")
        return result

    def encrypt(
        self,
        payload: Mapping[str, Any],
        secret: str,
        exp: int,
        *,
        additional_headers: Mapping[str, Any] | None = None,
    ) -> str:
        fields: dict[str, Any] = {"payload": dict(payload), "secret": secret, "exp": exp}
        if additional_headers is not None:
            fields["additionalHeaders"] = dict(additional_headers)
        result: str = self.call("encrypt", **fields)
        return result

    def decrypt(self, value: str, secret: str, *, now: float | None = None) -> Any:
        """The payload (a dict, with ``exp``) or ``None``."""
        return self.call("decrypt", **self._with_now({"value": value, "secret": secret}, now))

    def decrypt_full(self, value: str, secret: str) -> dict[str, Any] | None:
        """``{"payload", "protectedHeader"}`` or ``None``."""
        result: dict[str, Any] | None = self.call("decrypt", value=value, secret=secret, full=True)
        return result

    def generate_session_cookie(self, session: Mapping[str, Any], secret: str) -> str:
        result: str = self.call("generateSessionCookie", session=dict(session), secret=secret)
        return result

    def store_get(
        self, cookie_header: str, secret: str, *, now: float | None = None, **options: Any
    ) -> dict[str, Any] | None:
        fields = {
            "cookieHeader": cookie_header,
            "secret": secret,
            "options": _camel_options(options),
        }
        result: dict[str, Any] | None = self.call("storeGet", **self._with_now(fields, now))
        return result

    def store_set(
        self,
        cookie_header: str,
        session: Mapping[str, Any],
        secret: str,
        *,
        now: float | None = None,
        **options: Any,
    ) -> list[str]:
        fields = {
            "cookieHeader": cookie_header,
            "session": dict(session),
            "secret": secret,
            "options": _camel_options(options),
        }
        result: list[str] = self.call("storeSet", **self._with_now(fields, now))
        return result

    def store_delete(
        self, cookie_header: str, secret: str, *, now: float | None = None, **options: Any
    ) -> list[str]:
        fields = {
            "cookieHeader": cookie_header,
            "secret": secret,
            "options": _camel_options(options),
        }
        result: list[str] = self.call("storeDelete", **self._with_now(fields, now))
        return result

    def txn_save(
        self,
        transaction: Mapping[str, Any],
        secret: str,
        *,
        cookie_header: str | None = None,
        now: float | None = None,
        **options: Any,
    ) -> list[str]:
        """``TransactionStore#save``; options e.g. ``cookie_options={"max_age": 60}``,
        ``enable_parallel_transactions=False``. A ``cookie_header`` turns on FIFO eviction."""
        fields: dict[str, Any] = {
            "transaction": dict(transaction),
            "secret": secret,
            "options": _camel_options(options),
        }
        if cookie_header is not None:
            fields["cookieHeader"] = cookie_header
        result: list[str] = self.call("txnSave", **self._with_now(fields, now))
        return result

    def txn_get(
        self,
        cookie_header: str,
        state: str,
        secret: str,
        *,
        now: float | None = None,
        **options: Any,
    ) -> dict[str, Any] | None:
        fields = {
            "cookieHeader": cookie_header,
            "state": state,
            "secret": secret,
            "options": _camel_options(options),
        }
        result: dict[str, Any] | None = self.call("txnGet", **self._with_now(fields, now))
        return result

    def txn_delete_all(self, cookie_header: str, secret: str, **options: Any) -> list[str]:
        result: list[str] = self.call(
            "txnDeleteAll",
            cookieHeader=cookie_header,
            secret=secret,
            options=_camel_options(options),
        )
        return result


# -------------------------------------------------------------- the browser


class _Form:
    def __init__(self, attrs: Mapping[str, str | None]) -> None:
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.id = attrs.get("id") or ""
        self.inputs: dict[str, str] = {}
        self.input_types: dict[str, str] = {}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._current: _Form | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._current = _Form(a)
            self.forms.append(self._current)
        elif tag == "input":
            owner = self._current
            if a.get("form"):
                owner = next((f for f in self.forms if f.id == a["form"]), owner)
            name = a.get("name")
            if owner is not None and name:
                owner.inputs[name] = a.get("value") or ""
                owner.input_types[name] = (a.get("type") or "text").lower()
        elif tag == "title":
            self._in_title = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "form":
            self._current = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _forms(html: str) -> tuple[str, list[_Form]]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.title.strip(), parser.forms


def _walk(
    client: httpx.Client,
    first: httpx.Response,
    op_origin: tuple[str, str],
    answer: Callable[[str, list[_Form]], tuple[_Form, dict[str, str]] | str | None],
) -> str:
    """Follow same-origin redirects, let ``answer`` fill each HTML page, and return
    the first redirect target that leaves ``op_origin``."""
    response = first
    for _ in range(_MAX_HOPS):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if _origin(target) != op_origin:
                return target
            response = client.get(target, follow_redirects=False)
            continue
        if response.status_code == 200 and "html" in response.headers.get("content-type", ""):
            title, forms = _forms(response.text)
            step = answer(title, forms)
            if isinstance(step, str):  # "done": this page is where the flow ends
                return str(response.url)
            if step is None:
                raise PeerError(
                    f"no form to answer on {response.url} ({title!r}):\n{response.text[:2000]}"
                )
            form, data = step
            action = urljoin(str(response.url), form.action)
            if form.method == "post":
                response = client.post(action, data=data, follow_redirects=False)
            else:
                response = client.get(action, params=data, follow_redirects=False)
            continue
        raise PeerError(
            f"unexpected {response.status_code} from {response.url}:\n{response.text[:2000]}"
        )
    raise PeerError(f"gave up after {_MAX_HOPS} hops without leaving {op_origin}")


def drive_login(
    authorize_url: str,
    *,
    login: str = "alice",
    password: str = "password",
    client: httpx.Client,
    consent: bool = True,
) -> str:
    """Play the browser through the OP's dev login and consent pages.

    Redirects are followed by hand (one request at a time, whatever the client's
    ``follow_redirects`` says, at most 20 hops). ``client`` keeps the OP's cookies
    (``_session``, ``_interaction``…) for later SSO or :func:`end_op_session`.
    The login page takes any ``login`` (it becomes ``sub``); the password is not checked.
    Returns the first redirect URL that leaves the OP's origin: normally the app's
    callback ``…?code=…&state=…&iss=…`` (or ``…?error=…``). With ``consent=False``
    the consent page is cancelled (→ ``error=access_denied``).
    """
    op_origin = _origin(authorize_url)

    def answer(_title: str, forms: list[_Form]) -> tuple[_Form, dict[str, str]] | str | None:
        for form in forms:
            prompt = form.inputs.get("prompt")
            if prompt == "login" or "login" in form.inputs:
                data = dict(form.inputs)
                data["login"] = login
                data["password"] = password
                return form, data
            if prompt == "consent":
                if not consent:
                    abort = _Form({"action": form.action.rstrip("/") + "/abort", "method": "get"})
                    return abort, {}
                return form, dict(form.inputs)
        return None

    first = client.get(authorize_url, follow_redirects=False)
    return _walk(client, first, op_origin, answer)


def end_op_session(
    op_issuer: str,
    id_token_hint: str | None,
    post_logout_redirect_uri: str | None,
    client: httpx.Client,
    *,
    state: str | None = None,
    client_id: str | None = None,
    logout: Literal["yes", "no"] = "yes",
) -> str:
    """RP-initiated logout as a browser does it, with the cookie jar that logged in.

    GET ``/session/end?…``, then POST the "Do you want to sign-out" form
    (``/session/end/confirm`` with its hidden ``xsrf`` and ``logout=yes``). With
    ``logout="yes"`` the OP sends back-channel logout tokens to every client of the
    OP session before it answers. Returns the redirect target outside the OP, or the
    OP's own success page URL when there is no ``post_logout_redirect_uri``.
    """
    params: dict[str, str] = {}
    if id_token_hint is not None:
        params["id_token_hint"] = id_token_hint
    if post_logout_redirect_uri is not None:
        params["post_logout_redirect_uri"] = post_logout_redirect_uri
    if state is not None:
        params["state"] = state
    if client_id is not None:
        params["client_id"] = client_id
    url = f"{op_issuer.rstrip('/')}/session/end"
    if params:
        url = f"{url}?{urlencode(params)}"
    return confirm_op_logout(url, client, logout=logout)


def confirm_op_logout(
    logout_url: str, client: httpx.Client, *, logout: Literal["yes", "no"] = "yes"
) -> str:
    """Follow an RP-initiated logout URL (as an app redirects to it) and answer the OP's form.

    Returns the redirect target outside the OP (``post_logout_redirect_uri`` + ``state``),
    or the OP's own success page URL.
    """
    url = logout_url
    op_origin = _origin(logout_url)
    confirmed = False

    def answer(_title: str, forms: list[_Form]) -> tuple[_Form, dict[str, str]] | str | None:
        nonlocal confirmed
        if confirmed:
            return "done"  # the OP's own "Sign-out Success" page
        for form in forms:
            if "xsrf" in form.inputs:
                confirmed = True
                data = dict(form.inputs)
                if logout == "yes":
                    data["logout"] = "yes"
                return form, data
        return None

    return _walk(client, client.get(url, follow_redirects=False), op_origin, answer)


def iter_set_cookie_pairs(lines: list[str]) -> Iterator[tuple[str, str]]:
    """``(name, raw value)`` of each ``Set-Cookie`` line (value not percent-decoded)."""
    for line in lines:
        pair = line.split(";", 1)[0]
        name, _, value = pair.partition("=")
        yield name, value


class _LogoutTokenHandler(BaseHTTPRequestHandler):
    received: ClassVar[list[str]]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        type(self).received.append(form["logout_token"][0])
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def logout_token_sink() -> Iterator[tuple[str, list[str]]]:
    """A loopback back-channel logout endpoint that records the logout tokens the OP posts.

    Yields its URL and the list the tokens are appended to.
    """
    received: list[str] = []
    handler = type("Sink", (_LogoutTokenHandler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/auth/backchannel-logout", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
