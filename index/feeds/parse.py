"""RSS 1.0, RSS 2.0 and Atom, read by feedparser from bytes the fetcher already has.

A feed is written by whoever runs the site, so it is read as hostile:

- feedparser is handed a stream of the bytes, never a string: given a string (or bytes) it
  fetches it when it looks like a URL and *opens it as a file* when it names one;
- the document type declaration is cut out before parsing, with every entity it declares: no
  entity of the feed's own is ever expanded, so neither the billion laughs (nested entities)
  nor one long entity used a million times can blow up (feedparser drops external and nested
  entities itself, and expat refuses external ones, but plain ones would still expand);
- at most ``MAX_ITEMS`` items are read, titles are cut, links longer than a URL may be are
  dropped; whether a link is fetched at all (http or https, a public address) is the fetcher's
  decision, so a ``file:`` link in a feed is refused like any other.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import feedparser

from index.articles.fields import field
from index.errors import CitebotError, FetchError
from index.fetch.addresses import MAX_URL_CHARS
from index.fetch.client import Fetched

MAX_ITEMS = 200
MAX_FEED_BYTES = 4 * 2**20
MAX_TITLE_CHARS = 300
MAX_GUID_CHARS = 500

_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedItem:
    link: str | None  # the article's address, as the feed gives it (made absolute)
    guid: str | None  # the feed's own id for the item
    title: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]


def parse_feed(fetched: Fetched) -> ParsedFeed:
    """The feed's title and its first ``MAX_ITEMS`` items; ``FetchError`` when the body is
    not an RSS or Atom feed."""
    result = feedparser.parse(
        io.BytesIO(_without_doctype(fetched.body)),
        response_headers={
            "content-type": fetched.content_type or "application/xml",
            "content-location": fetched.final_url,
        },
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    if not result.get("version") and not result.get("entries"):
        raise FetchError(fetched.url, "not an RSS or Atom feed")
    items = tuple(_item(entry) for entry in result.get("entries", [])[:MAX_ITEMS])
    return ParsedFeed(_text(result.get("feed", {}).get("title"), MAX_TITLE_CHARS), items)


def _without_doctype(body: bytes) -> bytes:
    """The document with everything from ``<!DOCTYPE`` to its first element cut out.

    A prolog can hide a DOCTYPE from that cut (inside what looks like a comment to a regular
    expression), so a body that declares an entity anywhere is refused outright: no feed
    needs its own entities."""
    if _ENTITY.search(body):
        raise CitebotError("the feed declares XML entities: refused")
    first = _ELEMENT.search(body)
    prolog_end = first.start() if first else len(body)
    doctype = _DOCTYPE.search(body, 0, prolog_end)
    if doctype is None:
        return body
    return body[: doctype.start()] + body[prolog_end:]


def _item(entry: dict) -> FeedItem:
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip() or len(link) > MAX_URL_CHARS:
        link = None
    return FeedItem(
        link.strip() if link else None,
        _text(entry.get("id"), MAX_GUID_CHARS),
        _text(entry.get("title"), MAX_TITLE_CHARS),
    )


def _text(value: object, limit: int) -> str | None:
    text = field(value) if isinstance(value, str) else None
    return text[:limit] if text else None
