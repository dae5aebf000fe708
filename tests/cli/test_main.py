from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from auth0_async import __version__
from auth0_async._cli import main

from ._run import run, run_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("secret", "64 hex characters"),
        ("decode-cookie", "exit codes:"),
        ("check", "exit codes:"),
    ],
)
def test_each_command_has_help(command: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert says in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2() -> None:
    result = run()
    assert result.code == 2
    assert "secret" in result.err
    assert "decode-cookie" in result.err
    assert "check" in result.err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_version_with_python_dash_m() -> None:
    result = run_module("--version")
    assert result.code == 0
    assert result.out.strip() == f"auth0-async {__version__}"


def test_the_console_script_points_at_main() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, name = config["project"]["scripts"]["auth0-async"].partition(":")
    assert getattr(importlib.import_module(module), name) is main


def test_python_dash_m_runs_main(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["auth0_async", "secret"])
    monkeypatch.delitem(sys.modules, "auth0_async.__main__", raising=False)
    import runpy

    with pytest.raises(SystemExit) as exited:
        runpy.run_module("auth0_async", run_name="__main__")
    assert exited.value.code == 0
