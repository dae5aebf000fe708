"""``python -m tests.mutation hand|score [module ...]``: the hand mutants, and the scores.

``hand`` applies each mutant of :mod:`tests.mutation.hand` to a scratch copy of
``src/``, runs the module's tests against it and records killed or survived in
``mutants/hand-results.json``. ``score`` reads that file and mutmut's results
(``mutants/src/auth0_async/<module>.py.meta``) and prints one score per module and
overall: raw, and with the survivors judged equivalent
(:data:`tests.mutation.equivalent.EQUIVALENT`, ``HandMutant.equivalent``) set aside.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .equivalent import EQUIVALENT
from .hand import MUTANTS, TESTS, HandMutant

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "mutants" / "hand-results.json"
PYTEST_ARGS = ("-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", "-m", "not e2e")
TIMEOUT = 600
# mutmut's exit-code meanings (mutmut.stats.status_by_exit_code), reduced to what a score needs.
_KILLED_CODES = {1, 3, 36, -24, 24, 152, 255}  # failed tests, or a timeout
_SET_ASIDE_CODES = {34, 37}  # skipped, caught by the type checker
_UNKILLED_CODES = {0, 5, 33}  # survived, or no test covers it


def _source(module: str) -> Path:
    return ROOT / "src" / "auth0_async" / f"{module}.py"


def _pytest(src: Path, tests: tuple[str, ...]) -> int:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return -1
    return done.returncode


def run_hand(modules: list[str]) -> int:
    """Apply, test and revert every hand mutant of ``modules``; 0 unless something broke."""
    chosen = [m for m in MUTANTS if m.module in modules]
    results: dict[str, dict[str, str]] = {}
    if RESULTS.exists():
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="hand-mutants-") as scratch:
        src = Path(scratch) / "src"
        # No bytecode anywhere in the copy: a same-size edit within one second could
        # otherwise be served from a stale .pyc.
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
        for module in modules:
            code = _pytest(src, TESTS[module])
            if code != 0:
                print(f"{module}: the tests fail without any mutation (exit {code})")
                return 1
        for index, mutant in enumerate(chosen, 1):
            original = _source(mutant.module).read_text(encoding="utf-8")
            count = original.count(mutant.old)
            if count != 1:
                print(f"stale hand mutant ({count} matches in {mutant.module}): {mutant.old!r}")
                return 1
            target = src / "auth0_async" / f"{mutant.module}.py"
            target.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
            started = time.monotonic()
            try:
                code = _pytest(src, TESTS[mutant.module])
            finally:
                target.write_text(original, encoding="utf-8")
            status = {0: "survived", 1: "killed", -1: "timeout"}.get(code, f"error {code}")
            if status.startswith("error"):
                print(f"pytest could not run against {_key(mutant)}: exit {code}")
                return 1
            seconds = time.monotonic() - started
            print(f"[{index}/{len(chosen)}] {status:8} {seconds:5.1f}s  {_key(mutant)}")
            results[_key(mutant)] = {"module": mutant.module, "status": status}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True), encoding="utf-8")
    return 0


def _key(mutant: HandMutant) -> str:
    return f"{mutant.module}: {mutant.old!r} -> {mutant.new!r}"


@dataclass
class Tally:
    """Counts for one module (or all of them)."""

    killed: int = 0
    total: int = 0
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)

    def add(self, name: str, killed: bool, reason: str | None) -> None:
        self.total += 1
        if killed:
            self.killed += 1
        elif reason is not None:
            self.equivalent += 1
        else:
            self.survivors.append(name)

    def line(self, label: str) -> str:
        raw = 100.0 * self.killed / self.total if self.total else 100.0
        judged = self.total - self.equivalent
        adjusted = 100.0 * self.killed / judged if judged else 100.0
        return (
            f"{label:22} {self.killed:4}/{self.total:<4} killed  raw {raw:5.1f}%  "
            f"{adjusted:5.1f}% with {self.equivalent} equivalent set aside"
        )


def _mutmut_results(module: str) -> dict[str, int | None]:
    meta = ROOT / "mutants" / "src" / "auth0_async" / f"{module}.py.meta"
    if not meta.exists():
        return {}
    data = json.loads(meta.read_text(encoding="utf-8"))
    codes: dict[str, int | None] = data["exit_code_by_key"]
    return codes


def score(modules: list[str], minimum: float) -> int:
    """Print the scores; non-zero when a module's adjusted score is under ``minimum``."""
    hand: dict[str, dict[str, str]] = {}
    if RESULTS.exists():
        hand = json.loads(RESULTS.read_text(encoding="utf-8"))
    reasons = {_key(m): m.equivalent for m in MUTANTS}
    overall = Tally()
    failing = False
    for module in modules:
        tally = Tally()
        codes = _mutmut_results(module)
        unchecked = [name for name, code in codes.items() if code is None]
        for name, code in sorted(codes.items()):
            if code is None or code in _SET_ASIDE_CODES:
                continue
            odd = code not in _KILLED_CODES | _UNKILLED_CODES  # e.g. a crash: not a kill
            label = f"{name} (exit {code})" if odd else name
            tally.add(label, code in _KILLED_CODES, EQUIVALENT.get(name))
        for key, entry in sorted(hand.items()):
            if entry["module"] == module:
                tally.add(key, entry["status"] != "survived", reasons.get(key))
        for name in tally.survivors:
            overall.survivors.append(name)
        print(tally.line(module))
        if unchecked:
            print(f"    {len(unchecked)} mutmut mutants not run yet")
        for name in tally.survivors:
            print(f"    survived: {name}")
        overall.killed += tally.killed
        overall.total += tally.total
        overall.equivalent += tally.equivalent
        judged = tally.total - tally.equivalent
        failing |= not codes or (bool(judged) and 100.0 * tally.killed / judged < minimum)
    print(overall.line("overall"))
    return 1 if failing else 0


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tests.mutation")
    parser.add_argument("command", choices=["hand", "score"])
    parser.add_argument("modules", nargs="*", help="e.g. _cookies _oidc/_redirects (default: all)")
    parser.add_argument("--minimum", type=float, default=95.0, help="score: lowest passing %%")
    args = parser.parse_args(argv)
    modules: list[str] = args.modules or list(TESTS)
    unknown = sorted(set(modules) - set(TESTS))
    if unknown:
        parser.error(f"unknown modules: {', '.join(unknown)}")
    if args.command == "hand":
        return run_hand(modules)
    return score(modules, args.minimum)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
