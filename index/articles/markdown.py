"""Markdown with optional YAML front matter (title, author, date, url, source).

The body goes through a real Markdown parser (markdown-it, the CommonMark reference port) so
that emphasis, links and code spans become their plain text, and headings, code blocks, tables
and HTML blocks stay out of the passages. A first-level heading titles an article whose front
matter does not.
"""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from index.articles.fields import Source, assemble
from index.errors import ArticleError
from index.records import ParsedArticle

_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_PARSER = MarkdownIt("commonmark").disable("html_inline")


def read(text: str, source: Source) -> list[ParsedArticle]:
    meta, body = _front_matter(text)
    title, paragraphs = _paragraphs(body)
    return [
        assemble(
            source,
            paragraphs,
            title=meta.get("title") or title,
            author=meta.get("author") or meta.get("authors") or meta.get("byline"),
            date=meta.get("date") or meta.get("published") or meta.get("updated"),
            publisher=meta.get("source") or meta.get("site") or meta.get("publisher"),
            url=meta.get("url") or meta.get("link") or meta.get("canonical_url"),
        )
    ]


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise ArticleError(f"front matter is not valid YAML{where}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ArticleError("front matter is not a set of `key: value` lines")
    return {str(k).lower(): v for k, v in meta.items()}, text[match.end() :]


def _paragraphs(body: str) -> tuple[str | None, list[str]]:
    """The first ``#`` heading, and the text of every paragraph (in lists and quotes too)."""
    title = None
    paragraphs: list[str] = []
    tokens = _PARSER.parse(body)
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.type != "inline" or before is None:
            continue
        if before.type == "heading_open":
            if title is None and before.tag == "h1":
                title = _plain(token)
        elif before.type == "paragraph_open":
            paragraphs.append(_plain(token))
    return title, paragraphs


def _plain(inline: Token) -> str:
    """Inline Markdown as the text a reader sees: markup gone, link text kept, images dropped
    (an image's alt text is a child of the image token, so it never shows up here)."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
