"""docs/web-integration.md walks through the examples' handlers line by line: every code block it
quotes must be in the example's source as it is (indentation aside), so the page cannot drift."""

from __future__ import annotations

import re
import textwrap

from conftest import EXAMPLE, REPO

SOURCES = {"python": EXAMPLE / "app.py", "go": REPO / "examples" / "go-http" / "sso.go"}


def _normalised(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines())


def test_every_quoted_block_is_in_the_examples_source() -> None:
    page = (REPO / "docs" / "web-integration.md").read_text()
    blocks = re.findall(r"```(python|go)\n(.*?)```", page, re.S)
    assert len(blocks) == 4, "the page quotes two Python and two Go handlers"
    for lang, block in blocks:
        source = _normalised(SOURCES[lang].read_text())
        assert _normalised(textwrap.dedent(block)) in source, f"this {lang} block is not in {SOURCES[lang].name}:\n{block}"


def test_the_pages_screenshots_exist_and_are_small() -> None:
    page = (REPO / "docs" / "web-integration.md").read_text()
    images = re.findall(r"\]\((images/[^)]+\.png)\)", page)
    assert len(images) == 2
    for image in images:
        data = (REPO / "docs" / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 100_000, image
