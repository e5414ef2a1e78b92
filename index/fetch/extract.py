"""A fetched page as an article: the same readers as article files, attribution from the page.

HTML goes through the HTML reader (trafilatura, with the page's metadata), plain text through
the plain-text reader, so that a page fetched and the same page saved as a file become the same
article. The page is hostile: its fields are cut to a bound, and its canonical link is believed
only when it names the host the page came from (a page on one site claiming to be another
site's article would otherwise be quoted under that site's name).
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import trafilatura.utils

from index.articles import html, plain
from index.articles.fields import Source
from index.articles.files import decode
from index.errors import ArticleError, CitebotError, FetchError, shown
from index.fetch import addresses
from index.fetch.client import Fetched, Fetcher
from index.fetch.policy import PAGE_TYPES

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 300
MAX_FIELD_CHARS = 200


@dataclass(frozen=True, slots=True)
class WebArticle:
    """An article read from the web."""

    url: str  # the page's canonical URL (on its own host), else the final URL after redirects
    requested: str  # the URL the user gave
    title: str
    author: str | None
    date: str | None  # ISO 8601 where the page's date parses
    site: str | None
    text: str  # paragraphs separated by blank lines

    def record(self) -> dict[str, str]:
        """The article as a JSON article record (``index/articles/records.py``); fields the page
        did not give are left out."""
        fields = {
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "source": self.site,
            "url": self.url,
            "text": self.text,
        }
        return {name: value for name, value in fields.items() if value}


def extract(fetched: Fetched) -> WebArticle:
    """The article in a fetched page; ``ArticleError`` (one line, naming the URL) when the page
    holds no article text."""
    if fetched.status != 200 or fetched.media_type not in PAGE_TYPES:
        raise FetchError(fetched.url, f"not a page to read ({fetched.media_type or 'no type'})")
    source = Source(fetched.final_url, fetched.final_url, _stem(fetched.final_url))
    try:
        if fetched.media_type == "text/plain":
            found = plain.read(_text(fetched), source)
        else:
            found = html.read(_text(fetched), source, url=fetched.final_url)
    except ArticleError as error:
        raise ArticleError(f"{shown(fetched.url)}: {error}") from None
    if not found:
        raise ArticleError(f"{shown(fetched.url)}: no article text found on the page")
    article = found[0]
    meta = article.meta
    return WebArticle(
        url=_canonical(meta.url, fetched),
        requested=fetched.url,
        title=_cut(meta.title, MAX_TITLE_CHARS),
        author=_cut(meta.author, MAX_FIELD_CHARS),
        date=_cut(meta.date, MAX_FIELD_CHARS),
        site=_cut(meta.source, MAX_FIELD_CHARS),
        text=article.text,
    )


def fetch_article(fetcher: Fetcher, url: str) -> WebArticle:
    """Fetch the page at ``url`` and read its article; a ``CitebotError`` of one line for
    anything that goes wrong, an extractor's own fault included (pages are hostile input)."""
    fetched = fetcher.get(url, kinds=PAGE_TYPES)
    try:
        return extract(fetched)
    except CitebotError:
        raise
    except Exception as error:
        log.exception("reading %s failed", url)
        raise ArticleError(
            f"{shown(url)}: the page could not be read ({type(error).__name__})"
        ) from None


def _text(fetched: Fetched) -> str:
    """The body as text: the charset the server named, else what the bytes say (an HTML
    page's own ``<meta charset>``, a byte-order mark, UTF-8, Windows-1252)."""
    charset = fetched.charset
    if charset:
        try:
            return fetched.body.decode(codecs.lookup(charset).name, errors="replace")
        except LookupError:
            pass  # a charset nobody knows: guess as without one
    if fetched.media_type == "text/plain":
        return decode(fetched.body)
    return trafilatura.utils.decode_file(fetched.body)


def _canonical(url: str | None, fetched: Fetched) -> str:
    """The page's own URL for itself when it is on the host the page came from (``www.``
    aside), else the URL the page was fetched from after redirects."""
    if url:
        try:
            claimed = addresses.parse(url)
            final = addresses.parse(fetched.final_url)
        except FetchError:
            return fetched.final_url
        if _site(claimed.host) == _site(final.host):
            return claimed.url
    return fetched.final_url


def _site(host: str) -> str:
    return host.removeprefix("www.")


def _stem(url: str) -> str:
    """A name for a page that has no title: its last path segment, else its host."""
    parts = urlsplit(url)
    return PurePosixPath(parts.path).stem or parts.hostname or "page"


def _cut(value: str | None, limit: int) -> str | None:
    """At most ``limit`` characters, cut at a word where there is one."""
    if value is None or len(value) <= limit:
        return value
    cut = value[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
