"""The report's figures, charts and HTML from a store written directly (no model: declined
questions are grouped in tests/bot/test_bot_report.py, with the real one)."""

from __future__ import annotations

import sqlite3
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index import Article, CitebotError, Hit, Passage, Span
from insights import Asked, Feedback, FeedbackStore, StoreConfig, build_report, charts, headline
from insights.html import render_html

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
HOSTILE = "$\\frac{1}{0}$ <script>alert(1)</script> 💥 " + "very long title " * 10


def hit(title: str, key: str = "a.md", paragraph: int = 2, score: float = 0.9) -> Hit:
    text = "The answer is here. Another sentence."
    passage = Passage(7, 1, paragraph, text, 0, len(text), (Span(0, 19), Span(20, 37)))
    article = Article(
        1, key, key, title, None, None, None, None, "h", paragraph_count=3, passage_count=3
    )
    return Hit(passage, article, score, Span(0, 19))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path)
    days = [NOW - timedelta(days=d) for d in (0, 0, 2, 40)]  # the last one is out of range
    for when, outcome, score in zip(
        days, ("answered", "declined", "answered", "answered"), (0.9, 0.05, 0.71, 0.9), strict=True
    ):
        found = hit(HOSTILE, score=score) if outcome != "refused" else None
        store.log_question(Asked("q?", "slash", outcome, 1, 0.1, found, "v1", asked_at=when))
    store.log_question(Asked("<b>too</b>", "dm", "refused", 2, 0.0, asked_at=NOW))
    for vote in ("down", "down", "up"):
        store.record(Feedback("<i>why?</i>", hit(HOSTILE), vote, 3))
    store.record(Feedback("ok?", hit("Plain", "b.md", 4), "up", 4))
    store.close()
    return path


def test_figures_of_the_period(store_path: Path) -> None:
    report = build_report(store_path, 30, now=NOW, threshold=0.25)
    assert report.questions == 4
    assert report.outcomes == {
        "answered": 2, "declined": 1, "refused": 1, "timeout": 0, "error": 0
    }  # fmt: skip
    assert len(report.days) == 31  # every day of the period, quiet ones too
    assert report.days[0].day == "2026-10-27" and report.days[0].total == 0
    assert [(d.day, d.total) for d in report.days[-3:]] == [
        ("2026-11-24", 1), ("2026-11-25", 0), ("2026-11-26", 3)
    ]  # fmt: skip
    assert report.confidence["answered"][7] == report.confidence["answered"][9] == 1
    assert report.confidence["declined"][0] == 1
    assert report.votes == {"up": 2, "down": 2}
    assert [(a.key, a.up, a.down) for a in report.articles] == [("a.md", 1, 2), ("b.md", 1, 0)]
    (worst,) = report.passages
    assert (worst.key, worst.paragraph, worst.down, worst.question) == ("a.md", 2, 2, "<i>why?</i>")
    assert report.topics == ()  # no model given: not grouped, and said so
    assert report.notes == ("Declined questions were not grouped (no model loaded).",)
    assert dict(headline(report))["Answered"] == "2 (50%)"


def test_without_the_question_log_the_votes_still_report(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path)
    store.record(Feedback("q?", hit("Plain"), "up", 4))
    store.close()
    report = build_report(path, 30)
    assert not report.questions_logged and report.days == ()
    assert report.notes[0].startswith("No questions logged in this period")
    assert headline(report) == [("Questions", "not logged"), ("👍 / 👎", "1 / 0")]
    assert charts.stats_chart(report).startswith(b"\x89PNG")  # the votes, then


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_charts_draw_hostile_titles_literally(store_path: Path) -> None:
    report = build_report(store_path, 30, now=NOW, threshold=0.25)
    for draw in (charts.daily, charts.confidence, charts.votes):
        width, height = png_size(charts.png(draw, report))
        assert width == 800 and 200 <= height < 1000
    assert charts.literal(HOSTILE).startswith(r"\$\frac{1}{0}\$ <script>")
    assert len(charts.literal(HOSTILE)) < 50


def test_the_html_escapes_every_question_and_title(store_path: Path) -> None:
    html = render_html(build_report(store_path, 30, now=NOW, threshold=0.25))
    assert "<script>" not in html and "<i>why?</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;why?&lt;/i&gt;" in html
    assert html.count("<img ") == 3


def test_a_database_of_an_older_bot_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:  # what the bot wrote before the question log
        db.execute("CREATE TABLE feedback (question TEXT, user_id INTEGER)")
    with pytest.raises(CitebotError, match="made by an older citebot: start the bot once"):
        build_report(path, 30)


@pytest.mark.parametrize("days", ["0", "1000000"])
def test_a_retention_out_of_range_is_one_line_naming_it(days: str) -> None:
    with pytest.raises(CitebotError, match="CITEBOT_RETENTION_DAYS") as refused:
        StoreConfig.from_env({"CITEBOT_RETENTION_DAYS": days})
    assert "\n" not in str(refused.value)
