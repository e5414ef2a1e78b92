"""The libraries a process has open: the shared one, and servers' own on demand.

One ``Embedder`` (the model, by far the largest thing in memory) serves every library. A
server's library opens on its first question and stays open while questions come; beyond
``capacity`` the least recently used one is closed, once the searches holding it are done
(a lease). The shared library is never closed: direct messages and every server without a
library of its own use it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from index.config import EngineConfig
from index.embedder import Embedder
from index.library import Library, open_library
from index.servers.paths import has_library

log = logging.getLogger(__name__)

ServerId = int | None
"""A server's id, or None for the shared library."""


@dataclass(slots=True)
class _Open:
    library: Library
    leases: int = 0
    closing: bool = False  # evicted: closes when the last lease ends


class LibraryPool:
    """Open libraries by server, least recently used closed beyond ``capacity``. Thread-safe."""

    def __init__(
        self, config: EngineConfig, *, capacity: int, embedder: Embedder | None = None
    ) -> None:
        if capacity < 1:
            raise ValueError("a pool holds at least one library")
        self.config = config
        self.capacity = capacity
        self.embedder = embedder or Embedder(config)
        self._open: OrderedDict[ServerId, _Open] = OrderedDict()
        self._lock = threading.Lock()
        # One opening at a time per server: two first questions open its index once.
        self._opening: dict[ServerId, threading.Lock] = {}

    @classmethod
    def lending(cls, library: Library) -> LibraryPool:
        """A pool whose shared library is one already open (the benchmarks lend theirs)."""
        pool = cls(library.config, capacity=1, embedder=library.embedder)
        pool._open[None] = _Open(library)
        return pool

    def config_for(self, server_id: ServerId) -> EngineConfig:
        return self.config.for_server(server_id)

    def exists(self, server_id: ServerId) -> bool:
        """Whether the library is open or has a published index on disk."""
        with self._lock:
            if server_id in self._open:
                return True
        return has_library(self.config_for(server_id))

    @contextlib.contextmanager
    def lease(self, server_id: ServerId) -> Iterator[Library]:
        """The library of ``server_id``, opened if need be (``IndexUnavailable`` if it has
        none), kept open until the ``with`` block ends even if evicted meanwhile."""
        entry = self._acquire(server_id)
        try:
            yield entry.library
        finally:
            self._release(entry)

    def open_ids(self) -> list[ServerId]:
        """The libraries open now, least recently used first."""
        with self._lock:
            return list(self._open)

    def refresh(self) -> list[ServerId]:
        """Pick up rebuilt or changed indexes in every open library; the ones that changed.

        A server's library whose folder was deleted meanwhile (``citebot guilds delete``) is
        closed: its server is then answered as one without a library.
        """
        changed, deleted = [], []
        for server_id in self.open_ids():
            with contextlib.suppress(KeyError), self._leased(server_id) as library:
                if library.refresh():
                    changed.append(server_id)
                elif library.deleted and server_id is not None:
                    deleted.append(server_id)
        for server_id in deleted:
            self.drop(server_id)
        return changed + deleted

    def drop(self, server_id: ServerId) -> None:
        """Close a library (its folder was deleted): at once, or when its searches end."""
        with self._lock:
            entry = self._open.pop(server_id, None)
            if entry is None:
                return
            entry.closing = True
            done = entry.leases == 0
        if done:
            entry.library.close()

    def close(self) -> None:
        """Close every library: at once, or when the searches holding it end."""
        for server_id in self.open_ids():
            self.drop(server_id)

    @contextlib.contextmanager
    def _leased(self, server_id: ServerId) -> Iterator[Library]:
        """An already open library (``KeyError`` if it is not), without opening or reordering."""
        with self._lock:
            entry = self._open[server_id]
            entry.leases += 1
        try:
            yield entry.library
        finally:
            self._release(entry)

    def _acquire(self, server_id: ServerId) -> _Open:
        if (entry := self._take(server_id)) is not None:
            return entry
        with self._lock:
            gate = self._opening.setdefault(server_id, threading.Lock())
        with gate:
            if (entry := self._take(server_id)) is not None:
                return entry
            try:
                library = open_library(self.config_for(server_id), embedder=self.embedder)
            except BaseException:
                with self._lock:
                    self._retire(server_id, gate)
                raise
            with self._lock:
                self._retire(server_id, gate)  # with the insertion: a later question finds it
                # Opened meanwhile past a retired gate (see ``_retire``)? Then keep that one.
                entry = self._open.get(server_id)
                fresh = entry is None
                if entry is None:
                    entry = self._open[server_id] = _Open(library)
                entry.leases += 1  # before evicting: a fresh entry evicted at once stays open
                self._open.move_to_end(server_id)
                evicted = self._evict() if fresh else [_Open(library)]
        if fresh:
            log.debug("Opened %s", _name(server_id))
        for old in evicted:
            old.library.close()
        return entry

    def _retire(self, server_id: ServerId, gate: threading.Lock) -> None:
        """Forget the gate of an opening that ended, unless a newer opening has its own.

        Threads already waiting on a retired gate still pass it one by one; after a failed
        opening one of them may open the library while a newcomer, at a new gate, does too.
        Called with the lock held.
        """
        if self._opening.get(server_id) is gate:
            del self._opening[server_id]

    def _take(self, server_id: ServerId) -> _Open | None:
        with self._lock:
            entry = self._open.get(server_id)
            if entry is not None:
                entry.leases += 1
                self._open.move_to_end(server_id)
            return entry

    def _evict(self) -> list[_Open]:
        """Entries beyond capacity, least recently used first (never the shared library);
        those no search holds, to close now. Called with the lock held."""
        ready = []
        for server_id in list(self._open):
            if len(self._open) <= self.capacity:
                break
            if server_id is None:
                continue
            entry = self._open.pop(server_id)
            entry.closing = True
            if entry.leases == 0:
                ready.append(entry)
        return ready

    def _release(self, entry: _Open) -> None:
        with self._lock:
            entry.leases -= 1
            done = entry.closing and entry.leases == 0
        if done:
            entry.library.close()


def _name(server_id: ServerId) -> str:
    return "the shared library" if server_id is None else f"server {server_id}"
