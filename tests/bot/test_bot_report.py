"""``citebot report`` on a feedback database made by driving the bot: questions asked through
``/ask``, votes through the answer's buttons, then the report as JSON, tables and HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bot_helpers import FakeInteraction, click, fake_member, invoke

import cli.main

pytestmark = pytest.mark.slow  # the real model, for the answers and for the topics

IN_LIBRARY = [
    "Who does Russia have a defense pact with?",
    "Who sells Armenia most of its weapons?",
    "How often must a sourdough starter be fed?",
]
# What the library lacks: three subjects, asked in several words, one question asked twice.
VOLCANOES = [
    "When did Mount Vesuvius last erupt?",
    "How hot is the lava from a volcano?",
    "Which volcano destroyed Pompeii?",
    "Is Mount Etna still an active volcano?",
    "When did Mount Vesuvius last erupt?",
]
CHESS = [
    "How many squares are on a chess board?",
    "Who was the youngest world chess champion?",
    "What is castling in chess?",
]
JUPITER = ["How many moons does Jupiter have?", "How long would a flight to Jupiter take?"]


@pytest.fixture
async def driven(make_bot: Any, tmp_path: Path) -> Path:
    """A feedback database written by a bot that users asked and voted through."""
    bot = await make_bot(log_questions=True)
    users = iter(fake_member(8000 + i) for i in range(100))
    answers = []
    for question in IN_LIBRARY + VOLCANOES + CHESS + JUPITER:
        reply = (
            await invoke(bot, "ask", FakeInteraction(bot, user=next(users)), question=question)
        ).last
        answers.append(reply)
    pact, weapons, sourdough = answers[:3]
    assert all(reply.view is not None for reply in (pact, weapons, sourdough))
    assert all(reply.embed.title == "Not found in the library" for reply in answers[3:])
    for reply, up, down in ((pact, 2, 1), (weapons, 0, 3), (sourdough, 1, 0)):
        view = reply.view
        for _ in range(up):
            await click(view, view.vote_up, FakeInteraction(bot, user=next(users)))
        for _ in range(down):
            await click(view, view.vote_down, FakeInteraction(bot, user=next(users)))
    await bot.close()
    return tmp_path / "feedback.sqlite3"


def run_report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main.main(["report", *args])
    return code, capsys.readouterr().out


async def test_the_report_counts_what_users_asked_and_voted(
    driven: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_report(capsys, "--db", str(driven), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["questions"] == 13
    assert report["outcomes"]["answered"] == 3
    assert report["outcomes"]["declined"] == 10
    *before, today = report["days"]
    assert len(before) == 30 and not any(day["answered"] + day["declined"] for day in before)
    assert (today["answered"], today["declined"]) == (3, 10)
    assert sum(report["confidence"]["answered"]) == 3
    assert sum(report["confidence"]["declined"]) == 10
    # Answered questions sit above the threshold, declined ones below.
    bin_of_threshold = int(report["threshold"] * 10)
    assert sum(report["confidence"]["answered"][:bin_of_threshold]) == 0
    assert sum(report["confidence"]["declined"][bin_of_threshold + 1 :]) == 0
    assert report["votes"] == {"up": 3, "down": 4}
    articles = {a["title"]: (a["up"], a["down"]) for a in report["articles"]}
    assert articles == {
        "Why Russia stays out of the Karabakh war": (2, 1),
        "Armenia's allies": (0, 3),
        "Baking sourdough": (1, 0),
    }
    worst = report["passages"][0]
    assert (worst["title"], worst["down"], worst["question"]) == (
        "Armenia's allies",
        3,
        "Who sells Armenia most of its weapons?",
    )
    # The declined questions, grouped by subject: the largest first, each named by a question
    # of its own group and by its words.
    groups = [(t["questions"], t["label"], t["words"]) for t in report["topics"]]
    assert [size for size, _, _ in groups] == [5, 3, 2]
    (volcano, chess, jupiter) = groups
    assert volcano[1] in VOLCANOES and "volcano" in volcano[2]
    assert chess[1] in CHESS and "chess" in chess[2]
    assert jupiter[1] in JUPITER and "jupiter" in jupiter[2]
    assert report["declined_grouped"] == 10


async def test_the_terminal_report_reads_without_the_html(
    driven: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_report(capsys, "--db", str(driven), "--since", "7")
    assert code == 0
    assert "citebot report · the last 7 days" in out
    assert re.search(r"Questions\s+13", out)
    assert re.search(r"Answered\s+3 \(23%\)", out)
    assert "Declined questions by topic (10): articles to add" in out
    assert "Passages most often voted down" in out
    assert "Who sells Armenia most of its weapons?" in out


async def test_the_html_report_is_one_file_with_its_charts(
    driven: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = cli_env / "report.html"
    code, out = run_report(capsys, "--db", str(driven), "--html", str(page))
    assert code == 0
    assert f"Wrote the report with its charts to {page}" in out
    html = page.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert [alt for alt, _ in images] == [
        "questions per day",
        "confidence of the best passage",
        "votes per article",
    ]
    assert all(len(data) > 5000 for _, data in images)  # drawn, not empty
    # Self-contained: nothing is fetched, nothing runs.
    assert "<script" not in html
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "Is Mount Etna still an active volcano?" in html
    assert "Armenia&#x27;s allies" in html  # escaped


def test_a_missing_database_is_one_line(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main.main(["report", "--db", str(cli_env / "none.sqlite3")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: No feedback database at ")
    assert err.count("\n") == 1
    assert not (cli_env / "none.sqlite3").exists()  # a report never creates the database


async def test_stats_shows_owners_the_headline_figures_and_a_chart(
    driven: Path, make_bot: Any, tmp_path: Path
) -> None:
    bot = await make_bot(log_questions=True)  # the same feedback database as `driven`
    refused = (await invoke(bot, "stats", FakeInteraction(bot))).last
    assert refused.ephemeral and refused.content.startswith("Only members with ")
    assert refused.file is None

    owner = fake_member(1, manage_guild=True)
    reply = (await invoke(bot, "stats", FakeInteraction(bot, user=owner), days=7)).last
    assert reply.ephemeral
    embed = reply.embed
    assert embed.title == "citebot · the last 7 days"
    figures = {field.name: field.value for field in embed.fields}
    assert figures["Questions"] == "13"
    assert figures["Answered"] == "3 (23%)"
    assert figures["Declined"] == "10 (77%)"
    assert figures["👍 / 👎"] == "3 / 4"
    assert figures["Passages voted down most"].splitlines()[0] == (
        "👎 3 · 👍 0 · Armenia's allies, paragraph 2"
    )
    assert embed.image.url == "attachment://stats.png"
    assert reply.file.filename == "stats.png"
    chart = reply.file.fp.read()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "stats.png").write_bytes(chart)  # for a person to look at (see the report)
