"""The owner's report: what was asked, what was answered, what users voted down, and which
subjects the library lacks, read from the feedback database the bot writes.

``build_report`` reads the database (read-only: the bot may be writing it) and returns plain
figures; the CLI prints them as tables or writes them as HTML with charts (``insights.html``),
the bot's ``/stats`` shows the headline ones with one chart (``insights.charts``). Questions
come from the question log (``CITEBOT_LOG_QUESTIONS=on``); votes are kept either way, so a
report without the log still has its votes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from index import CitebotError, Embedder
from insights.store import OUTCOMES, now_text
from insights.topics import MAX_QUESTIONS, Topic, topics

BINS = 10  # confidence bins of 0.1
TOP = 10  # articles and passages listed


@dataclass(frozen=True, slots=True)
class Day:
    """Questions of one day (UTC), by outcome."""

    day: str  # YYYY-MM-DD
    outcomes: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True, slots=True)
class ArticleVotes:
    key: str
    title: str | None
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class PassageVotes:
    """A passage voted down, with the question it was most often voted down on."""

    key: str
    title: str | None
    paragraph: int
    down: int
    up: int
    question: str


@dataclass(frozen=True, slots=True)
class Report:
    since_days: int
    generated_at: str
    questions_logged: bool  # whether the period holds any logged question
    outcomes: dict[str, int]
    days: tuple[Day, ...]
    # Questions answered and declined per confidence bin [i/10, (i+1)/10).
    confidence: dict[str, tuple[int, ...]]
    threshold: float | None
    votes: dict[str, int]
    articles: tuple[ArticleVotes, ...]
    passages: tuple[PassageVotes, ...]
    topics: tuple[Topic, ...]
    declined_grouped: int = 0  # declined questions the topics were made of
    notes: tuple[str, ...] = field(default=())

    @property
    def questions(self) -> int:
        return sum(self.outcomes.values())

    def share(self, outcome: str) -> float:
        """The share of questions with ``outcome`` (0 when none were asked)."""
        return self.outcomes.get(outcome, 0) / self.questions if self.questions else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["questions"] = self.questions
        data["days"] = [{"day": d.day, **d.outcomes} for d in self.days]
        data["topics"] = [topic.to_dict() for topic in self.topics]
        return data


def build_report(
    path: Path,
    since_days: int = 30,
    *,
    embedder: Callable[[], Embedder] | None = None,
    threshold: float | None = None,
    now: datetime | None = None,
    guild_id: int | None = None,
) -> Report:
    """The figures of the last ``since_days`` days: of server ``guild_id`` alone when given
    (its owners' ``/stats``), otherwise of every server and direct message. Declined questions
    are grouped by topic with the model ``embedder()`` gives (called only when there are some
    to group; without it they are not grouped). Raises ``CitebotError`` when there is no
    database at ``path``."""
    if not path.is_file():
        raise CitebotError(
            f"No feedback database at {path}: the bot creates it on start "
            "(CITEBOT_FEEDBACK_DB, or --db)."
        )
    now = now or datetime.now(UTC)
    scope = {"since": now_text(now - timedelta(days=since_days)), "guild": guild_id}
    with _read_only(path) as db:
        outcomes = dict.fromkeys(OUTCOMES, 0)
        for outcome, count in db.execute(
            f"SELECT outcome, count(*) FROM questions WHERE {_ASKED} GROUP BY outcome", scope
        ):
            outcomes[outcome] = count
        days = _days(db, scope, now.date(), since_days)
        confidence = _confidence(db, scope)
        votes = dict(
            db.execute(
                f"SELECT vote, count(*) FROM feedback WHERE {_VOTED} GROUP BY vote", scope
            ).fetchall()
        )
        articles = _articles(db, scope)
        passages = _passages(db, scope)
        declined = [
            row[0]
            for row in db.execute(
                f"SELECT question FROM questions WHERE outcome = 'declined' AND {_ASKED} "
                "ORDER BY asked_at DESC LIMIT :most",
                {**scope, "most": MAX_QUESTIONS},
            )
        ]
    notes = []
    if not sum(outcomes.values()):
        notes.append(
            "No questions logged in this period: the question log is off unless "
            "CITEBOT_LOG_QUESTIONS=on (votes are kept either way)."
        )
    if declined and embedder is None:
        notes.append("Declined questions were not grouped (no model loaded).")
    return Report(
        since_days=since_days,
        generated_at=now_text(now),
        questions_logged=bool(sum(outcomes.values())),
        outcomes=outcomes,
        days=days,
        confidence=confidence,
        threshold=threshold,
        votes={"up": votes.get("up", 0), "down": votes.get("down", 0)},
        articles=articles,
        passages=passages,
        topics=tuple(topics(declined, embedder())) if declined and embedder else (),
        declined_grouped=len(declined) if embedder else 0,
        notes=tuple(notes),
    )


# The rows a report counts: those of its period and, when it has one, of its server. A
# query's parameters are the mapping ``scope`` (``since``, ``guild``: None for every server).
_ASKED = "asked_at >= :since AND (:guild IS NULL OR guild_id = :guild)"
_VOTED = "created_at >= :since AND (:guild IS NULL OR guild_id = :guild)"
Scope = dict[str, Any]


def _read_only(path: Path) -> sqlite3.Connection:
    """Read-only and through a URI, so a report can never create or change the bot's
    database; one made by an older bot (no question log or servers yet) is one line."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    columns = {name for (name,) in db.execute("SELECT name FROM pragma_table_info('questions')")}
    if "guild_id" not in columns:
        db.close()
        raise CitebotError(
            f"{path} was made by an older citebot: start the bot once to bring it up to date."
        )
    return db


def _days(db: sqlite3.Connection, scope: Scope, today: date, span: int) -> tuple[Day, ...]:
    counts: dict[str, dict[str, int]] = {}
    for day, outcome, count in db.execute(
        f"SELECT substr(asked_at, 1, 10), outcome, count(*) FROM questions WHERE {_ASKED} "
        "GROUP BY 1, 2",
        scope,
    ):
        counts.setdefault(day, dict.fromkeys(OUTCOMES, 0))[outcome] = count
    if not counts:
        return ()
    # Every day of the period, so that a quiet day shows as one.
    period = [(today - timedelta(days=back)).isoformat() for back in range(span, -1, -1)]
    return tuple(Day(day, counts.get(day, dict.fromkeys(OUTCOMES, 0))) for day in period)


def _confidence(db: sqlite3.Connection, scope: Scope) -> dict[str, tuple[int, ...]]:
    bins = {"answered": [0] * BINS, "declined": [0] * BINS}
    for outcome, score in db.execute(
        f"SELECT outcome, confidence FROM questions WHERE {_ASKED} AND confidence IS NOT "
        "NULL AND outcome IN ('answered', 'declined')",
        scope,
    ):
        bins[outcome][min(BINS - 1, max(0, int(score * BINS)))] += 1
    return {outcome: tuple(counts) for outcome, counts in bins.items()}


def _articles(db: sqlite3.Connection, scope: Scope) -> tuple[ArticleVotes, ...]:
    rows = db.execute(
        "SELECT article_key, max(article_title), sum(vote = 'up'), sum(vote = 'down') "
        f"FROM feedback WHERE {_VOTED} GROUP BY article_key "
        "ORDER BY sum(vote = 'down') + sum(vote = 'up') DESC, article_key LIMIT :most",
        {**scope, "most": TOP},
    )
    return tuple(ArticleVotes(*row) for row in rows)


def _passages(db: sqlite3.Connection, scope: Scope) -> tuple[PassageVotes, ...]:
    rows = db.execute(
        "SELECT article_key, max(article_title), paragraph, sum(vote = 'down'), sum(vote = 'up') "
        f"FROM feedback WHERE {_VOTED} GROUP BY article_key, paragraph "
        "HAVING sum(vote = 'down') > 0 "
        "ORDER BY sum(vote = 'down') DESC, sum(vote = 'up'), article_key, paragraph LIMIT :most",
        {**scope, "most": TOP},
    ).fetchall()
    found = []
    for key, title, paragraph, down, up in rows:
        (question,) = db.execute(
            f"SELECT question FROM feedback WHERE {_VOTED} AND article_key = :key AND "
            "paragraph = :paragraph AND vote = 'down' GROUP BY question ORDER BY count(*) DESC, "
            "question LIMIT 1",
            {**scope, "key": key, "paragraph": paragraph},
        ).fetchone()
        found.append(PassageVotes(key, title, paragraph, down, up, question))
    return tuple(found)


def headline(report: Report) -> list[tuple[str, str]]:
    """The few figures every view of the report starts with, as (name, value) lines."""
    asked = report.questions
    lines = [
        ("Questions", f"{asked:,}" if report.questions_logged else "not logged"),
        ("Answered", _count_share(report, "answered")),
        ("Declined", _count_share(report, "declined")),
        ("Refused, timed out, failed", f"{_others(report):,}"),
        ("👍 / 👎", f"{report.votes['up']:,} / {report.votes['down']:,}"),
    ]
    return lines if report.questions_logged else [lines[0], lines[-1]]


def _count_share(report: Report, outcome: str) -> str:
    return f"{report.outcomes[outcome]:,} ({report.share(outcome):.0%})"


def _others(report: Report) -> int:
    return sum(report.outcomes[o] for o in report.outcomes if o not in ("answered", "declined"))
