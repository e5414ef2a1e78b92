"""What every reader shares: where an article came from, its attribution fields cleaned the
same way, and its paragraphs laid out as one body text with offsets."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dateutil import parser as dateparser

from index.errors import ArticleError
from index.records import ArticleMeta, ParsedArticle, Span

_SPACE = re.compile(r"\s+")
# Characters that render as nothing or break a line inside a paragraph: zero-width spaces and
# joiners, soft hyphens, byte-order marks, and control characters other than white space.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0e-\x1f\x7f]")
_DATE_DEFAULT = datetime(2000, 1, 1)  # fills only what a date line omits


@dataclass(frozen=True, slots=True)
class Source:
    """Where an article's file is: its key in the library and a title to fall back on."""

    key: str
    path: str
    stem: str

    @classmethod
    def of(cls, path: Path, root: Path) -> Source:
        try:
            key = path.relative_to(root).as_posix()
        except ValueError:
            key = path.name
        return cls(key, str(path), path.stem)

    def record(self, number: int) -> Source:
        """The source of the ``number``-th (1-based) article of a file holding several."""
        return Source(f"{self.key}#{number}", self.path, f"{self.stem} #{number}")

    @property
    def fallback_title(self) -> str:
        """A readable title from the file name, for articles that do not state one."""
        return _SPACE.sub(" ", re.sub(r"[-_]+", " ", self.stem)).strip().capitalize()


def clean(text: str) -> str:
    """One paragraph's text: Unicode composed, invisible characters gone, white space single."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()


def field(value: object) -> str | None:
    """A metadata value as one clean line, or ``None`` when it is empty or not text."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if isinstance(v, str | int | float))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return clean(str(value)) or None


def iso_date(value: object) -> str | None:
    """The ISO 8601 date where the value parses (attribution names the day; a time of day
    without its zone would only look precise); otherwise the source's own text, which is still
    better attribution than nothing."""
    text = field(value)
    if text is None:
        return None
    parsed = parse_date(text)
    return parsed if parsed else text


def parse_date(text: str, *, strict: bool = False) -> str | None:
    """``text`` as an ISO date if it is one; ``strict`` also refuses text with other words
    than a date's ("Published", "Updated", weekday names), so a sentence is never a date line."""
    try:
        parsed, extra = dateparser.parse(
            text, default=_DATE_DEFAULT, fuzzy_with_tokens=True, dayfirst=False
        )
    except (ValueError, OverflowError, TypeError):
        return None
    if not any(c.isdigit() for c in text):
        return None
    words = [w for token in extra for w in re.findall(r"[^\W\d_]+", token)]
    if strict and len(words) > 2:
        return None
    return parsed.date().isoformat()


def assemble(
    source: Source,
    paragraphs: list[str],
    *,
    title: object = None,
    author: object = None,
    date: object = None,
    publisher: object = None,
    url: object = None,
) -> ParsedArticle:
    """The article as the index takes it; its body is the clean paragraphs, a blank line apart."""
    meta = ArticleMeta(
        title=field(title) or source.fallback_title,
        author=field(author),
        date=iso_date(date),
        source=field(publisher),
        url=field(url),
    )
    kept = [
        c for c in (clean(p) for p in paragraphs) if c and c.casefold() != meta.title.casefold()
    ]
    if not kept:
        raise ArticleError("no article text found")
    spans: list[Span] = []
    offset = 0
    for text in kept:
        spans.append(Span(offset, offset + len(text)))
        offset += len(text) + 2
    body = "\n\n".join(kept)
    fingerprint = json.dumps([meta.title, meta.author, meta.date, meta.source, meta.url, body])
    digest = hashlib.blake2b(fingerprint.encode(), digest_size=16).hexdigest()
    return ParsedArticle(source.key, source.path, meta, body, tuple(spans), digest)
