"""The atheris target fuzz/fuzz_cookies.py: its oracle works, and a bounded libFuzzer run is clean.

The bounded run needs atheris (the test dependency group pins it). Without it the run is
skipped locally and fails in CI (``CI`` set), like the Node.js and Redis suites.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auth0_async._core._crypto import CookieCipher

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "fuzz" / "fuzz_cookies.py"
RUNS = 50_000
"""libFuzzer iterations of the smoke run (a few seconds; -max_total_time bounds it anyway)."""


def load_target() -> Any:
    spec = importlib.util.spec_from_file_location("fuzz_cookies", TARGET)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def atheris_has_wheels() -> bool:
    """Whether the test group's atheris pin applies here (its wheels: Linux x86_64, 3.11+)."""
    return (
        sys.platform == "linux" and platform.machine() == "x86_64" and sys.version_info >= (3, 11)
    )


def require_atheris() -> None:
    """Skip without atheris locally; in CI (CI=true) a missing atheris is a failure.

    Where atheris publishes no wheel (and the pin's environment marker leaves it out), the
    run is skipped in CI too.
    """
    if importlib.util.find_spec("atheris") is None:
        if os.environ.get("CI") and atheris_has_wheels():
            pytest.fail("atheris is required for the fuzz smoke run in CI")
        pytest.skip("atheris is not installed (pip install atheris)")


def test_seeds_pass_the_oracle() -> None:
    fuzz = load_target()
    target = fuzz.Target()
    seeds = fuzz.seed_inputs()
    assert {name.split("-")[0] for name in seeds} == {"raw", "sealed"}
    for data in seeds.values():
        target.check(data)
    # The sealed seeds reach the session decoder: a v4 and a v3 payload read as sessions.
    assert target.read(b"__session=" + CookieCipher([fuzz.SECRET]).encrypt(b"{}").encode()) is None
    assert target.read(b"appSession=" + target.seal_legacy(b'{"user":{"sub":"x"}}').encode())


def test_the_oracle_catches_a_session_from_raw_bytes() -> None:
    # If the raw mode ever returned a session, the target must report it (not pass silently).
    fuzz = load_target()
    target = fuzz.Target()
    payload = b'{"user":{"sub":"a"},"tokenSet":{"accessToken":"x"}}'
    valid = b"__session=" + target.cipher.encrypt(payload).encode()
    with pytest.raises(AssertionError, match="yielded a session"):
        target.check(b"\0" + valid)
    # Sealed modes: a real session reads; chunks with a gap never do (the check would raise).
    target.check(b"\1" + payload)
    target.check(b"\x21\x00\x10" + payload)
    target.check(b"\x61\x00\x10" + payload)


def test_bounded_fuzz_run(tmp_path: Path) -> None:
    require_atheris()
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(TARGET), "--seed-corpus", str(corpus)],
        check=True,
        timeout=60,
        cwd=tmp_path,
    )
    run = subprocess.run(
        [
            sys.executable,
            str(TARGET),
            f"-runs={RUNS}",
            "-seed=1",
            "-max_len=8192",
            "-max_total_time=25",
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
            str(corpus),
        ],
        capture_output=True,
        timeout=120,
        cwd=tmp_path,  # any crash-* reproducer lands here
        check=False,
    )
    log = run.stderr.decode(errors="replace")
    assert run.returncode == 0, log[-4000:]
    assert "Done" in log, log[-4000:]
    assert not list(tmp_path.glob("crash-*")), log[-4000:]
