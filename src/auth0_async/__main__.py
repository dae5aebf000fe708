"""``python -m auth0_async``: the command line (``secret``, ``decode-cookie``, ``check``)."""

from __future__ import annotations

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
