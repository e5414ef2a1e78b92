"""The bot's hold on the library: searches run off the event loop, bounded and timed.

The engine is synchronous and CPU-bound. Every call goes to a small thread pool so the gateway
heartbeat never waits on the model; a semaphore bounds the questions accepted at once, and a
time limit turns a stuck search into a "taking too long" reply instead of a silent hang. A
background task asks the library to pick up a rebuilt index, so ``citebot index build`` takes
effect within seconds without a restart; a search already running keeps the version it started
with (``Library.refresh`` swaps atomically), so no question in flight is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from index import (
    Answer,
    Article,
    Embedder,
    EngineConfig,
    Hit,
    IndexInfo,
    Library,
    Passage,
    open_library,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class SearchTimeout(Exception):
    """A library call took longer than the bot's time limit."""


class AnswerService:
    """Runs library calls in threads with a time limit; watches for a rebuilt index."""

    def __init__(
        self, library: Library, *, workers: int, max_in_flight: int, timeout: float
    ) -> None:
        self.library = library
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot")
        self._slots = asyncio.Semaphore(max_in_flight)
        self._watcher: asyncio.Task[None] | None = None
        self._closed = False
        # For /healthz and /metrics: when the index in use was opened, when the watcher last
        # looked for a rebuilt one (Unix times), and how many calls gave up at the time limit.
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
    ) -> AnswerService:
        """Open the index (and load the model) in a thread; raises ``IndexUnavailable``."""
        library = await asyncio.to_thread(open_library, config, embedder=embedder)
        return cls(library, workers=workers, max_in_flight=max_in_flight, timeout=timeout)

    async def search(self, question: str) -> Answer:
        """The library's answer; ``QuestionError`` for an unusable question, ``SearchTimeout``."""
        return await self.run(self.library.search, question)

    async def search_rendered(
        self, question: str, render: Callable[[Answer], _T]
    ) -> tuple[Answer, _T]:
        """The answer and ``render(answer)``, both in the worker thread: quoting a passage is
        CPU work too, in proportion to what is shown, and belongs off the event loop."""

        def search_and_render(question: str) -> tuple[Answer, _T]:
            answer = self.library.search(question)
            return answer, render(answer)

        return await self.run(search_and_render, question)

    async def context(self, hit: Hit) -> tuple[list[Passage], list[Passage]]:
        """The paragraphs just before and after the hit's passage ("Show context"), found
        again by its article if the index changed since the answer."""

        def context(passage: Passage) -> tuple[list[Passage], list[Passage]]:
            return self.library.context(passage, article_key=hit.article.key)

        return await self.run(context, hit.passage)

    async def articles(self) -> list[Article]:
        """The indexed articles by title, sorted in the worker: titles may be of any length."""
        return await self.run(self._articles_by_title)

    def _articles_by_title(self) -> list[Article]:
        return sorted(self.library.articles(), key=lambda article: article.title.casefold())

    async def info(self) -> IndexInfo:
        return await self.run(self.library.info)

    async def reload(self) -> bool:
        """Open the index again if it was rebuilt (``/reload``); True when it changed.

        Not timed: opening a large index may take a while, and cutting it short helps no one.
        """
        changed = await asyncio.wrap_future(self._submit(self.library.refresh))
        self.checked_at = time.time()
        if changed:
            self.loaded_at = self.checked_at
        return changed

    @property
    def closed(self) -> bool:
        """True once ``close`` began: no index is open for questions any more."""
        return self._closed

    @property
    def version(self) -> str:
        """The id of the index version in use (a snapshot swap is atomic, so this is cheap)."""
        return self.library.snapshot.version.id

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
            raise SearchTimeout(f"{call.__name__} took more than {self.timeout:g} s") from None

    def _submit(self, call: Callable[..., _T], *args: object) -> Future[_T]:
        return self._executor.submit(call, *args)

    def watch(self, interval: float) -> None:
        """Check every ``interval`` seconds whether the index was rebuilt, and open it if so."""
        self._watcher = asyncio.create_task(self._watch(interval), name="citebot-index-watch")

    async def _watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reload()
            except Exception:  # keep watching: the next rebuild may be fine
                log.exception("Checking for a rebuilt index failed")

    async def close(self, *, close_library: bool = True) -> None:
        """Stop watching, let the questions in flight finish, then close the index (unless
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
            self.library.close()
