"""A griffe extension for the docs build: reST roles in docstrings become Markdown.

The package's docstrings are Google style with Sphinx cross-reference roles
(``:class:`~auth0_async.SessionData```). mkdocstrings renders Markdown, so without this
the roles show as text. A role naming an object of the package becomes a link (the
build, run with ``--strict``, fails on one that does not resolve); any other becomes
code. A reST literal-block marker (``Example::``) becomes a plain colon.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj):`(?P<body>[^`]+)`")
_LABELLED = re.compile(r"^(?P<label>.+?)\s*<(?P<target>[^>]+)>$")
_LITERAL = re.compile(r"(?<=\w)::$", re.MULTILINE)


def _markdown(match: re.Match[str]) -> str:
    body = match["body"].strip()
    labelled = _LABELLED.match(body)
    if labelled:
        label, target = labelled["label"], labelled["target"]
    else:
        target = body.lstrip("~")
        label = target.rsplit(".", 1)[-1] if body.startswith("~") else target
    if target.startswith("auth0_async."):
        return f"[`{label}`][{target}]"
    return f"`{label}`"


def convert(text: str) -> str:
    """Return ``text`` with reST roles and literal markers turned into Markdown."""
    return _LITERAL.sub(":", _ROLE.sub(_markdown, text))


class RstRoles(griffe.Extension):
    """Rewrite each docstring once, when its object is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Convert the object's docstring in place."""
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
