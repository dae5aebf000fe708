"""The argument parser and the entry point of ``auth0-async`` / ``python -m auth0_async``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from functools import partial
from typing import TYPE_CHECKING

import anyio

from .._exceptions import ConfigurationError
from .._version import __version__
from ._check import CheckSettings, Level, run_check
from ._decode import DEFAULT_COOKIE_NAME, Outcome, decode_cookie
from ._secret import MIN_SECRET_BYTES, new_secret

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import TextIO

    import httpx

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "build_parser", "main"]

EXIT_FAILED = 1
"""``check`` found a failure."""
EXIT_USAGE = 2
"""Bad arguments, or a required setting (such as the secret) is missing."""

_DECODE_EPILOG = """\
input: one or more arguments, or standard input when none is given (or "-").
Each may be a whole "Cookie: ..." header, "__session=<value>" pairs (chunks
"__session__0=...; __session__1=..." are joined), or a bare value (several bare
values are joined in order, as chunks; put "--" before them, since a chunk
may start with "-"). Stateless cookies show the session;
a stateful cookie holds only a session id and says so.

exit codes:
  0  a live session (printed on standard output)
  2  usage error, or no secret (--secret or AUTH0_SECRET)
  3  malformed: no session cookie in the input, chunks with a gap, not a JWE,
     or not a session inside
  4  does not decrypt: a different secret (or an altered cookie)
  5  expired: the session is still printed, with its exp
"""

_CHECK_EPILOG = """\
settings: --domain, --client-id and --app-base-url override AUTH0_DOMAIN,
AUTH0_CLIENT_ID and APP_BASE_URL; secrets (AUTH0_SECRET, AUTH0_CLIENT_SECRET,
AUTH0_CLIENT_ASSERTION_SIGNING_KEY) are read from the environment only, and
never printed. Each finding is one [pass], [warn] or [fail] line.

exit codes:
  0  nothing failed (warnings allowed)
  1  at least one [fail] line
  2  usage error
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``auth0-async`` and its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="auth0-async",
        description="Developer tools for auth0_async: make a cookie secret, read a session "
        "cookie, check the configuration against the tenant.",
    )
    parser.add_argument("--version", action="version", version=f"auth0-async {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    secret = commands.add_parser(
        "secret",
        help="print a new random value for AUTH0_SECRET",
        description="Print a new random secret for AUTH0_SECRET, from the operating system's "
        f"CSPRNG: {MIN_SECRET_BYTES} bytes (256 bits) by default, as 64 hex characters "
        "(or 43 base64url characters with --base64url).",
    )
    secret.add_argument(
        "--base64url",
        action="store_true",
        help="encode as unpadded base64url instead of hex",
    )
    secret.add_argument(
        "--bytes",
        type=int,
        default=MIN_SECRET_BYTES,
        metavar="N",
        help=f"random bytes to use (at least {MIN_SECRET_BYTES}; default {MIN_SECRET_BYTES})",
    )

    decode = commands.add_parser(
        "decode-cookie",
        help="decrypt a session cookie and print the session JSON (tokens masked)",
        description="Decrypt a session cookie with the app's secret and print the session "
        "as JSON, for debugging. Access, refresh and ID tokens are masked unless "
        "--show-tokens is given.",
        epilog=_DECODE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decode.add_argument("cookie", nargs="*", metavar="COOKIE", help="the cookie (see below)")
    decode.add_argument(
        "--secret",
        action="append",
        metavar="SECRET",
        help="the app's secret; repeat for rotated secrets (default: AUTH0_SECRET)",
    )
    decode.add_argument(
        "--cookie-name",
        default=DEFAULT_COOKIE_NAME,
        metavar="NAME",
        help=f"the session cookie's name (default {DEFAULT_COOKIE_NAME})",
    )
    decode.add_argument(
        "--show-tokens",
        action="store_true",
        help="print access, refresh and ID tokens (and a stateful id) instead of masking them",
    )

    check = commands.add_parser(
        "check",
        help="check the configuration, the tenant's discovery and keys, and the clock",
        description="Check the configuration as Auth0Client reads it, fetch the tenant's "
        "discovery document and JWKS, and compare this machine's clock with the tenant's.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--domain", help="the Auth0 domain or issuer URL (default: AUTH0_DOMAIN)")
    check.add_argument("--client-id", help="the application's client id (default: AUTH0_CLIENT_ID)")
    check.add_argument("--app-base-url", help="the app's public URL (default: APP_BASE_URL)")
    check.add_argument(
        "--allow-insecure-requests",
        action="store_true",
        help="accept an http:// domain (a local tenant such as MockAuth0 only)",
    )
    check.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per request (default 5)"
    )
    return parser


def _secret(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        value = new_secret(size=args.bytes, encoding="base64url" if args.base64url else "hex")
    except ValueError as exc:
        print(f"auth0-async secret: {exc}", file=err)
        return EXIT_USAGE
    print(value, file=out)
    return 0


def _decode(
    args: argparse.Namespace,
    env: Mapping[str, str],
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    clock: Callable[[], float],
) -> int:
    secrets: list[str] = args.secret or ([env["AUTH0_SECRET"]] if env.get("AUTH0_SECRET") else [])
    if not secrets:
        print("auth0-async decode-cookie: no secret: pass --secret or set AUTH0_SECRET", file=err)
        return EXIT_USAGE
    pieces: list[str] = args.cookie
    if not pieces or pieces == ["-"]:
        if stdin.isatty():
            print("reading the cookie from standard input (end with Ctrl-D)", file=err)
        pieces = [stdin.read()]
    try:
        result = decode_cookie(
            pieces, secrets, name=args.cookie_name, show_tokens=args.show_tokens, clock=clock
        )
    except ConfigurationError as exc:
        print(f"auth0-async decode-cookie: {exc}", file=err)
        return EXIT_USAGE
    if result.payload is not None:
        print(json.dumps(result.payload, indent=2, ensure_ascii=False), file=out)
    label = "ok" if result.outcome is Outcome.OK else result.outcome.name.lower().replace("_", " ")
    print(f"{label}: {result.message}", file=err)
    return int(result.outcome)


def _check(
    args: argparse.Namespace,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    clock: Callable[[], float],
    http_client: httpx.AsyncClient | None,
) -> int:
    settings = CheckSettings(
        domain=args.domain,
        client_id=args.client_id,
        app_base_url=args.app_base_url,
        allow_insecure_requests=args.allow_insecure_requests,
        timeout=args.timeout,
    )
    try:
        findings = anyio.run(
            partial(run_check, settings, env=env, http_client=http_client, clock=clock)
        )
    except ConfigurationError as exc:
        print(f"auth0-async check: {exc}", file=err)
        return EXIT_USAGE
    for finding in findings:
        print(finding.line(), file=out)
    counts = {level: sum(f.level is level for f in findings) for level in Level}
    print(
        f"{counts[Level.PASS]} passed, {counts[Level.WARN]} warning(s), "
        f"{counts[Level.FAIL]} failed",
        file=out,
    )
    return EXIT_FAILED if counts[Level.FAIL] else 0


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Callable[[], float] = time.time,
    http_client: httpx.AsyncClient | None = None,
) -> int:
    """Run the command line and return its exit code.

    The keyword arguments are seams for tests (the environment, the streams, the
    clock, and the HTTP client ``check`` uses); the console script passes none.

    Raises:
        SystemExit: from argparse, for ``--help``, ``--version`` and bad arguments (code 2).

    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    environment = os.environ if env is None else env
    if args.command == "secret":
        return _secret(args, out, err)
    if args.command == "decode-cookie":
        return _decode(args, environment, stdin or sys.stdin, out, err, clock)
    if args.command == "check":
        return _check(args, environment, out, err, clock, http_client)
    parser.print_help(err)
    return EXIT_USAGE
