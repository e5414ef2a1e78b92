"""Articles from outside the library's folders: web pages, feed items, uploaded files.

The index keeps its own copy of each (``copies``), so a rebuild never needs the network and a
removal is final; ``intake`` holds the operations both front ends call.
"""

from index.sources.copies import Copies, Origin
from index.sources.intake import (
    MAX_UPLOAD_BYTES,
    Intake,
    add_feed_items,
    add_upload,
    add_urls,
    check_upload,
    feeds_of,
    fetch_feeds,
    fetcher,
    follow,
    follows_feeds,
    is_url,
    open_feeds,
    remove,
    sync_feeds,
    unfollow,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "Copies",
    "Intake",
    "Origin",
    "add_feed_items",
    "add_upload",
    "add_urls",
    "check_upload",
    "feeds_of",
    "fetch_feeds",
    "fetcher",
    "follow",
    "follows_feeds",
    "is_url",
    "open_feeds",
    "remove",
    "sync_feeds",
    "unfollow",
]
