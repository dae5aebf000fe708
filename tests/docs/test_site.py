"""mkdocs.yml: every page is in the navigation, and the build stays offline."""

from __future__ import annotations

import re

from .pages import DOCS

MKDOCS = DOCS.parent / "mkdocs.yml"


def config() -> str:
    return MKDOCS.read_text(encoding="utf-8")


def test_every_page_is_in_the_nav() -> None:
    listed = set(re.findall(r"^\s+- (?:[^:\n]+: )?(\S+\.md)\s*$", config(), re.MULTILINE))
    pages = {
        str(path.relative_to(DOCS))
        for path in DOCS.rglob("*.md")
        if not path.relative_to(DOCS).parts[0].startswith("_")
    }
    assert pages == listed


def test_nothing_in_the_build_reaches_the_internet() -> None:
    text = config()
    # Material's plugins that download (social cards' fonts, the privacy plugin's assets) or
    # mkdocstrings inventories fetched from other sites; and Google Fonts in every page.
    for forbidden in ("- social", "- privacy", "- optimize", "inventories:", "import:"):
        assert forbidden not in text, forbidden
    assert re.search(r"^\s+font: false", text, re.MULTILINE)
