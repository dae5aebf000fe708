"""The ``auth0-async`` command line: ``secret``, ``decode-cookie`` and ``check``.

A developer's tool, not part of the request path: it sits at the top of the
layer stack beside ``testing`` and reuses the package's own pieces (the cookie
cipher and session decoders of ``_core``, the discovery checks of ``_oidc``,
``Auth0Client``'s configuration checks) rather than copies of them.
"""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
