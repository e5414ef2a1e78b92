"""The command line with ``CITEBOT_STORE=qdrant`` (qdrant-client's embedded local mode): the
same commands, the library in a collection; and one line when the extra is not installed."""

from __future__ import annotations

import json
import sys

import pytest

from cli.main import main

pytestmark = pytest.mark.slow


def test_the_command_line_builds_asks_adds_and_removes_in_qdrant(
    cli_env, tram_articles, monkeypatch, capsys, write_markdown
):
    monkeypatch.setenv("CITEBOT_STORE", "qdrant")
    monkeypatch.setenv("CITEBOT_QDRANT_PATH", str(cli_env / "qdrant"))
    assert main(["index", "build", str(tram_articles)]) == 0
    assert "Indexed 1 article, 2 passages" in capsys.readouterr().out

    assert main(["ask", "--json", "How often do the trams run?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["passage"]["sentence"] == "Trams will run every six minutes at peak hours."
    assert answer["article"]["author"] == "Ana Ruiz"

    ferry = write_markdown(cli_env / "more", "ferry.md", "Ferry", ["The ferry leaves hourly."])
    assert main(["index", "add", str(ferry)]) == 0
    assert main(["index", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ferry.md" in listed and "tram.md" in listed
    assert main(["ask", "--json", "When does the ferry leave?"]) == 0
    assert json.loads(capsys.readouterr().out)["article"]["title"] == "Ferry"

    assert main(["index", "remove", "ferry.md"]) == 0
    assert main(["index", "info"]) == 0
    info = capsys.readouterr().out
    assert "collection citebot-shared-" in info and "qdrant" in info
    assert main(["health"]) == 0
    assert "ok: 1 articles, 2 passages" in capsys.readouterr().out
    assert main(["index", "merge"]) == 0  # nothing to do: Qdrant merges its own segments
    assert not (cli_env / "data" / "index" / "versions").exists()  # nothing of FAISS's


def test_without_the_extra_the_qdrant_store_says_how_to_install_it(
    cli_env, tram_articles, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "qdrant_client", None)  # as if it were not installed
    assert main(["index", "build", str(tram_articles)]) == 0  # the default needs none of it
    capsys.readouterr()

    monkeypatch.setenv("CITEBOT_STORE", "qdrant")
    monkeypatch.setenv("CITEBOT_QDRANT_PATH", str(cli_env / "qdrant"))
    assert main(["ask", "How often do the trams run?"]) == 2

    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "pip install 'citebot[qdrant]'" in error
