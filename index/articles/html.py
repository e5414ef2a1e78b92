"""HTML pages: the article body and its metadata, found by trafilatura.

Pages carry menus, footers, cookie notices and related-article lists around the text. Telling
them apart is a maintained extractor's job (trafilatura scores the page's blocks and reads
author, date, site name and canonical url from meta tags and JSON-LD); regexes over tags would
quote the footer.
"""

from __future__ import annotations

import logging

import trafilatura

from index.articles.fields import Source, assemble
from index.records import ParsedArticle

# trafilatura logs every page it finds too short at WARNING; the build reports those itself.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def read(text: str, source: Source, *, url: str | None = None) -> list[ParsedArticle]:
    """The page's article. ``url``, where the page was fetched from, is the article's url when
    the page names no canonical one, and its host the site when the page names none."""
    document = trafilatura.bare_extraction(
        text,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_formatting=False,
        include_links=False,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    lines = (document.text or "").split("\n") if document else []
    if not any(_is_prose(line) for line in lines):
        return []
    return [
        assemble(
            source,
            lines,
            title=document.title,
            author=document.author,
            date=document.date,
            publisher=document.sitename,
            url=document.url,
        )
    ]


def _is_prose(line: str) -> bool:
    """A line a person wrote as text, not a menu entry: when a page has no article body the
    extractor falls back on whatever text there is, usually the navigation."""
    words = len(line.split())
    return words >= 8 or (words >= 4 and line.rstrip().endswith((".", "!", "?", '"', "”")))
