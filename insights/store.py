"""👍 / 👎 on answers and, when the owner turns it on, the question log, kept in SQLite.

A feedback row holds the question, the passage shown, the vote, the voter's Discord user id and
the time. A question row (only with ``CITEBOT_LOG_QUESTIONS=on``) holds the question, the asker's
user id, how it came in, its outcome, the confidence, the passage quoted (or the closest one,
when declined), the index version and the server it was asked in; a vote on its answer points
at it. User ids are personal data: ``forget`` deletes a user's rows of both kinds (the
``/forget`` command), question rows older than ``CITEBOT_RETENTION_DAYS`` are deleted
(``purge``), and docs/security.md says so; ``forget_guild`` deletes a server's rows when it is
deleted (``guilds.retention``).
Every query is parameterised; nothing in a row is ever executed.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from index import Hit

Vote = Literal["up", "down"]
Way = Literal["slash", "menu", "mention", "dm", "prefix"]
"""How a question came in: ``/ask``, the "Ask citebot" menu, a mention, a DM, ``!ask``."""
Outcome = Literal["answered", "declined", "refused", "timeout", "error"]
"""What became of it: quoted, "not in the library", refused before searching (cooldown,
channel, DMs off, an unusable question), the search gave up, or the library failed."""

WAYS: tuple[Way, ...] = get_args(Way)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

QUOTED_CHARS = 500  # the answering sentence kept with a question, at most

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY,
    question    TEXT NOT NULL,
    passage_id  INTEGER NOT NULL,
    article_key TEXT NOT NULL,
    paragraph   INTEGER NOT NULL,
    vote        TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    user_id     INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback (user_id);
CREATE TABLE IF NOT EXISTS questions (
    id            INTEGER PRIMARY KEY,
    asked_at      TEXT NOT NULL,
    user_id       INTEGER NOT NULL,
    way           TEXT NOT NULL,
    question      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    confidence    REAL,
    latency_ms    REAL NOT NULL,
    index_version TEXT,
    article_key   TEXT,
    article_title TEXT,
    paragraph     INTEGER,
    passage_id    INTEGER,
    quoted        TEXT
);
CREATE INDEX IF NOT EXISTS questions_user ON questions (user_id);
CREATE INDEX IF NOT EXISTS questions_asked ON questions (asked_at);
"""
# Columns the tables gained after their first release; an older database gets them when it is
# opened (SQLite adds a column in place, existing rows read NULL). ``guild_id``: the server a
# question was asked or a vote cast in, NULL for direct messages (and rows from before).
_ADDED = {
    "feedback": {
        "article_title": "TEXT",
        "question_id": "INTEGER",
        "asker_id": "INTEGER",
        "guild_id": "INTEGER",
    },
    "questions": {"guild_id": "INTEGER"},
}
# Indexes on added columns, made once the columns are there.
_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS feedback_guild ON feedback (guild_id);
CREATE INDEX IF NOT EXISTS questions_guild ON questions (guild_id);
"""
FORGOTTEN = "(forgotten)"
"""What a vote keeps of a question whose asker asked to be forgotten, or past the retention."""


def now_text(moment: datetime | None = None) -> str:
    """A time as every row stores it: UTC, ISO 8601 to the second (sorts as text)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Feedback:
    """One vote on one shown passage; ``question_id`` links it to the logged question."""

    question: str
    hit: Hit
    vote: Vote
    user_id: int
    question_id: int | None = None
    # Who asked the question voted on: anyone may vote on an answer, and the vote keeps the
    # question's text, which is the asker's to have forgotten.
    asker_id: int | None = None
    guild_id: int | None = None  # the server voted in; None: a direct message


@dataclass(frozen=True, slots=True)
class Asked:
    """One question for the log: what was asked, by whom, how, and what became of it."""

    question: str
    way: Way
    outcome: Outcome
    user_id: int
    seconds: float
    hit: Hit | None = None  # the passage quoted, or the closest one when declined
    index_version: str | None = None
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    guild_id: int | None = None  # the server asked in; None: a direct message


@dataclass(frozen=True, slots=True)
class Forgotten:
    feedback: int
    questions: int


class FeedbackStore:
    """The feedback and question tables. Thread-safe: the bot writes from worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            for table, added in _ADDED.items():
                have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                for name, kind in added.items():
                    if name not in have:  # names and types are the constants above, never input
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            self._db.executescript(_ADDED_INDEXES)

    def record(self, feedback: Feedback) -> None:
        passage, article = feedback.hit.passage, feedback.hit.article
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback (question, passage_id, article_key, paragraph, vote, "
                "user_id, created_at, article_title, question_id, asker_id, guild_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feedback.question,
                    passage.id,
                    article.key,
                    passage.paragraph,
                    feedback.vote,
                    feedback.user_id,
                    now_text(),
                    article.title,
                    feedback.question_id,
                    feedback.asker_id,
                    feedback.guild_id,
                ),
            )

    def log_question(self, asked: Asked) -> int:
        """Keep ``asked``; returns its row id, for the votes on its answer to point at."""
        hit = asked.hit
        quoted = hit.passage.text[hit.sentence.start : hit.sentence.end] if hit else None
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, user_id, way, question, outcome, confidence, "
                "latency_ms, index_version, article_key, article_title, paragraph, passage_id, "
                "quoted, guild_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now_text(asked.asked_at),
                    asked.user_id,
                    asked.way,
                    asked.question,
                    asked.outcome,
                    hit.score if hit else None,
                    round(asked.seconds * 1000, 1),
                    asked.index_version,
                    hit.article.key if hit else None,
                    hit.article.title if hit else None,
                    hit.passage.paragraph if hit else None,
                    hit.passage.id if hit else None,
                    quoted[:QUOTED_CHARS] if quoted else None,
                    asked.guild_id,
                ),
            )
            return int(cursor.lastrowid or 0)

    def forget(self, user_id: int) -> Forgotten:
        """Delete every row of ``user_id``, votes and questions, and the text of their
        questions from other people's votes on their answers; says how many of each."""
        with self._lock, self._db:
            votes = self._db.execute("DELETE FROM feedback WHERE user_id = ?", (user_id,))
            asked = self._db.execute("DELETE FROM questions WHERE user_id = ?", (user_id,))
            self._db.execute(
                "UPDATE feedback SET question = ? WHERE asker_id = ?", (FORGOTTEN, user_id)
            )
            return Forgotten(votes.rowcount, asked.rowcount)

    def forget_guild(self, guild_id: int) -> Forgotten:
        """Delete every vote cast and question asked in server ``guild_id`` (it removed the
        bot, or the host deleted it); says how many of each."""
        with self._lock, self._db:
            votes = self._db.execute("DELETE FROM feedback WHERE guild_id = ?", (guild_id,))
            asked = self._db.execute("DELETE FROM questions WHERE guild_id = ?", (guild_id,))
            return Forgotten(votes.rowcount, asked.rowcount)

    def purge(self, days: int, now: datetime | None = None) -> int:
        """Delete logged questions older than ``days``, and the question text of older votes
        (a vote keeps its passage and its 👍/👎: what the report counts); returns how many
        questions were deleted."""
        cutoff = now_text((now or datetime.now(UTC)) - timedelta(days=days))
        with self._lock, self._db:
            self._db.execute(
                "UPDATE feedback SET question = ? WHERE created_at < ?", (FORGOTTEN, cutoff)
            )
            return self._db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
