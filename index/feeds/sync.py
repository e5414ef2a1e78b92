"""One pass over every feed: what is new, fetched and read, for the caller to add.

For each feed: a conditional GET (its ETag and Last-Modified from the last complete sync; a 304
means nothing is new); its items in the feed's order; each item that the registry has not dealt
with and whose link the library does not hold (``known``) is fetched and read, at most
``limit_per_feed`` of them per feed per sync. Items left over for that limit (or failures that
may pass) keep the feed's validators unstored, so the next sync gets the whole feed again and
goes on with them instead of hearing "not modified".

A sync never raises for a feed or an item: each failure is one line in ``skipped`` and the
next one goes on. What the registry remembers, and why, is in ``registry.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from index.errors import CitebotError, FetchError, shown
from index.feeds.parse import MAX_FEED_BYTES, FeedItem, ParsedFeed, parse_feed
from index.feeds.registry import Feed, FeedRegistry
from index.fetch.client import Fetched, Fetcher
from index.fetch.extract import WebArticle, fetch_article
from index.fetch.policy import FEED_TYPES

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: list[WebArticle]  # new articles, for the caller to add to the library
    skipped: list[tuple[str, str]]  # (feed or item url, one-line reason)
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (feed url, what happened)


def item_keys(feed: str, item: FeedItem) -> list[str]:
    """The names the registry remembers an item by: its link, and its guid within its feed
    (a guid is the feed's own, so one feed cannot use another's to hide its items)."""
    keys = [f"link {item.link}"] if item.link else []
    if item.guid:
        keys.append(f"guid {feed} {item.guid}")
    return keys


def sync(
    registry: FeedRegistry,
    fetcher: Fetcher,
    known: Callable[[str], bool],
    *,
    limit_per_feed: int = 50,
) -> SyncReport:
    """Fetch every feed and the articles of its new items. ``known(url)`` says whether the
    library already holds the article at ``url``; it is asked about each new item's link (and
    about the article's own URL when that differs) before it is added."""
    report = SyncReport([], [], [])
    seen_now: set[str] = set()  # links taken in this sync, so two feeds do not add one twice
    for feed in registry.feeds():
        outcome = _Feed(feed, registry, fetcher, known, report, seen_now).run(limit_per_feed)
        report.outcomes.append((feed.url, outcome))
    return report


@dataclass
class _Feed:
    feed: Feed
    registry: FeedRegistry
    fetcher: Fetcher
    known: Callable[[str], bool]
    report: SyncReport
    seen_now: set[str]
    tried: int = 0  # items fetched
    added: int = 0
    failed: int = 0
    pending: bool = False  # items left for a later sync

    def run(self, limit: int) -> str:
        url = self.feed.url
        etag, modified = self.registry.validators(url)
        try:
            fetched = self.fetcher.get(
                url, kinds=FEED_TYPES, etag=etag, last_modified=modified, max_bytes=MAX_FEED_BYTES
            )
            if fetched.status == 304:
                self.registry.synced(url, error=None, validators=(etag, modified))
                return "not modified"
            parsed = _parse(fetched)
        except CitebotError as error:
            reason = _reason(error, url)
            self.report.skipped.append((url, reason))
            self.registry.synced(url, error=reason, validators=(etag, modified))
            return f"failed: {reason}"
        for item in parsed.items:
            self._item(item, limit)
        stored = (None, None) if self.pending else (fetched.etag, fetched.last_modified)
        self.registry.synced(url, error=None, validators=stored, title=parsed.title)
        more = ", more at the next sync" if self.pending else ""
        return f"{self.added} new, {self.failed} skipped{more}"

    def _item(self, item: FeedItem, limit: int) -> None:
        """Fetch and read one item unless it is known, or leave it for the next sync once
        ``limit`` items were fetched."""
        keys = item_keys(self.feed.url, item)
        if not keys or self.registry.is_seen(keys) or item.link in self.seen_now:
            return
        if item.link is None:
            self.registry.mark(self.feed.url, keys, link=None, done=True)
            self.report.skipped.append((self.feed.url, f"an item has no link ({item.title})"))
            return
        if self.known(item.link):
            self.registry.mark(self.feed.url, keys, link=item.link, done=True)
            return
        if self.tried >= limit:
            self.pending = True
            return
        self.tried += 1
        self.seen_now.add(item.link)
        try:
            article = fetch_article(self.fetcher, item.link)
        except CitebotError as error:
            self.failed += 1
            transient = isinstance(error, FetchError) and error.transient
            done = self.registry.mark(self.feed.url, keys, link=item.link, done=not transient)
            self.pending = self.pending or not done
            self.report.skipped.append((item.link, _reason(error, item.link)))
            return
        self.registry.mark(self.feed.url, keys, link=item.link, done=True)
        if article.url != item.link and (article.url in self.seen_now or self.known(article.url)):
            return
        self.seen_now.add(article.url)
        self.added += 1
        self.report.added.append(article)


def _parse(fetched: Fetched) -> ParsedFeed:
    """The feed, or a ``CitebotError``: a parser fault on hostile input is one line too."""
    try:
        return parse_feed(fetched)
    except CitebotError:
        raise
    except Exception as error:
        log.exception("feed parser failed")
        raise CitebotError(f"the feed could not be read ({type(error).__name__})") from None


def _reason(error: CitebotError, url: str) -> str:
    """The error's reason without the address it starts with (the report pairs them)."""
    if isinstance(error, FetchError):
        return error.reason
    return str(error).removeprefix(f"{shown(url)}: ")
