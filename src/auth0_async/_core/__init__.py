"""The pure core: session models, cookie crypto, cookies, lifetimes, request/response views.

No I/O happens here and nothing here imports httpx, anyio, redis or a web
framework (an import-linter contract in pyproject.toml holds it to that). Every
other layer builds on these modules.
"""
