"""News feeds a library follows: the list, and a sync that fetches what is new.

Use::

    from index.feeds import FeedRegistry, sync
    registry = FeedRegistry(index_dir / "feeds.sqlite3")
    registry.add(url, added_by=user)
    report = sync(registry, fetcher, known=library_holds_url)   # blocking: a worker thread
    report.added        # WebArticles for the caller to add (article.record())
    report.skipped      # (url, one-line reason) for every feed or item that failed
"""

from index.feeds.parse import FeedItem, ParsedFeed, parse_feed
from index.feeds.registry import Feed, FeedRegistry
from index.feeds.sync import SyncReport, item_keys, sync

__all__ = [
    "Feed",
    "FeedItem",
    "FeedRegistry",
    "ParsedFeed",
    "SyncReport",
    "item_keys",
    "parse_feed",
    "sync",
]
