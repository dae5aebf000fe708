"""Kept for old command lines: the benchmark suite is `python bench/run.py` now (same options)."""

from __future__ import annotations

import sys

import run

if __name__ == "__main__":
    sys.exit(run.main(sys.argv[1:]))
