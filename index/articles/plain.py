"""Plain text as news sites and read-later tools export it.

The shape: a title line, often the title again, then a header of attribution lines, then
paragraphs separated by blank lines. Header lines come as news sites write them (a byline, "By
Jane Doe" or just the name, and a date line) or as paper and read-later exports do: the link, an
author list ("Doe, Jane; Roe, Richard"), and "Key: value" lines (``Authors:``, ``Date:``,
``DOI:``, ``License:``), one to a block or several in one. They are attribution or bookkeeping,
never passages: a DOI or licence line quoted as the answer, or matched by a question's words,
only ever misleads. A file without that header is still read: its paragraphs are the
blank-line-separated blocks (or its lines, when it has no blank lines at all), titled after the
file name.
"""

from __future__ import annotations

import re

from index.articles.fields import Source, assemble, clean, parse_date
from index.records import ParsedArticle

_BLOCKS = re.compile(r"\n[ \t\xa0]*\n")
_BYLINE = re.compile(r"^(?:by|written by|words by|author:)\s+(.+)$", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-Þ][\w'’.-]*|de|da|van|von|der|del|la|le|bin|al-\w+)$")
_HEADER_BLOCKS = 8  # title repeats, byline, date, link, identifiers: a header is never longer
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# "Key: value" header lines, by what their key means for attribution. Keys not listed are not
# header lines at all ("Abstract: …" opens the text).
_FIELD = re.compile(r"^([A-Za-z][A-Za-z ]{0,20}?)\s*:\s*(.*)$")
_FIELDS = {
    "author": "author",
    "authors": "author",
    "by": "author",
    "date": "date",
    "published": "date",
    "publication date": "date",
    "updated": "date",
    "posted": "date",
    "url": "url",
    "link": "url",
    "source": "source",
    "publisher": "source",
    "journal": "source",
    "site": "source",
    # Bookkeeping: read past, never quoted.
    "doi": None,
    "sha": None,
    "pmid": None,
    "pmcid": None,
    "issn": None,
    "license": None,
    "licence": None,
    "copyright": None,
    "keywords": None,
    "tags": None,
    "received": None,
    "accepted": None,
}
# An author list: names ("Jane Doe", "Doe, Jane", "J. R. Doe") separated by semicolons.
_AUTHOR = re.compile(r"^[^\W\d_][\w'’.\-\u2010-\u2015 ]*(?:, ?[^\W\d_][\w'’.\-\u2010-\u2015 ]*)?$")
# A section label with nothing under it, as exports of data tables write a missing abstract
# ("Abstract: nan"): no text to quote.
_EMPTY_SECTION = re.compile(r"^[A-Za-z][A-Za-z ]{0,20}:\s*(?:nan|none|null|n/?a)$", re.IGNORECASE)
_MAX_HEADER_LINE = 2000  # an author list of a large consortium; longer is text


def read(text: str, source: Source) -> list[ParsedArticle]:
    raw = [block.strip() for block in _blocks(text) if block.strip()]
    if not raw:
        return []
    title = clean(raw[0]) if _is_title(raw[0], raw[1:2]) else None
    header, body = _header(raw[1:] if title else raw, title)
    return [
        assemble(
            source,
            [clean(block) for block in body if not _EMPTY_SECTION.match(block)],
            title=title,
            author=header.get("author"),
            date=header.get("date"),
            publisher=header.get("source"),
            url=header.get("url"),
        )
    ]


def _blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLOCKS.split(text)
    if len(blocks) == 1 and text.count("\n") > 2:  # no blank lines: one paragraph per line
        return text.split("\n")
    return blocks


def _is_title(block: str, following: list[str]) -> bool:
    """A first block that reads as a headline: one short line, not a finished sentence, or
    one that a link or a "Key: value" line follows (a paper's title may end "… Eimeria spp.")."""
    if "\n" in block or len(block) > 200:
        return False
    if not block.endswith((".", ",", ";", ":")):
        return True
    return bool(following) and _is_labelled(following[0].splitlines()[0].strip())


def _is_labelled(line: str) -> bool:
    """A header line that cannot be the start of a text: a link or a known "Key: value"."""
    match = _FIELD.match(line)
    return bool(_URL.match(line) or (match and match.group(1).casefold() in _FIELDS))


def _header(blocks: list[str], title: str | None) -> tuple[dict[str, str], list[str]]:
    """Attribution from the header blocks after the title; the rest is the body.

    A block belongs to the header when every line of it is a header line (see ``_field``);
    the first block that is not ends the header.
    """
    found: dict[str, str] = {}
    consumed = 0
    for block in blocks[:_HEADER_BLOCKS]:
        if title and clean(block).casefold() == title.casefold():
            consumed += 1
            continue
        fields = []
        for line in block.splitlines():
            field = _field(clean(line), title, found) if line.strip() else ("", "")
            if field is None:
                return found, blocks[consumed:]
            fields.append(field)
        for name, value in fields:
            if name and value and name not in found:
                found[name] = value
        consumed += 1
    return found, blocks[consumed:]


def _field(line: str, title: str | None, found: dict[str, str]) -> tuple[str, str] | None:
    """``(field, value)`` when ``line`` is a header line (``field`` empty for bookkeeping that
    is read past), ``None`` when it is text."""
    if len(line) > _MAX_HEADER_LINE:
        return None
    if _URL.match(line):
        return "url", line
    if (match := _FIELD.match(line)) and (key := match.group(1).casefold()) in _FIELDS:
        name = _FIELDS[key] or ""
        value = _labelled(name, clean(match.group(2)))
        return None if value is None else (name, value)
    if "date" not in found and len(line) <= 60 and (date := parse_date(line, strict=True)):
        return "date", date
    if "author" not in found and (author := _byline(line, strict=title is None)):
        return "author", author
    if "author" not in found and ";" in line and _is_author_list(line):
        return "author", clean(line)
    return None


def _labelled(name: str, value: str) -> str | None:
    """The value of a "Key: value" header line, or ``None`` when it reads as text after all
    ("Updated: the minister resigned …" opens an article): a date must parse, a link must be
    one, names must read as names and a source as a name, not a sentence."""
    if name == "date":
        return parse_date(value, strict=True)
    if name == "url":
        return value if _URL.match(value) else None
    if name == "author":
        return value if _is_author_list(value) else None
    if name == "source":
        return value if len(value) <= 100 and not value.endswith((".", "!", "?")) else None
    return value  # bookkeeping (DOI, licence…): read past whatever it says


def _is_author_list(line: str) -> bool:
    names = [name.strip() for name in line.split(";")]
    return all(name and len(name) <= 80 and _AUTHOR.match(name) for name in names)


def _byline(block: str, *, strict: bool) -> str | None:
    """The author's name when ``block`` is a byline. Without a title line to anchor the header,
    only an explicit "By ..." counts: a bare name could be the first words of a text."""
    if match := _BYLINE.match(block):
        return match.group(1).strip() if len(block) <= 120 else None
    words = block.split()
    if strict or not 2 <= len(words) <= 5 or any(c.isdigit() for c in block):
        return None
    return block if all(_NAME_WORD.match(w.rstrip(",")) for w in words) else None
