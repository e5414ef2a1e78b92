"""How the bot's answer path holds up when many people ask at once.

``citebot bench`` calls this to report questions per second, the worst wait and how late the
event loop ran while they were answered: the loop also carries the gateway heartbeat, so a
late loop is a bot that Discord thinks is gone.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.answering import AnswerService
from bot.librarian import ADD_BATCH, yield_to_questions
from index import Embedder, Library
from index.evaluation import percentile
from index.servers import LibraryPool


@dataclass(frozen=True, slots=True)
class Throughput:
    questions: int
    seconds: float
    per_second: float
    p50_wait_ms: float
    worst_wait_ms: float
    worst_loop_lag_ms: float

    def to_dict(self) -> dict[str, float]:
        return {
            "questions": self.questions,
            "qps": round(self.per_second, 1),
            "p50_wait_ms": round(self.p50_wait_ms, 1),
            "worst_wait_ms": round(self.worst_wait_ms, 1),
            "worst_loop_lag_ms": round(self.worst_loop_lag_ms, 1),
        }


async def measure(ask: Callable[[str], Awaitable[object]], questions: Sequence[str]) -> Throughput:
    """``ask`` every question at once while probing the event loop every 10 ms: the bench
    asks the answer service, the tests whole ``/ask`` interactions."""
    lags: list[float] = []
    running = True

    async def probe() -> None:
        while running:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    async def timed(question: str) -> float:
        started = time.perf_counter()
        await ask(question)
        return time.perf_counter() - started

    prober = asyncio.create_task(probe())
    started = time.perf_counter()
    waits = await asyncio.gather(*(timed(q) for q in questions))
    seconds = time.perf_counter() - started
    running = False
    await prober
    return Throughput(
        questions=len(questions),
        seconds=seconds,
        per_second=len(questions) / seconds,
        p50_wait_ms=statistics.median(waits) * 1000,
        worst_wait_ms=max(waits) * 1000,
        worst_loop_lag_ms=max(lags, default=0.0) * 1000,
    )


def concurrent_questions(
    library: Library, questions: Sequence[str], *, workers: int = 2, timeout: float = 60
) -> Throughput:
    """``measure`` with the bot's own service settings, from synchronous code (the bench)."""

    async def main() -> Throughput:
        # As the bot does once started (``CitebotBot.setup_hook``): the model and the index are
        # left out of the collector's full passes, which would otherwise stall the loop.
        gc.freeze()
        service = AnswerService(
            LibraryPool.lending(library),
            workers=workers,
            max_in_flight=len(questions),
            timeout=timeout,
        )
        try:
            await measure(service.search, questions[:10])  # warm: threads, runtime arenas
            return await measure(service.search, questions)
        finally:
            await service.close(close_library=False)

    return asyncio.run(main())


@dataclass(frozen=True, slots=True)
class DuringChange:
    """Question latency through the bot's answer path, alone and while the library changes."""

    idle_p50_ms: float
    idle_p95_ms: float
    busy_p50_ms: float
    busy_p95_ms: float
    change_s: float
    questions_during: int

    def to_dict(self) -> dict[str, float]:
        return {
            "idle_p50_ms": round(self.idle_p50_ms, 1),
            "idle_p95_ms": round(self.idle_p95_ms, 1),
            "busy_p50_ms": round(self.busy_p50_ms, 1),
            "busy_p95_ms": round(self.busy_p95_ms, 1),
            "slowdown_p50": round(self.busy_p50_ms / self.idle_p50_ms, 2),
            "change_s": round(self.change_s, 2),
            "questions_during": self.questions_during,
        }


def questions_during(
    library: Library,
    questions: Sequence[str],
    change: Callable[[Embedder], object],
    *,
    workers: int = 2,
) -> DuringChange:
    """Questions asked one after another (a busy channel) through the bot's answer service,
    first alone, then while ``change(embedder)`` (an add to the library) runs in a thread of
    its own as the bot's librarian runs it, with the model shared as it shares it: how much
    slower does a question get while the index changes?"""

    def run_change() -> object:
        yield_to_questions()
        return change(library.embedder.sharing(ADD_BATCH))

    async def main() -> DuringChange:
        gc.freeze()
        service = AnswerService(
            LibraryPool.lending(library), workers=workers, max_in_flight=4, timeout=60
        )

        async def one(question: str) -> float:
            started = time.perf_counter()
            await service.search(question)
            return (time.perf_counter() - started) * 1000

        try:
            for question in questions[:10]:  # warm
                await one(question)
            idle = [await one(q) for q in questions]
            started = time.perf_counter()
            changing = asyncio.ensure_future(asyncio.to_thread(run_change))
            busy = []
            while not changing.done():
                busy.append(await one(questions[len(busy) % len(questions)]))
            await changing
            seconds = time.perf_counter() - started
        finally:
            await service.close(close_library=False)
        return DuringChange(
            statistics.median(idle),
            percentile(idle, 95),
            statistics.median(busy) if busy else 0.0,
            percentile(busy, 95) if busy else 0.0,
            seconds,
            len(busy),
        )

    return asyncio.run(main())
