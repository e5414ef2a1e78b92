"""Deleting a server: its library folder, its settings and departure, its logged questions and
votes, and nothing of any other server; and the daily purge of servers left long ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from records import one_sentence_hit

from guilds import GuildStore, ServerSettings, delete_guild, purge_departed
from index import EngineConfig, IndexBusy, layout
from insights import Asked, Feedback, FeedbackStore

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
GONE, BACK, STAYS = 111, 222, 333


def library_folder(config: EngineConfig, guild_id: int) -> Path:
    """A server's library folder, with a fetched article's copy in it."""
    root = config.for_server(guild_id).index_dir
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "page.md").write_text("# A page\n\nText.\n", encoding="utf-8")
    return root


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    """A question and a vote in each server, and one in a direct message."""
    opened = FeedbackStore(tmp_path / "feedback.sqlite3")
    for guild_id in (GONE, BACK, STAYS, None):
        opened.log_question(
            Asked("q?", "slash", "answered", 1, 0.1, one_sentence_hit(), guild_id=guild_id)
        )
        opened.record(Feedback("q?", one_sentence_hit(), "up", 2, guild_id=guild_id))
    yield opened
    opened.close()


def test_deleting_a_server_takes_its_library_settings_and_questions(
    config: EngineConfig, store: GuildStore, defaults: ServerSettings, feedback: FeedbackStore
) -> None:
    gone, stays = library_folder(config, GONE), library_folder(config, STAYS)
    store.set(GONE, "threshold", "0.5", defaults)
    store.set(STAYS, "threshold", "0.7", defaults)

    deleted = delete_guild(config, store, GONE, questions=feedback)

    assert (deleted.library, deleted.settings, deleted.questions, deleted.votes) == (
        True, True, 1, 1
    )  # fmt: skip
    assert not gone.exists()
    assert [p.name for p in config.servers_root.iterdir() if p.is_dir()] == [str(STAYS)]
    assert (stays / "sources" / "page.md").is_file()
    assert store.own(GONE) == frozenset() and store.own(STAYS) == {"threshold"}
    assert feedback.forget_guild(GONE).questions == 0  # nothing of it left
    assert feedback.forget_guild(STAYS).questions == 1  # the other server's was still there
    again = delete_guild(config, store, GONE, questions=feedback)
    assert not again.anything


def test_the_purge_deletes_servers_left_past_the_retention_only(
    config: EngineConfig, store: GuildStore, feedback: FeedbackStore
) -> None:
    for guild_id in (GONE, BACK, STAYS):
        library_folder(config, guild_id)
    store.left(GONE, NOW - timedelta(days=31))
    store.left(BACK, NOW - timedelta(days=45))
    store.joined(BACK)  # the bot was added again
    store.left(STAYS, NOW - timedelta(days=29))

    assert purge_departed(config, store, 30, questions=feedback, now=NOW) == [GONE]

    assert not config.for_server(GONE).index_dir.exists()
    assert config.for_server(BACK).index_dir.is_dir()
    assert config.for_server(STAYS).index_dir.is_dir()
    assert store.expired(30, NOW) == []
    assert store.expired(28, NOW) == [STAYS]  # still counting
    assert feedback.forget_guild(GONE).questions == 0


def test_a_library_being_written_is_left_for_the_next_purge(
    config: EngineConfig, store: GuildStore
) -> None:
    root = library_folder(config, GONE)
    store.left(GONE, NOW - timedelta(days=90))

    with layout.writing(root):  # a change to the library in progress
        with pytest.raises(IndexBusy):
            delete_guild(config, store, GONE, questions=None)
        assert purge_departed(config, store, 30, questions=None, now=NOW) == []

    assert store.expired(30, NOW) == [GONE]  # still due
    assert purge_departed(config, store, 30, questions=None, now=NOW) == [GONE]
    assert not root.exists()
