"""Deleting what the bot keeps of a server: when the host says so (``citebot guilds delete``),
and for every server the bot left more than ``CITEBOT_RETENTION_DAYS`` ago.

What is kept of a server is its library folder (articles, copies, feeds), its settings and
departure mark, and its logged questions and votes in the feedback database. That database is
``insights``' (which this package does not import): it is passed in as a ``QuestionLog``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from guilds.store import GuildStore
from index import CitebotError, EngineConfig
from index.servers import delete_server, has_library

log = logging.getLogger(__name__)


class Tally(Protocol):
    """How many rows of each kind a deletion took (``insights.Forgotten``)."""

    @property
    def feedback(self) -> int: ...

    @property
    def questions(self) -> int: ...


class QuestionLog(Protocol):
    """Where a server's questions and votes are logged (``insights.FeedbackStore``)."""

    def forget_guild(self, guild_id: int) -> Tally: ...


@dataclass(frozen=True, slots=True)
class Deleted:
    """What deleting a server took."""

    guild_id: int
    library: bool  # it had a library folder
    settings: bool  # it had settings of its own or a departure mark
    questions: int
    votes: int

    @property
    def anything(self) -> bool:
        return self.library or self.settings or bool(self.questions or self.votes)


def delete_guild(
    config: EngineConfig, store: GuildStore, guild_id: int, *, questions: QuestionLog | None
) -> Deleted:
    """Delete server ``guild_id``'s library folder, logged questions and votes (``questions``;
    None when there is no feedback database), then its settings and departure mark.

    The mark goes last: a deletion that fails part way (``IndexBusy`` while a change to the
    library is being written) leaves the server due, and the next purge tries it again.
    """
    # A read-only host leaves the library to the host that writes it (`guilds delete` there).
    if config.read_only:
        library = False
        if has_library(config.for_server(guild_id)):
            log.warning(
                "Server %d's library is kept: this host only reads libraries; run "
                "`citebot guilds delete %d` on the host that writes them",
                guild_id,
                guild_id,
            )
    else:
        library = delete_server(config, guild_id)
    tally = questions.forget_guild(guild_id) if questions is not None else None
    settings = store.forget(guild_id)
    return Deleted(
        guild_id,
        library=library,
        settings=settings,
        questions=tally.questions if tally else 0,
        votes=tally.feedback if tally else 0,
    )


def purge_departed(
    config: EngineConfig,
    store: GuildStore,
    days: int,
    *,
    questions: QuestionLog | None,
    now: datetime | None = None,
) -> list[int]:
    """Delete every server the bot left more than ``days`` days before ``now``; the ids of
    those deleted. One that cannot be deleted now is logged and stays due."""
    deleted = []
    for guild_id in store.expired(days, now):
        try:
            delete_guild(config, store, guild_id, questions=questions)
        except CitebotError as error:
            log.warning("Server %d is due for deletion but stays for now: %s", guild_id, error)
            continue
        deleted.append(guild_id)
    if deleted:
        log.info("Deleted %d servers the bot left over %d days ago", len(deleted), days)
    return deleted
