"""``--guild ID``: the library commands act on one Discord server's own library, and without
it on the shared library, as a user runs them (the real model, real indexes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main

pytestmark = pytest.mark.slow

TRAMS = "How often do the trams run?"
FERRY = "When does the night ferry leave?"
HONEY = "Who sells heather honey?"
TRAM = ["The council approved a tram line to the harbour with fourteen stops."]


@pytest.fixture
def libraries(cli_env: Path, write_markdown, monkeypatch, capsys) -> Path:
    """Three libraries under the working folder's default ``data/``: the shared one (a tram
    every ten minutes), server 111's (a tram every six minutes, a night ferry) and server
    222's (honey). Returns the servers folder."""
    monkeypatch.delenv("CITEBOT_SERVERS_DIR", raising=False)
    for guild, articles in {
        None: [("tram.md", "Trams", [*TRAM, "Trams will run every ten minutes."])],
        "111": [
            ("tram.md", "Trams", [*TRAM, "Trams will run every six minutes at peak hours."]),
            ("ferry.md", "Ferry", ["The night ferry leaves the port at eleven every Friday."]),
        ],
        "222": [("honey.md", "Honey", ["Forty beekeepers sell heather honey to shops."])],
    }.items():
        folder = cli_env / "articles" / str(guild)
        for name, title, paragraphs in articles:
            write_markdown(folder, name, title, paragraphs)
        assert main(["index", "build", str(folder), *_guild(guild)]) == 0
    capsys.readouterr()
    return cli_env / "data" / "servers"


def _guild(guild: str | None) -> list[str]:
    return [] if guild is None else ["--guild", guild]


def _ask(question: str, guild: str | None, capsys) -> dict:
    assert main(["ask", "--json", question, *_guild(guild)]) == 0
    return json.loads(capsys.readouterr().out)


def _keys(guild: str | None, capsys) -> set[str]:
    assert main(["index", "list", *_guild(guild)]) == 0
    return set(re.findall(r"\b\w+\.md\b", capsys.readouterr().out))


@pytest.mark.usefixtures("libraries")
def test_ask_answers_from_the_servers_library_only(capsys):
    own = _ask(TRAMS, "111", capsys)
    assert own["answered"] and "six minutes" in own["passage"]["text"]

    shared = _ask(TRAMS, None, capsys)
    assert shared["answered"] and "ten minutes" in shared["passage"]["text"]

    other = _ask(TRAMS, "222", capsys)  # server 222 has no trams, whoever else has
    assert not other["answered"]
    assert other["article"]["title"] == "Honey"
    assert not _ask(FERRY, None, capsys)["answered"]


@pytest.mark.usefixtures("libraries")
def test_index_list_and_info_show_the_servers_library(capsys):
    assert _keys("222", capsys) == {"honey.md"}
    assert _keys("111", capsys) == {"tram.md", "ferry.md"}
    assert _keys(None, capsys) == {"tram.md"}

    assert main(["index", "info", "--guild", "111"]) == 0
    out = capsys.readouterr().out
    assert str(Path("data") / "servers" / "111") in out
    assert re.search(r"^ *articles +2 *$", out, re.MULTILINE)


@pytest.mark.usefixtures("libraries")
def test_index_remove_and_add_change_the_servers_library_alone(tmp_path, capsys):
    assert main(["index", "remove", "tram.md", "--guild", "111"]) == 0
    article = tmp_path / "more" / "honey.md"
    article.parent.mkdir()
    article.write_text("# Honey\n\nForty beekeepers sell heather honey to shops.\n")
    assert main(["index", "add", str(article), "--guild", "111"]) == 0
    capsys.readouterr()

    assert _keys("111", capsys) == {"ferry.md", "honey.md"}
    assert _ask(HONEY, "111", capsys)["answered"]
    assert _keys(None, capsys) == {"tram.md"}  # the shared library kept its tram
    assert _keys("222", capsys) == {"honey.md"}


def test_feeds_are_followed_by_the_server_that_added_them(libraries, capsys):
    feed = "https://example.org/harbour.xml"
    assert main(["feeds", "add", feed, "--guild", "222"]) == 0
    capsys.readouterr()

    assert main(["feeds", "list", "--guild", "222"]) == 0
    assert feed in capsys.readouterr().out
    assert main(["feeds", "list"]) == 0
    assert "No feeds" in capsys.readouterr().out
    assert (libraries / "222" / "feeds.sqlite3").is_file()


def test_a_server_without_a_library_is_one_line(cli_env, capsys):
    assert main(["ask", "anything", "--guild", "333"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Server 333 has no library at ") and err.count("\n") == 1, err
    assert str(Path("data") / "servers" / "333") in err
    assert "`citebot index build DIR --guild 333`" in err


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "", "٣"])
@pytest.mark.parametrize("command", [["ask", "anything"], ["index", "list"], ["feeds", "list"]])
def test_a_bad_guild_is_one_line_with_status_2(cli_env, capsys, command, value):
    assert main([*command, f"--guild={value}"]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"error: --guild={value!r} is not valid: it must be"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (cli_env / "data").exists()  # refused before anything was made
