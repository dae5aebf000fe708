"""The demo's first contact: a busy port or a bad setting ends it with one line, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..peers.peers import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_app.py"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def run_demo(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH0_", "DEMO_"))}
    return subprocess.run(
        [sys.executable, str(DEMO)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stdout == ""  # it never claimed to be serving
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auth0_async demo: ")
    return lines[0]


@pytest.mark.parametrize("variable", ["DEMO_PORT", "DEMO_TENANT_PORT"])
def test_a_busy_port_is_one_line_naming_the_variable(busy_port: int, variable: str) -> None:
    other = "DEMO_TENANT_PORT" if variable == "DEMO_PORT" else "DEMO_PORT"
    line = assert_one_line(run_demo(**{variable: str(busy_port), other: str(free_port())}))
    assert f"port {busy_port} is already in use" in line
    assert f"{variable}=" in line
    assert other not in line


def test_a_port_that_is_not_a_number_is_one_line() -> None:
    line = assert_one_line(run_demo(DEMO_PORT="three thousand"))
    assert "DEMO_PORT" in line
    assert "not a port number" in line


def test_a_short_auth0_secret_is_one_line_without_the_secret() -> None:
    line = assert_one_line(run_demo(AUTH0_SECRET="too-short-to-be-safe"))
    assert "at least 32 characters" in line
    assert "too-short-to-be-safe" not in line
