"""Run the command line in-process (``main`` with seams) or as ``python -m auth0_async``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auth0_async._cli import main

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
    clock: Callable[[], float] = time.time,
    http_client: httpx.AsyncClient | None = None,
) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(args),
        env={} if env is None else env,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        clock=clock,
        http_client=http_client,
    )
    return Result(code, out.getvalue(), err.getvalue())


def run_module(
    *args: str, env: Mapping[str, str] | None = None, stdin: str = "", timeout: float = 60
) -> Result:
    """``python -m auth0_async ARGS`` in a child process, with only ``env`` (plus PATH) set."""
    child_env = {"PATH": os.environ.get("PATH", ""), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "auth0_async", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=child_env,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)
