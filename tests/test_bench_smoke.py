"""The benchmark suite runs end to end (`bench/run.py --quick`). No timing is asserted here.

The first test needs only what the test environment has (our code, joserfc, uvicorn, redis;
Starlette's signed cookie when itsdangerous is installed) and the Python load generator.
The second also exercises the optional bench peers (auth0-server-python, @auth0/nextjs-auth0
in bench/node_modules, wrk) and is skipped where they are not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "bench" / "run.py"


def run_bench(out: Path, *args: str) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(out), *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"bench failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    results = json.loads((out / "latest.json").read_text())
    assert (out / "latest.md").read_text().strip() == done.stdout.strip()
    return results, done.stdout


def number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def test_bench_quick_runs_every_section(tmp_path: Path) -> None:
    results, text = run_bench(tmp_path, "--peers", "core", "--loadgen", "python")

    for entry in results["read"]["sizes"]:
        rows = {row["name"]: row for row in entry["rows"]}
        assert number(rows["auth0_async get_session(scope)"]["seconds"])
        assert number(rows["auth0_async get_session(scope), warm"]["seconds"])
        assert number(rows["practical limit (split, b64, AES-GCM, msgspec Struct)"]["seconds"])
        starlette = rows["Starlette SessionMiddleware read (signed, not encrypted)"]
        assert number(starlette["seconds"]) or starlette["note"].startswith("unavailable")
    assert [e["chunks"] for e in results["read"]["sizes"]] == [1, 1, 3]

    for entry in results["write"]["sizes"]:
        assert all(number(row["seconds"]) for row in entry["rows"])

    rows = {row["name"]: row for row in results["middleware"]["rows"]}
    assert rows["anonymous (no cookie)"]["set_cookie_per_response"] == 0
    assert (
        rows["stateless 3.3 KB, rolling, re-issued every request"]["set_cookie_per_response"] == 1
    )
    assert rows["stateless 3.3 KB, rolling, rolling_threshold=60"]["set_cookie_per_response"] == 0
    assert (
        rows["control: a middleware that only wraps send (vs bare)"]["set_cookie_per_response"] == 0
    )
    control = "control: bare app sending a re-issue's headers, no session logic (vs bare)"
    assert rows[control]["set_cookie_per_response"] == 1
    for control in (
        "control: bare app reading the 3.3 KB session the limit's way, cold (vs bare)",
        "control: the same with the payload remembered, warm (vs bare)",
    ):
        assert rows[control]["set_cookie_per_response"] == 0
    for row in rows.values():
        assert number(row["bare_rps"])
        assert number(row["ours_rps"])
        assert row["errors"] == 0

    stores = results["stores"]["stores"]
    assert all(number(v) for op in stores["MemorySessionStore"].values() for v in op.values())
    if shutil.which("redis-server"):
        assert any(r.startswith("Redis store") for r in rows)
        assert all(number(v) for op in stores["RedisSessionStore"].values() for v in op.values())

    assert all(number(row["ratio"]) for row in results["sizes"]["rows"])
    assert [row["connections"] for row in results["concurrency"]["rows"]] == [1, 16]
    assert "## Targets" in text
    assert any(t["what"] == "read 3.3 KB" for t in results["targets"])


@pytest.mark.skipif(
    importlib.util.find_spec("auth0_server_python") is None
    or importlib.util.find_spec("itsdangerous") is None
    or not (ROOT / "bench" / "node_modules" / "@auth0" / "nextjs-auth0").is_dir()
    or shutil.which("node") is None
    or shutil.which("wrk") is None,
    reason="optional bench peers not installed (see docs/benchmarks.md)",
)
def test_bench_quick_with_every_peer(tmp_path: Path) -> None:
    results, _ = run_bench(
        tmp_path, "--peers", "auto", "--loadgen", "wrk", "--only", "read,middleware"
    )
    for entry in results["read"]["sizes"]:
        for row in entry["rows"]:
            assert number(row["seconds"]), row
    assert results["middleware"]["loadgen"] == "wrk"
    assert all(number(row["ours_rps"]) for row in results["middleware"]["rows"])
