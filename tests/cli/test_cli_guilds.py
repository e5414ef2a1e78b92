"""``citebot guilds list`` and ``delete``, and ``citebot report --guild``: what the host sees
of the servers' libraries, settings and questions, and deleting one server's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from records import one_sentence_hit

from cli.main import main
from guilds import GuildStore, ServerSettings
from index import EngineConfig
from insights import Asked, Feedback, FeedbackStore

pytestmark = pytest.mark.slow  # builds a server's library with the real model

LIBRARY, SETTINGS, LEFT = 111, 222, 333
DEFAULTS = ServerSettings(frozenset(), 0.25, 10.0, 20, True, None)


def table_rows(out: str) -> list[list[str]]:
    """The cells of each row of a rich table."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in out.splitlines()
        if line.startswith("│")
    ]


@pytest.fixture
def host(cli_env: Path, tram_articles: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A host keeping three servers: one with a library, one with settings, one left; and
    questions asked in two of them. Returns the shared index's folder."""
    index_dir = cli_env / "data" / "index"
    monkeypatch.setenv("CITEBOT_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("CITEBOT_FEEDBACK_DB", str(cli_env / "data" / "feedback.sqlite3"))
    config = EngineConfig(index_dir=index_dir)
    library = config.for_server(LIBRARY).index_dir
    assert main(["index", "build", str(tram_articles), "--index-dir", str(library)]) == 0
    with GuildStore.open(config) as store:
        store.set(SETTINGS, "threshold", "0.5", DEFAULTS)
        store.set(SETTINGS, "mentions", "off", DEFAULTS)
        store.left(LEFT, datetime(2026, 11, 2, tzinfo=UTC))
    feedback = FeedbackStore(cli_env / "data" / "feedback.sqlite3")
    for guild_id in (LIBRARY, SETTINGS):
        feedback.log_question(
            Asked("q?", "slash", "answered", 1, 0.1, one_sentence_hit(), guild_id=guild_id)
        )
        feedback.record(Feedback("q?", one_sentence_hit(), "down", 2, guild_id=guild_id))
    feedback.close()
    return index_dir


def test_list_shows_each_servers_library_settings_and_departure(
    host: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["guilds", "list"]) == 0

    out = capsys.readouterr().out
    rows = {cells[0]: cells[1:] for cells in table_rows(out)}
    assert "3 servers" in out
    assert rows[str(LIBRARY)] == ["1 article, 2 passages", "none: the defaults", ""]
    assert rows[str(SETTINGS)] == ["none", "mentions, threshold", ""]
    assert rows[str(LEFT)] == ["none", "none: the defaults", "2026-11-02"]


def test_delete_takes_a_servers_library_and_questions_and_nothing_else(
    host: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["guilds", "delete", str(LIBRARY)]) == 0

    assert capsys.readouterr().out == (
        f"Deleted server {LIBRARY}: its library, 1 logged question, 1 vote.\n"
    )
    assert not (host.parent / "servers" / str(LIBRARY)).exists()
    assert main(["report", "--guild", str(LIBRARY), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 0
    assert main(["report", "--guild", str(SETTINGS), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 1 and report["votes"] == {"up": 0, "down": 1}
    assert main(["guilds", "list"]) == 0
    assert str(LIBRARY) not in capsys.readouterr().out


def test_a_servers_report_shows_the_threshold_its_answers_needed(
    host: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["report", "--guild", str(SETTINGS), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == 0.5  # its own, from /settings
    assert main(["report", "--guild", str(LIBRARY), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == EngineConfig().retrieval.threshold


def test_deleting_a_server_kept_nowhere_is_one_line(
    host: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["guilds", "delete", "444"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "error: Nothing of server 444 is kept here: `citebot guilds list` shows the servers.\n"
    )
    assert main(["guilds", "delete", "0"]) == 2
    assert "A server id is a positive number" in capsys.readouterr().err
