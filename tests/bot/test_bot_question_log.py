"""The question log (``CITEBOT_LOG_QUESTIONS``): off by default, kept in the feedback database
with what became of each question when on, deleted by ``/forget`` and after the retention."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bot_helpers import FakeInteraction, click, fake_member, invoke

from insights import Asked, FeedbackStore

pytestmark = pytest.mark.slow  # a real index with the real model

QUESTION = "Who does Russia have a defense pact with?"
UNANSWERABLE = "What is the boiling point of mercury in kelvin?"
ANSWER = (
    "Russia has a defense pact with Armenia that obliges Moscow to help if Armenia itself is "
    "attacked."
)


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_questions_are_not_kept_unless_the_owner_turns_the_log_on(
    make_bot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot()
    with caplog.at_level(logging.INFO, logger="bot"):
        view = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last.view
    await click(view, view.vote_up, FakeInteraction(bot))
    db = tmp_path / "feedback.sqlite3"
    assert rows(db, "SELECT count(*) FROM questions") == [(0,)]
    # The vote is kept as before, now with its article's title and no question to point at.
    assert rows(db, "SELECT question, article_title, question_id FROM feedback") == [
        (QUESTION, "Why Russia stays out of the Karabakh war", None)
    ]
    assert "Russia" not in caplog.text


async def test_with_the_log_on_each_question_is_kept_with_what_became_of_it(
    make_bot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot(log_questions=True, cooldown=30)
    asker, other = fake_member(61), fake_member(62)
    with caplog.at_level(logging.INFO, logger="bot"):
        answered = await invoke(bot, "ask", FakeInteraction(bot, user=asker), question=QUESTION)
        await invoke(bot, "ask", FakeInteraction(bot, user=asker), question=QUESTION)  # cooldown
        await invoke(bot, "ask", FakeInteraction(bot, user=other), question=UNANSWERABLE)
    view = answered.last.view
    await click(view, view.vote_down, FakeInteraction(bot, user=other))

    db = tmp_path / "feedback.sqlite3"
    kept = rows(
        db,
        "SELECT id, user_id, way, question, outcome, confidence, index_version, article_title, "
        "paragraph, quoted, latency_ms, asked_at FROM questions ORDER BY id",
    )
    assert [(r[1], r[2], r[3], r[4]) for r in kept] == [
        (61, "slash", QUESTION, "answered"),
        (61, "slash", QUESTION, "refused"),
        (62, "slash", UNANSWERABLE, "declined"),
    ]
    first, refused, declined = kept
    threshold = bot.service.shared.config.retrieval.threshold
    assert first[5] >= threshold > declined[5]
    assert first[6] == declined[6] == bot.service.shared.snapshot.version.id
    assert (first[7], first[8], first[9]) == ("Why Russia stays out of the Karabakh war", 2, ANSWER)
    assert refused[5:10] == (None, None, None, None, None)  # no library was asked
    assert declined[9]  # the closest passage's sentence, shown as "not a confident match"
    assert all(r[10] >= 0 for r in kept)
    assert datetime.fromisoformat(first[11]).tzinfo is not None
    # The vote points at the question it was about.
    assert rows(db, "SELECT question_id, vote, user_id FROM feedback") == [(first[0], "down", 62)]
    # With the log on, the log line names the question too.
    assert f"asked {QUESTION!r}" in caplog.text


async def test_forget_deletes_a_users_questions_and_votes_and_no_one_elses(
    make_bot: Any, tmp_path: Path
) -> None:
    bot = await make_bot(log_questions=True)
    me, them = fake_member(71), fake_member(72)
    mine = (await invoke(bot, "ask", FakeInteraction(bot, user=me), question=QUESTION)).last.view
    await invoke(bot, "ask", FakeInteraction(bot, user=me), question=UNANSWERABLE)
    await invoke(bot, "ask", FakeInteraction(bot, user=them), question=QUESTION)
    await click(mine, mine.vote_up, FakeInteraction(bot, user=me))
    await click(mine, mine.vote_up, FakeInteraction(bot, user=them))

    forgot = (await invoke(bot, "forget", FakeInteraction(bot, user=me))).last
    assert forgot.ephemeral
    assert forgot.content == "Deleted 1 feedback rows and 2 logged questions of yours."
    db = tmp_path / "feedback.sqlite3"
    assert rows(db, "SELECT user_id FROM questions") == [(72,)]
    # Their vote on my answer stays, without my question's text.
    assert rows(db, "SELECT user_id, question FROM feedback") == [(72, "(forgotten)")]


async def test_questions_past_the_retention_are_deleted_at_start_and_daily(
    make_bot: Any, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    now = datetime.now(UTC)
    store = FeedbackStore(db)
    for days in (40, 8, 1):
        asked_at = now - timedelta(days=days)
        store.log_question(Asked("old?", "slash", "declined", 1, 0.1, asked_at=asked_at))
    store.close()

    bot = await make_bot(log_questions=True)  # default retention: 30 days
    assert rows(db, "SELECT question FROM questions") == [("old?",), ("old?",)]
    assert await bot.purge() == 0  # what the daily task runs
    await make_bot(log_questions=True, retention_days=7)
    assert len(rows(db, "SELECT 1 FROM questions")) == 1


def test_an_older_feedback_database_gains_the_new_columns_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    db = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(db) as old:
        old.executescript(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, question TEXT NOT NULL, passage_id "
            "INTEGER NOT NULL, article_key TEXT NOT NULL, paragraph INTEGER NOT NULL, vote TEXT "
            "NOT NULL CHECK (vote IN ('up', 'down')), user_id INTEGER NOT NULL, created_at TEXT "
            "NOT NULL);"
            "INSERT INTO feedback VALUES "
            "(1, 'q?', 3, 'a.md', 2, 'up', 9, '2026-11-01T10:00:00+00:00');"
        )
    FeedbackStore(db).close()
    FeedbackStore(db).close()  # opening twice adds nothing twice
    assert rows(db, "SELECT question, article_title, question_id FROM feedback") == [
        ("q?", None, None)
    ]
