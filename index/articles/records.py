"""JSON and JSON Lines: one article per record, as scrapers and APIs export them.

A record has ``title``, ``author``, ``date``, ``url``, ``source`` and either ``text`` (its
paragraphs separated by blank lines) or ``paragraphs`` (a list). A JSON file holds one record,
a list of them, or an object with an ``articles`` list. In a JSON Lines file each bad line is
reported and skipped and the others are kept: one broken line must not cost a thousand
articles.
"""

from __future__ import annotations

import json
import re

from index.articles.fields import Source, assemble
from index.errors import ArticleError
from index.records import ParsedArticle, SkippedFile

SUFFIXES = frozenset({".json", ".jsonl"})
_BLANK_LINE = re.compile(r"\n\s*\n")


def read_json(text: str, source: Source) -> list[ParsedArticle]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArticleError(f"not valid JSON (line {error.lineno}: {error.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    items = data if isinstance(data, list) else [data]
    articles = []
    problems = []
    for number, item in enumerate(items, 1):
        try:
            articles.append(_record(item, source.record(number) if len(items) > 1 else source))
        except ArticleError as error:
            problems.append(f"record {number}: {error}")
    if not articles:
        raise ArticleError("; ".join(problems[:3]) or "no records")
    return articles


def read_jsonl(text: str, source: Source) -> tuple[list[ParsedArticle], list[SkippedFile]]:
    articles: list[ParsedArticle] = []
    skipped: list[SkippedFile] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise ArticleError(f"not valid JSON ({error.msg})") from None
            articles.append(_record(item, source.record(number)))
        except ArticleError as error:
            skipped.append(SkippedFile(f"{source.path}:{number}", str(error)))
    if not articles:
        raise ArticleError(skipped[0].reason if len(skipped) == 1 else "no readable records")
    return articles, skipped


def _record(item: object, source: Source) -> ParsedArticle:
    if not isinstance(item, dict):
        raise ArticleError("a record must be an object with `title` and `text` or `paragraphs`")
    paragraphs = item.get("paragraphs")
    if isinstance(paragraphs, list) and all(isinstance(p, str) for p in paragraphs):
        texts = paragraphs
    elif isinstance(item.get("text"), str):
        texts = _BLANK_LINE.split(item["text"].replace("\r\n", "\n"))
    else:
        raise ArticleError("no `text` or `paragraphs`")
    return assemble(
        source,
        texts,
        title=item.get("title"),
        author=item.get("author") or item.get("authors") or item.get("byline"),
        date=item.get("date") or item.get("published"),
        publisher=item.get("source") or item.get("site"),
        url=item.get("url") or item.get("link"),
    )
