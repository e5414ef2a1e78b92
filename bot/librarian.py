"""The bot's changes to its library: pages, uploads and feeds added, articles removed.

Every change runs in one writer thread of its own, never in the search threads and never on
the event loop: questions keep their threads while a page is fetched and embedded, and two
changes never race for the index's writer lock. Each change ends with a refresh of the
library, so a new article answers within seconds, without a restart. Feeds are synced every
``CITEBOT_FEED_INTERVAL`` minutes in the background; one bad feed or page is a logged line and
the next goes on.

Every change names the server it is for (None: the shared library) and acts on that server's
own library, which the first change creates: an owner in one server can neither see nor change
another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from bot.answering import AnswerService
from bot.metrics import Metrics
from index import Article, BuildReport, CitebotError, EngineConfig, LastArticle
from index.feeds import Feed
from index.servers import ServerId, delete_server, has_library, server_ids
from index.sources import (
    Intake,
    add_feed_items,
    add_upload,
    add_urls,
    feeds_of,
    fetch_feeds,
    fetcher,
    follow,
    follows_feeds,
    remove,
    unfollow,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# Texts the model encodes at a time for an add: a question waits for at most one such batch
# (docs/benchmarks.md, "questions while an article is added").
ADD_BATCH = 1
WRITER_NICE = 10


@dataclass(frozen=True, slots=True)
class Change:
    """What a change did, as the owner who asked for it is told."""

    articles: tuple[Article, ...]  # added or updated, as the library now holds them
    failed: tuple[tuple[str, str], ...] = ()  # (URL or file, why), one line each
    removed: tuple[str, ...] = ()
    emptied: bool = False  # the server's last article went, and its library with it


def yield_to_questions() -> None:
    """Lower the calling thread's CPU priority (Linux threads have their own nice value), so
    that while an add parses, indexes and writes, the threads answering questions go first."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WRITER_NICE)


class Librarian:
    """Adds and removes articles for the bot, one change at a time, off the event loop."""

    def __init__(
        self,
        service: AnswerService,
        config: EngineConfig,
        metrics: Metrics,
        serves: Callable[[int], bool] = lambda _: True,
    ) -> None:
        self.service = service
        self.config = config
        self.metrics = metrics
        # Whether this process serves a server now: servers the bot left (kept for their
        # retention) and other processes' shards are not synced here.
        self._serves = serves
        self._fetcher = fetcher(config)
        self._writer = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="citebot-writer", initializer=yield_to_questions
        )
        # The questions' model, in small batches: a question waits for one, not an article.
        self._embedder = service.embedder.sharing(ADD_BATCH)
        self._syncing: asyncio.Task[None] | None = None
        self._sync_lock = asyncio.Lock()

    async def add_url(self, server: ServerId, url: str, added_by: str) -> Change:
        return await self._change(
            server,
            add_urls,
            [url],
            self.config.for_server(server),
            fetcher=self._fetcher,
            added_by=added_by,
            embedder=self._embedder,
        )

    async def add_file(self, server: ServerId, name: str, content: bytes, added_by: str) -> Change:
        return await self._change(
            server,
            add_upload,
            name,
            content,
            self.config.for_server(server),
            added_by=added_by,
            embedder=self._embedder,
        )

    async def remove(self, server: ServerId, article: str, removed_by: str) -> Change:
        config = self.config.for_server(server)

        def removing() -> Change:
            if server is not None and not has_library(config):  # (and no host path in Discord)
                raise CitebotError("This server has no library of its own: nothing to remove.")
            try:
                report = remove([article], config, embedder=self._embedder)
            except LastArticle as last:
                if server is None:
                    raise
                # An index needs an article: the server's last one goes with its library.
                if feeds_of(config):
                    raise CitebotError(
                        "That is this server's last article, and its library follows feeds: "
                        "remove them first (`/library feeds action:remove`)."
                    ) from None
                delete_server(self.config, server)
                return Change((), removed=last.keys, emptied=True)  # (several, for a file's)
            return Change((), removed=report.removed)

        async with self._no_trace(server):
            change = await self._write(removing)
        log.info("%s removed %s", removed_by, ", ".join(change.removed))
        if change.emptied and server is not None:
            await self.service.forget(server)
        else:
            await self.service.reload(server)
        return change

    async def feeds(self, server: ServerId) -> list[Feed]:
        return await self._in_server(server, feeds_of, self.config.for_server(server))

    async def follow(self, server: ServerId, url: str, added_by: str) -> Feed:
        config = self.config.for_server(server)
        return await self._in_server(server, follow, config, url, added_by=added_by)

    async def unfollow(self, server: ServerId, url: str) -> None:
        await self._in_server(server, unfollow, self.config.for_server(server), url)

    async def sync(self, server: ServerId) -> Change:
        """Fetch what every feed of ``server``'s library has new and add it (counted in
        ``/metrics``).

        The fetching (a second a request per site, many items) runs outside the writer
        thread, so an owner's ``/library add`` does not queue behind it; one sync at a time.
        """
        config = self.config.for_server(server)
        try:
            async with self._sync_lock, self._no_trace(server):
                report = await asyncio.to_thread(fetch_feeds, config, fetcher=self._fetcher)
                change = await self._change(
                    server, add_feed_items, report, config, embedder=self._embedder
                )
        except Exception:
            self.metrics.feed_sync_failed()
            raise
        self.metrics.feed_sync(len(change.articles), len(change.failed))
        return change

    def start(self, minutes: float) -> None:
        """Sync the feeds every ``minutes`` (0: never; nor on a read-only host)."""
        if self.config.read_only:
            log.info("This host only reads the libraries (CITEBOT_READ_ONLY): no feed syncs")
        elif minutes > 0:
            self._syncing = asyncio.create_task(
                self._sync_every(minutes * 60), name="citebot-feeds"
            )

    async def close(self) -> None:
        if self._syncing:
            self._syncing.cancel()
        await asyncio.to_thread(self._writer.shutdown, wait=True)
        self._fetcher.close()

    async def _sync_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            for server in await asyncio.to_thread(self._following):
                await self._sync_logged(server)

    def _following(self) -> list[ServerId]:
        """The libraries that follow feeds: the shared one and the own of servers served here."""
        libraries: list[ServerId] = [None, *filter(self._serves, server_ids(self.config))]
        return [s for s in libraries if follows_feeds(self.config.for_server(s))]

    async def _sync_logged(self, server: ServerId) -> None:
        """One library's sync; a failure is logged, and the next library is synced anyway."""
        name = "the shared library" if server is None else f"server {server}"
        try:
            change = await self.sync(server)
        except CitebotError as error:  # the index is busy or gone: try again next time
            log.warning("Feed sync of %s: %s", name, error)
            return
        except Exception:
            log.exception("Feed sync of %s failed", name)
            return
        log.info(
            "Feed sync of %s: %d articles added, %d items skipped",
            name,
            len(change.articles),
            len(change.failed),
        )

    async def _in_server(
        self, server: ServerId, call: Callable[..., _T], *args: object, **kwargs: object
    ) -> _T:
        async with self._no_trace(server):
            return await self._write(call, *args, **kwargs)

    @contextlib.asynccontextmanager
    async def _no_trace(self, server: ServerId) -> AsyncIterator[None]:
        """Around a change in ``server``. Adding to a server without a library, following or
        listing its feeds, create its folder: where the change ends with neither a library
        nor a feed there (a page refused, a feed list read, a remove of nothing), the folder
        goes again, rather than staying as a server with an empty library."""
        fresh = server is not None and not await self._write(self._has_folder, server)
        try:
            yield
        finally:
            if fresh:
                assert server is not None
                try:
                    await self._write(self._drop_if_empty, server)
                except CitebotError as error:  # busy: tidy next time; the change's outcome stands
                    log.warning("Could not tidy the folder of server %d: %s", server, error)

    def _has_folder(self, server: int) -> bool:
        return self.config.for_server(server).index_dir.exists()

    def _drop_if_empty(self, server: int) -> None:
        config = self.config.for_server(server)
        if self._has_folder(server) and not has_library(config) and not feeds_of(config):
            delete_server(self.config, server)

    async def _change(
        self, server: ServerId, call: Callable[..., Intake], *args: object, **kwargs: object
    ) -> Change:
        async with self._no_trace(server):
            intake = await self._write(call, *args, **kwargs)
        if intake.report is not None:
            await self.service.reload(server)
        failed = [(item.path, item.reason) for item in intake.failed]
        if intake.feeds is not None:
            failed += intake.feeds.skipped
        return Change(await self._articles(server, intake.report), tuple(failed))

    async def _articles(self, server: ServerId, report: BuildReport | None) -> tuple[Article, ...]:
        if report is None or not report.added:
            return ()
        added = set(report.added)
        return tuple(a for a in await self.service.articles(server) if a.key in added)

    async def _write(self, call: Callable[..., _T], *args: object, **kwargs: object) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: call(*args, **kwargs))
