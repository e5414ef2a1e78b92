"""The feeds a library follows, and the feed items it has already dealt with, in one SQLite file.

Besides each feed (who added it and when, the last sync and its error) the file keeps the
feed's ETag and Last-Modified, so that a sync asks "changed since?", and the items already
dealt with: an item is remembered by its link and by its feed's id for it (guid), once its
article was added, found in the library, or failed for good. A remembered item is never fetched
again, so a page that has no article text is not fetched at every sync, and an article the
user removed from the library is not added back by the next sync. A failure that may pass (a
time-out, a server error) is tried again at the next syncs, three times in all. Items are
remembered across removing and adding a feed again; the oldest are forgotten past 100,000.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.errors import CitebotError, shown
from index.fetch import addresses

MAX_FEEDS = 200
MAX_ATTEMPTS = 3
MAX_REMEMBERED = 100_000
MAX_NAME_CHARS = 100

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    title TEXT,
    added_by TEXT,
    added_at TEXT NOT NULL,
    last_sync TEXT,
    last_error TEXT,
    etag TEXT,
    last_modified TEXT
);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    link TEXT,
    first_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    done INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_link ON items (link);
"""


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str | None
    added_by: str | None
    added_at: str  # ISO 8601, UTC
    last_sync: str | None
    last_error: str | None  # why the last sync of this feed failed; None when it did not


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedRegistry:
    """The feed list. Thread-safe: one connection, used under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=10, check_same_thread=False)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise CitebotError(f"The feed list {path} cannot be opened ({error}).") from None
        self._lock = threading.Lock()

    def add(self, url: str, added_by: str | None = None) -> Feed:
        """Follow the feed at ``url`` (http or https). The URL is kept as ``Feed.url`` in its
        normal form (no fragment, lower-case host), by which ``remove`` finds it too."""
        normal = addresses.parse(url).url
        feed = Feed(normal, None, _name(added_by), now(), None, None)
        with self._lock, self._db:
            if self._db.execute("SELECT 1 FROM feeds WHERE url = ?", (normal,)).fetchone():
                raise CitebotError(f"{shown(normal)} is already in the feed list.")
            (count,) = self._db.execute("SELECT count(*) FROM feeds").fetchone()
            if count >= MAX_FEEDS:
                raise CitebotError(
                    f"The feed list is full ({MAX_FEEDS} feeds): remove one to add another."
                )
            self._db.execute(
                "INSERT INTO feeds (url, added_by, added_at) VALUES (?, ?, ?)",
                (feed.url, feed.added_by, feed.added_at),
            )
        return feed

    def remove(self, url: str) -> None:
        try:
            normal = addresses.parse(url).url
        except CitebotError:
            normal = url.strip()
        with self._lock, self._db:
            if not self._db.execute("DELETE FROM feeds WHERE url = ?", (normal,)).rowcount:
                raise CitebotError(f"{shown(normal)} is not in the feed list.")

    def feeds(self) -> list[Feed]:
        with self._lock:
            rows = self._db.execute(
                "SELECT url, title, added_by, added_at, last_sync, last_error FROM feeds "
                "ORDER BY rowid"
            )
            return [Feed(*row) for row in rows.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> FeedRegistry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # What a sync reads and records (index/feeds/sync.py).

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The feed's ETag and Last-Modified from its last complete sync."""
        with self._lock:
            row = self._db.execute(
                "SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def synced(
        self,
        url: str,
        *,
        error: str | None,
        validators: tuple[str | None, str | None],
        title: str | None = None,
    ) -> None:
        """Record a sync of the feed: when, its error (``None`` for none), the validators to
        send next time, and the feed's title when it gave one."""
        etag, modified = validators
        with self._lock, self._db:
            self._db.execute(
                "UPDATE feeds SET last_sync = ?, last_error = ?, etag = ?, last_modified = ?, "
                "title = coalesce(?, title) WHERE url = ?",
                (now(), error, etag, modified, title, url),
            )

    def is_seen(self, keys: Iterable[str]) -> bool:
        """Whether an item under any of ``keys`` has been dealt with for good."""
        with self._lock:
            return any(
                self._db.execute("SELECT 1 FROM items WHERE done AND key = ?", (key,)).fetchone()
                for key in keys
            )

    def mark(self, feed: str, keys: Iterable[str], *, link: str | None, done: bool) -> bool:
        """Record an attempt at the item known by ``keys`` (and ``link``, its article's
        address); ``done`` when it is dealt with for good. Returns whether it now is: a
        failure that may pass is done after ``MAX_ATTEMPTS`` attempts."""
        keys = list(keys)
        with self._lock, self._db:
            tried = max(
                (
                    row[0]
                    for key in keys
                    for row in self._db.execute("SELECT attempts FROM items WHERE key = ?", (key,))
                ),
                default=0,
            )
            finished = done or tried + 1 >= MAX_ATTEMPTS
            self._db.executemany(
                "INSERT INTO items (key, feed, link, first_at, attempts, done) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "attempts = excluded.attempts, done = excluded.done",
                [(key, feed, link, now(), tried + 1, finished) for key in keys],
            )
            self._prune()
        return finished

    def forget(self, links: Iterable[str]) -> None:
        """Forget the items whose article is at one of ``links`` (``WebArticle.requested``),
        so that the next sync fetches them again: for a caller that could not add the
        articles a sync returned."""
        with self._lock, self._db:
            self._db.executemany("DELETE FROM items WHERE link = ?", [(k,) for k in links])

    def reset_validators(self) -> None:
        """Drop every feed's ETag and Last-Modified, so the next sync reads each feed whole:
        for a caller that could not add what a sync returned."""
        with self._lock, self._db:
            self._db.execute("UPDATE feeds SET etag = NULL, last_modified = NULL")

    def _prune(self) -> None:
        (count,) = self._db.execute("SELECT count(*) FROM items").fetchone()
        if count > MAX_REMEMBERED:
            self._db.execute(
                "DELETE FROM items WHERE key IN "
                "(SELECT key FROM items ORDER BY first_at, rowid LIMIT ?)",
                (count - MAX_REMEMBERED,),
            )


def _name(added_by: str | None) -> str | None:
    return shown(added_by, MAX_NAME_CHARS) if added_by else None
