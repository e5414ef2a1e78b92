"""Servers' own settings and departures, kept in SQLite beside their libraries.

One row per setting a server changed (its value as JSON), and one per server the bot has left
(when), so that ``expired`` can say whose library and data are due for deletion. The bot reads
a server's settings on every question: they are cached in memory, and the disk is read once
per server and written only when an owner changes something. Another process's change (the
CLI's ``guilds delete``, a second bot process) empties the cache: SQLite's ``data_version``,
one cheap read a question, says when another connection wrote. Every query is parameterised.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from guilds.settings import InvalidSetting, ServerSettings, allowed, from_json, parse, to_json
from index import EngineConfig

log = logging.getLogger(__name__)

FILE = "servers.sqlite3"  # in the servers root, beside the servers' library folders

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    guild_id   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, name)
);
CREATE TABLE IF NOT EXISTS departures (
    guild_id INTEGER PRIMARY KEY,
    left_at  TEXT NOT NULL
);
"""


def _stamp(moment: datetime | None = None) -> str:
    """A time as the rows store it: UTC, ISO 8601 to the second (sorts as text)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


class GuildStore:
    """Servers' settings and departures. Thread-safe: the bot writes from worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        # Servers' own values, by server, loaded on the first question there; good while no
        # other connection writes (``_data_version``).
        self._own: dict[int, dict[str, Any]] = {}
        self._data_version = -1
        with self._lock, self._db:
            # The CLI may delete a server while the bot reads: readers never wait for it.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, config: EngineConfig) -> GuildStore:
        """The store of the servers whose libraries are under ``config.servers_root``."""
        return cls(config.servers_root / FILE)

    def __enter__(self) -> GuildStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- settings ------------------------------------------------------------------------

    def settings(self, guild_id: int, defaults: ServerSettings) -> ServerSettings:
        """The settings of server ``guild_id``: ``defaults`` with its own values."""
        with self._lock:
            return replace(defaults, **self._cached(guild_id))

    def own(self, guild_id: int) -> frozenset[str]:
        """The names of the settings server ``guild_id`` has set itself."""
        with self._lock:
            return frozenset(self._cached(guild_id))

    def own_value(self, guild_id: int, name: str) -> Any:
        """Server ``guild_id``'s own value of setting ``name``; None where the default applies."""
        allowed(name)
        with self._lock:
            return self._cached(guild_id).get(name)

    def set(self, guild_id: int, name: str, text: str, defaults: ServerSettings) -> ServerSettings:
        """Give server ``guild_id`` its own value of ``name``, read from a user's ``text``;
        its settings after. ``InvalidSetting`` (one line) when ``text`` is not allowed."""
        value = parse(name, text)
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO settings (guild_id, name, value, changed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id, name) DO UPDATE SET value = excluded.value, "
                "changed_at = excluded.changed_at",
                (guild_id, name, to_json(name, value), _stamp()),
            )
            own = self._cached(guild_id)
            own[name] = value
            return replace(defaults, **own)

    def reset(self, guild_id: int, name: str | None = None) -> bool:
        """Back to the default: setting ``name``, or every setting when None. Whether the
        server had a value of its own to drop."""
        with self._lock, self._db:
            if name is None:
                query = ("DELETE FROM settings WHERE guild_id = ?", (guild_id,))
            else:
                allowed(name)  # an unknown name is a mistake, not "nothing to reset"
                query = ("DELETE FROM settings WHERE guild_id = ? AND name = ?", (guild_id, name))
            dropped = self._db.execute(*query).rowcount
            self._own.pop(guild_id, None)
            return dropped > 0

    def configured(self) -> list[int]:
        """The servers with settings of their own."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT guild_id FROM settings ORDER BY guild_id")
            return [guild_id for (guild_id,) in rows]

    def _cached(self, guild_id: int) -> dict[str, Any]:
        """A server's own values, read from the disk the first time, and again after another
        connection wrote the file. Called with the lock."""
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        if version != self._data_version:
            self._own.clear()
            self._data_version = version
        own = self._own.get(guild_id)
        if own is None:
            own = self._own[guild_id] = {}
            rows = self._db.execute(
                "SELECT name, value FROM settings WHERE guild_id = ?", (guild_id,)
            ).fetchall()
            for name, value in rows:
                try:
                    own[name] = from_json(name, value)
                except InvalidSetting as error:  # a setting renamed or narrowed since
                    log.warning("Server %d: %s The default applies.", guild_id, error)
        return own

    # --- membership ----------------------------------------------------------------------

    def left(self, guild_id: int, when: datetime | None = None) -> None:
        """The bot was removed from server ``guild_id`` (``when``, default now). A server
        already marked keeps its first date: the retention counts from then."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO departures (guild_id, left_at) VALUES (?, ?)",
                (guild_id, _stamp(when)),
            )

    def joined(self, guild_id: int) -> None:
        """The bot is in server ``guild_id`` (again): nothing of it is to be deleted."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM departures WHERE guild_id = ?", (guild_id,))

    def departed(self) -> dict[int, datetime]:
        """The servers the bot has left, with when."""
        with self._lock:
            rows = self._db.execute("SELECT guild_id, left_at FROM departures ORDER BY guild_id")
            return {guild_id: datetime.fromisoformat(when) for guild_id, when in rows}

    def expired(self, days: int, now: datetime | None = None) -> list[int]:
        """The servers left more than ``days`` days before ``now``: due for deletion."""
        cutoff = _stamp((now or datetime.now(UTC)) - timedelta(days=days))
        with self._lock:
            rows = self._db.execute(
                "SELECT guild_id FROM departures WHERE left_at < ? ORDER BY guild_id", (cutoff,)
            )
            return [guild_id for (guild_id,) in rows]

    def forget(self, guild_id: int) -> bool:
        """Delete every row of server ``guild_id``; whether it had any."""
        with self._lock, self._db:
            settings = self._db.execute("DELETE FROM settings WHERE guild_id = ?", (guild_id,))
            left = self._db.execute("DELETE FROM departures WHERE guild_id = ?", (guild_id,))
            self._own.pop(guild_id, None)
            return settings.rowcount + left.rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
