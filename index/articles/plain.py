"""Plain text as news sites and read-later tools export it.

The shape: a title line, often the title again, a byline ("By Jane Doe" or just the name), a
date line, then paragraphs separated by blank lines. The header lines are attribution, never
passages. A file without that header is still read: its paragraphs are the blank-line-separated
blocks (or its lines, when it has no blank lines at all), titled after the file name.
"""

from __future__ import annotations

import re

from index.articles.fields import Source, assemble, clean, parse_date
from index.records import ParsedArticle

_BLOCKS = re.compile(r"\n[ \t\xa0]*\n")
_BYLINE = re.compile(r"^(?:by|written by|words by|author:)\s+(.+)$", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-Þ][\w'’.-]*|de|da|van|von|der|del|la|le|bin|al-\w+)$")
_HEADER_LINES = 4  # title repeats, byline, date: a header is never longer


def read(text: str, source: Source) -> list[ParsedArticle]:
    raw = [block for block in _blocks(text) if block.strip()]
    if not raw:
        return []
    blocks = [clean(block) for block in raw]
    title = blocks[0] if _is_title(raw[0].strip()) else None
    body = blocks[1:] if title else blocks
    author, date, body = _header(body, title)
    return [assemble(source, body, title=title, author=author, date=date)]


def _blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLOCKS.split(text)
    if len(blocks) == 1 and text.count("\n") > 2:  # no blank lines: one paragraph per line
        return text.split("\n")
    return blocks


def _is_title(block: str) -> bool:
    """A first block that reads as a headline: one short line, not a finished sentence."""
    return "\n" not in block and len(block) <= 200 and not block.endswith((".", ",", ";", ":"))


def _header(blocks: list[str], title: str | None) -> tuple[str | None, str | None, list[str]]:
    """Byline and date from the first few blocks after the title; the rest is the body."""
    author = date = None
    consumed = 0
    for block in blocks[:_HEADER_LINES]:
        if title and block.casefold() == title.casefold():
            pass
        elif date is None and len(block) <= 60 and (found := parse_date(block, strict=True)):
            date = found
        elif author is None and (byline := _byline(block, strict=title is None)):
            author = byline
        else:
            break
        consumed += 1
    return author, date, blocks[consumed:]


def _byline(block: str, *, strict: bool) -> str | None:
    """The author's name when ``block`` is a byline. Without a title line to anchor the header,
    only an explicit "By ..." counts: a bare name could be the first words of a text."""
    if match := _BYLINE.match(block):
        return match.group(1).strip() if len(block) <= 120 else None
    words = block.split()
    if strict or not 2 <= len(words) <= 5 or any(c.isdigit() for c in block):
        return None
    return block if all(_NAME_WORD.match(w.rstrip(",")) for w in words) else None
