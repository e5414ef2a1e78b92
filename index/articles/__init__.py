"""Article files in, parsed articles out: one reader per format, chosen by file suffix.

Every reader returns the same thing (title and attribution, body text, paragraph spans), so
that the index never knows which format an article came from. A file that cannot be read is an
``ArticleError`` with a reason meant for the user; a JSON Lines file loses only its bad lines.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.articles import html, markdown, plain, records
from index.articles.fields import Source
from index.articles.files import SUFFIXES, discover, read_text
from index.errors import ArticleError
from index.records import ParsedArticle, SkippedFile

Reader = Callable[[str, Source], list[ParsedArticle]]

_READERS: dict[str, Reader] = {
    ".txt": plain.read,
    ".text": plain.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
    ".html": html.read,
    ".htm": html.read,
    ".json": records.read_json,
}

__all__ = ["SUFFIXES", "discover", "read_articles"]


def read_articles(path: Path, root: Path) -> tuple[list[ParsedArticle], list[SkippedFile]]:
    """The articles in the file at ``path``, keyed by their path relative to ``root``.

    Raises ``ArticleError`` when the file yields nothing; returns the parts it had to skip
    (broken lines of a JSON Lines file) beside the articles it could read.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ArticleError(f"not an article format ({suffix or 'no suffix'})")
    source = Source.of(path, root)
    text = read_text(path, large=suffix in records.SUFFIXES)
    if suffix == ".jsonl":
        return records.read_jsonl(text, source)
    articles = _READERS[suffix](text, source)
    if not articles:
        raise ArticleError("no article text found")
    return articles, []
