"""Read the documentation pages as the tests need them: code blocks and tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")
_MARKER = re.compile(r"^<!--\s*snippet:\s*(?P<mode>[a-z-]+)\s*-->$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int  # 1-based line of the opening fence
    language: str
    mode: str  # "compile" unless a `<!-- snippet: MODE -->` line precedes the fence
    source: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """Every Markdown page of the site."""
    return sorted(DOCS.rglob("*.md"))


def code_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of ``path``, with the snippet mode each is marked with."""
    lines = path.read_text(encoding="utf-8").splitlines()
    page = str(path.relative_to(DOCS))
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lower()
        previous = lines[index - 1].strip() if index else ""
        marker = _MARKER.match(previous)
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            body.append(lines[end][indent:])
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page}:{index + 1}: code block never closed")
        blocks.append(
            Block(
                page=page,
                line=index + 1,
                language=language,
                mode=marker["mode"] if marker else "compile",
                source="\n".join(body) + "\n",
            )
        )
        index = end + 1
    return blocks


def table_rows(path: Path, heading: str) -> list[list[str]]:
    """The body rows of the first table under ``## heading``, cells stripped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {heading}")
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            rows.append(cells)
        elif rows:
            break
    if len(rows) < 3:
        raise AssertionError(f"no table under '## {heading}' in {path.name}")
    return rows[2:]  # past the header and the --- line
