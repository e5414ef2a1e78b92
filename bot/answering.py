"""The bot's hold on its libraries: searches run off the event loop, bounded and timed.

The engine is synchronous and CPU-bound. Every call goes to a small thread pool so the gateway
heartbeat never waits on the model; a semaphore bounds the questions accepted at once, and a
time limit turns a stuck search into a "taking too long" reply instead of a silent hang. A
background task asks the open libraries to pick up a rebuilt index, so ``citebot index build``
takes effect within seconds without a restart; a search already running keeps the version it
started with (``Library.refresh`` swaps atomically), so no question in flight is dropped.

Each server is answered from its own library when it has one, else from the shared one (unless
``CITEBOT_SHARED_LIBRARY=off``); direct messages from the shared one. Which library a call uses
is decided here, in the worker thread, from the server the call came from, and nowhere else:
a cog names the server, never a library, so no path can reach another server's articles.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from index import (
    Answer,
    Article,
    Embedder,
    EngineConfig,
    Hit,
    IndexInfo,
    Library,
    Passage,
)
from index.servers import LibraryPool, ServerId, server_ids

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class SearchTimeout(Exception):
    """A library call took longer than the bot's time limit."""


class NoLibrary(Exception):
    """The server has no library of its own and may not use the shared one."""


@dataclass(frozen=True, slots=True)
class Served(Generic[_T]):
    """A question's answer, rendered, and where it came from (for the log and the buttons)."""

    answer: Answer
    rendered: _T
    library: ServerId  # the server whose library answered; None: the shared library
    version: str  # that library's index version


class AnswerService:
    """Runs library calls in threads with a time limit; watches for rebuilt indexes."""

    def __init__(
        self,
        pool: LibraryPool,
        *,
        workers: int,
        max_in_flight: int,
        timeout: float,
        shared_fallback: bool = True,
    ) -> None:
        self.pool = pool
        self.timeout = timeout
        self.shared_fallback = shared_fallback
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot")
        self._slots = asyncio.Semaphore(max_in_flight)
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False
        # For /healthz and /metrics: when an index in use was last opened, when the watcher
        # last looked for a rebuilt one (Unix times), and how many calls gave up at the limit.
        self.loaded_at = time.time()
        self.checked_at = self.loaded_at
        self.timeouts = 0

    @classmethod
    async def open(
        cls,
        config: EngineConfig,
        *,
        embedder: Embedder | None = None,
        workers: int,
        max_in_flight: int,
        timeout: float,
        shared_fallback: bool = True,
    ) -> AnswerService:
        """Load the model and open the shared library, in a thread. Raises ``IndexUnavailable``
        when there is nothing to answer from: no shared library, servers falling back to it,
        and no server with a library of its own (a bot may serve servers' own libraries only)."""

        def open_pool() -> LibraryPool:
            pool = LibraryPool(config, capacity=config.open_libraries, embedder=embedder)
            if pool.exists(None) or (shared_fallback and not server_ids(config)):
                with pool.lease(None):
                    pass
            return pool

        pool = await asyncio.to_thread(open_pool)
        return cls(
            pool,
            workers=workers,
            max_in_flight=max_in_flight,
            timeout=timeout,
            shared_fallback=shared_fallback,
        )

    @property
    def config(self) -> EngineConfig:
        return self.pool.config

    @property
    def embedder(self) -> Embedder:
        return self.pool.embedder

    def library_of(self, server: int | None) -> ServerId:
        """The library that answers in ``server`` (None: a direct message), or ``NoLibrary``."""
        if server is not None and self.pool.exists(server):
            return server
        if server is None or (self.shared_fallback and self.pool.exists(None)):
            return None
        raise NoLibrary(server)

    async def has_own_library(self, server: int | None) -> bool:
        """Whether ``server`` has a library of its own (a direct message has none)."""
        return server is not None and await self.run(self.pool.exists, server)

    async def borrows_shared(self, server: int | None) -> bool:
        """Whether ``server`` is answered from the shared library (``library_of``'s rule): the
        first article it adds would end that (a direct message has no library to add to)."""

        def borrows() -> bool:
            try:
                return self.library_of(server) is None
            except NoLibrary:
                return False

        return server is not None and await self.run(borrows)

    async def search(self, question: str, server: int | None = None) -> Answer:
        """The answer in ``server``; ``QuestionError`` for an unusable question, ``NoLibrary``,
        ``SearchTimeout``."""
        return (await self.search_rendered(question, lambda _: None, server)).answer

    async def search_rendered(
        self,
        question: str,
        render: Callable[[Answer], _T],
        server: int | None = None,
        *,
        threshold: float | None = None,
    ) -> Served[_T]:
        """The answer and ``render(answer)``, both in the worker thread: quoting a passage is
        CPU work too, in proportion to what is shown, and belongs off the event loop."""

        def search_and_render(library: Library, where: ServerId) -> Served[_T]:
            version = library.snapshot.version.id
            answer = library.search(question, threshold=threshold)
            return Served(answer, render(answer), where, version)

        return await self.run_in(server, search_and_render)

    async def context(self, library: ServerId, hit: Hit) -> tuple[list[Passage], list[Passage]]:
        """The paragraphs just before and after the hit's passage ("Show context") in the
        library that answered, found again by its article if the index changed since."""

        def context(opened: Library) -> tuple[list[Passage], list[Passage]]:
            return opened.context(hit.passage, article_key=hit.article.key)

        return await self.run(self._leased, library, context)

    async def articles(self, server: int | None) -> list[Article]:
        """The articles that answer in ``server``, by title, sorted in the worker: titles may
        be of any length."""

        def by_title(library: Library, _: ServerId) -> list[Article]:
            return sorted(library.articles(), key=lambda article: article.title.casefold())

        return await self.run_in(server, by_title)

    async def info(self, server: int | None) -> IndexInfo:
        return await self.run_in(server, lambda library, _: library.info())

    async def reload(self, server: int | None = None) -> bool:
        """Open ``server``'s library again if it changed (``/reload``, and after an owner's
        change); True when it did. Not timed: opening a large index may take a while."""

        def refresh() -> bool:
            where = self.library_of(server)
            if where not in self.pool.open_ids():
                return False  # it opens, as it is now, on its next question
            with self.pool.lease(where) as library:
                return library.refresh()

        changed = await asyncio.wrap_future(self._submit(refresh))
        self._checked(changed)
        return changed

    async def forget(self, server: int) -> None:
        """Close a server's library whose folder is being deleted."""
        await asyncio.wrap_future(self._submit(self.pool.drop, server))

    @property
    def closed(self) -> bool:
        """True once ``close`` began: no index is open for questions any more."""
        return self._closed

    @property
    def shared(self) -> Library | None:
        """The shared library when it is open (it is never closed once open)."""
        if None not in self.pool.open_ids():
            return None
        with self.pool.lease(None) as library:  # open already: no disk, no wait
            return library

    async def run_in(self, server: int | None, call: Callable[[Library, ServerId], _T]) -> _T:
        """``call(library, where)`` with the library that answers in ``server``, in a worker
        thread within the time limit: the library is chosen and held there, not on the loop."""

        def chosen() -> _T:
            where = self.library_of(server)
            return self._leased(where, lambda library: call(library, where))

        return await self.run(chosen)

    def _leased(self, where: ServerId, call: Callable[[Library], _T]) -> _T:
        with self.pool.lease(where) as library:
            return call(library)

    async def run(self, call: Callable[..., _T], *args: object) -> _T:
        """``call(*args)`` in a worker thread, within the time limit (``SearchTimeout``)."""
        try:
            async with asyncio.timeout(self.timeout):
                await self._slots.acquire()
                try:
                    future = self._submit(call, *args)
                except RuntimeError:  # shutting down
                    self._slots.release()
                    raise
                # The slot is given back when the thread is done, not when we stop waiting:
                # a timed-out search still occupies a thread, and the bound must count it.
                loop = asyncio.get_running_loop()
                future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._slots.release))
                return await asyncio.wrap_future(future)
        except TimeoutError:
            self.timeouts += 1
            name = getattr(call, "__name__", "a library call")
            raise SearchTimeout(f"{name} took more than {self.timeout:g} s") from None

    def _submit(self, call: Callable[..., _T], *args: object) -> Future[_T]:
        return self._executor.submit(call, *args)

    def _checked(self, changed: bool) -> None:
        self.checked_at = time.time()
        if changed:
            self.loaded_at = self.checked_at

    def watch(self, interval: float) -> None:
        """Check every ``interval`` seconds whether an open library was rebuilt, and open it."""
        self._watcher = asyncio.create_task(self._watch(interval), name="citebot-index-watch")

    async def _watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                changed = await asyncio.wrap_future(self._submit(self.pool.refresh))
                self._checked(bool(changed))
            except Exception:  # keep watching: the next rebuild may be fine
                log.exception("Checking for a rebuilt index failed")

    async def close(self, *, close_library: bool = True) -> None:
        """Stop watching, let the questions in flight finish, then close the libraries (unless
        ``close_library`` is off: the benchmark lends its library and keeps using it).

        Safe to call twice: discord.py closes the bot again on the way out of ``async with``.
        """
        if self._closed:
            return
        self._closed = True
        if self._watcher:
            self._watcher.cancel()
        # Questions already accepted are answered (each takes milliseconds); new ones are refused.
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        if close_library:
            self.pool.close()
