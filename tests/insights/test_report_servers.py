"""The question log and votes per server: a database of an older bot gains the server column,
a server's report counts its own rows only, and a deleted server's rows go."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from records import one_sentence_hit

from index import CitebotError
from insights import Asked, Feedback, FeedbackStore, build_report

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
HISTORY, NEWS = 111, 222

# The tables as the bot made them before servers had their own rows.
OLD_SCHEMA = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY, question TEXT NOT NULL, passage_id INTEGER NOT NULL,
    article_key TEXT NOT NULL, paragraph INTEGER NOT NULL, vote TEXT NOT NULL,
    user_id INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE questions (
    id INTEGER PRIMARY KEY, asked_at TEXT NOT NULL, user_id INTEGER NOT NULL, way TEXT NOT NULL,
    question TEXT NOT NULL, outcome TEXT NOT NULL, confidence REAL, latency_ms REAL NOT NULL,
    index_version TEXT, article_key TEXT, article_title TEXT, paragraph INTEGER,
    passage_id INTEGER, quoted TEXT
);
INSERT INTO feedback VALUES (1, 'old?', 7, 'old.md', 1, 'down', 9, '2026-11-25T10:00:00+00:00');
INSERT INTO questions VALUES (1, '2026-11-25T10:00:00+00:00', 9, 'slash', 'old?', 'declined',
    0.1, 5.0, 'v0', NULL, NULL, NULL, NULL, NULL);
"""


def ask(store: FeedbackStore, guild_id: int | None, outcome: str, key: str, vote: str) -> None:
    asked = Asked(
        "q?", "slash", outcome, 1, 0.1, one_sentence_hit(key), asked_at=NOW, guild_id=guild_id
    )
    question_id = store.log_question(asked)
    store.record(Feedback("q?", one_sentence_hit(key), vote, 2, question_id, 1, guild_id=guild_id))


@pytest.fixture
def old_database(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    db.close()
    return path


def test_a_database_of_an_older_bot_gains_servers_and_keeps_its_rows(old_database: Path) -> None:
    with pytest.raises(CitebotError, match="made by an older citebot: start the bot once"):
        build_report(old_database, 30, now=NOW)  # read-only: the report cannot migrate it

    store = FeedbackStore(old_database)  # the bot starts
    ask(store, HISTORY, "answered", "rome.md", "up")
    store.close()
    FeedbackStore(old_database).close()  # and starts again: nothing to add twice

    everything = build_report(old_database, 30, now=NOW)
    history = build_report(old_database, 30, now=NOW, guild_id=HISTORY)
    assert everything.questions == 2 and everything.votes == {"up": 1, "down": 1}
    assert history.questions == 1 and history.votes == {"up": 1, "down": 0}
    with sqlite3.connect(old_database) as db:
        rows = db.execute("SELECT question, guild_id FROM questions ORDER BY id").fetchall()
    db.close()
    assert rows == [("old?", None), ("q?", HISTORY)]  # an old row belongs to no server


@pytest.fixture
def two_servers(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path)
    ask(store, HISTORY, "answered", "rome.md", "up")
    ask(store, HISTORY, "declined", "rome.md", "down")
    ask(store, NEWS, "answered", "budget.md", "down")
    ask(store, None, "answered", "shared.md", "up")  # a direct message
    store.close()
    return path


def test_a_servers_report_counts_its_own_questions_and_votes_only(two_servers: Path) -> None:
    history = build_report(two_servers, 30, now=NOW, guild_id=HISTORY)
    news = build_report(two_servers, 30, now=NOW, guild_id=NEWS)
    everything = build_report(two_servers, 30, now=NOW)

    assert history.outcomes["answered"] == 1 and history.outcomes["declined"] == 1
    assert history.days[-1].total == 2
    assert sum(history.confidence["answered"]) == 1
    assert [a.key for a in history.articles] == ["rome.md"]
    assert [p.key for p in history.passages] == ["rome.md"]
    assert news.questions == 1 and [a.key for a in news.articles] == ["budget.md"]
    assert news.votes == {"up": 0, "down": 1}
    assert everything.questions == 4
    assert {a.key for a in everything.articles} == {"rome.md", "budget.md", "shared.md"}
    assert build_report(two_servers, 30, now=NOW, guild_id=333).questions == 0


def test_forgetting_a_server_deletes_its_rows_only(two_servers: Path) -> None:
    store = FeedbackStore(two_servers)
    forgotten = store.forget_guild(HISTORY)
    store.close()

    assert (forgotten.questions, forgotten.feedback) == (2, 2)
    assert build_report(two_servers, 30, now=NOW, guild_id=HISTORY).questions == 0
    assert build_report(two_servers, 30, now=NOW).questions == 2
