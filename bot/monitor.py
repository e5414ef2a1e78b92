"""``/healthz`` and ``/metrics`` over HTTP, when ``CITEBOT_METRICS_PORT`` is set.

The server is aiohttp's (discord.py already runs on aiohttp), on the bot's own event loop: the
answers it gives are read from objects that the loop owns (the gateway's state, the index in
use), the server starts after the index opened and stops when the bot closes, and a process
may run several bots, each with its server on its own port (port 0: any free one). Neither
page blocks the loop: ``/healthz`` reads a few attributes, and ``/metrics`` formats a few dozen
series (well under a millisecond) without touching the disk or the model.

It binds to 127.0.0.1 unless ``CITEBOT_METRICS_HOST`` says otherwise: the pages say how busy
the bot is and which index it serves, which is for the operator's monitoring, not the world.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics, State
from index import CitebotError

log = logging.getLogger(__name__)


class Gateway:
    """Which gateway connections (one per shard) are up, as discord.py's events tell it."""

    def __init__(self) -> None:
        self._up: dict[int, bool] = {}

    def up(self, shard: int = 0) -> None:
        self._up[shard] = True

    def down(self, shard: int = 0) -> None:
        self._up[shard] = False

    def connected(self, shards: int) -> bool:
        """Every one of ``shards`` connections has connected and none is down now."""
        return len(self._up) >= shards and all(self._up.values())


def health(state: State) -> tuple[int, dict[str, Any]]:
    """The status code and JSON body of ``/healthz``: 200 when the gateway is connected and the
    shared library is open (if servers need it), otherwise 503 with the problems named."""
    problems = []
    if not state.gateway_connected:
        problems.append("the Discord gateway is not connected")
    if state.index_version is None and state.shared_required:
        problems.append("no index is open")
    body: dict[str, Any] = {
        "status": "unhealthy" if problems else "ok",
        "gateway": "connected" if state.gateway_connected else "disconnected",
        "index": {
            "open": state.index_version is not None,
            "version": state.index_version,
            "articles": state.articles,
            "passages": state.passages,
            "last_reload": _iso(state.loaded_at),
        },
        "libraries_open": state.libraries_open,
    }
    if problems:
        body["problems"] = problems
    return (503 if problems else 200), body


class MonitorServer:
    """The HTTP server; ``start`` binds it, ``port`` is where it listens, ``close`` stops it."""

    def __init__(self, metrics: Metrics, state: Callable[[], State]) -> None:
        self._metrics = metrics
        self._state = state
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        self._site: web.TCPSite | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port``; a port that cannot be bound is a ``CitebotError`` line."""
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        try:
            await self._site.start()
        except OSError as error:
            await self._runner.cleanup()
            raise CitebotError(
                f"CITEBOT_METRICS_PORT={port}: cannot listen on {host}:{port} "
                f"({error.strerror or error}); choose another port or leave it empty."
            ) from None
        log.info("Serving /healthz and /metrics on http://%s:%d", host, self.port)

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the free one picked for port 0)."""
        return int(self._runner.addresses[0][1])

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        status, body = health(self._state())
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
