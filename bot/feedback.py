"""👍 / 👎 on answers, kept in SQLite for the owner to see what the library answers badly.

A row holds the question, the passage shown, the vote, the voter's Discord user id and the time.
That user id is personal data: ``forget`` deletes a user's rows (the ``/forget`` command), and
docs/security.md says so. Every query is parameterised; nothing in a row is ever executed.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from index import Hit

Vote = Literal["up", "down"]

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
"""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One vote on one shown passage."""

    question: str
    hit: Hit
    vote: Vote
    user_id: int


class FeedbackStore:
    """The feedback table. Thread-safe: the bot writes from its worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def record(self, feedback: Feedback) -> None:
        passage, article = feedback.hit.passage, feedback.hit.article
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback (question, passage_id, article_key, paragraph, vote, "
                "user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    feedback.question,
                    passage.id,
                    article.key,
                    passage.paragraph,
                    feedback.vote,
                    feedback.user_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )

    def forget(self, user_id: int) -> int:
        """Delete every row of ``user_id``; returns how many there were."""
        with self._lock, self._db:
            return self._db.execute("DELETE FROM feedback WHERE user_id = ?", (user_id,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
