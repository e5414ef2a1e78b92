"""A host that only reads the libraries (``CITEBOT_READ_ONLY``, every Qdrant host but the
writer): it answers, and every change is refused in one line before anything is fetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_site import Reply, Site
from pages import TRAM, article_page, rss

from cli.main import main
from index import EngineConfig
from index.servers import has_library

pytestmark = pytest.mark.slow

SERVER = 5


def test_a_read_only_host_answers_but_changes_and_fetches_nothing(
    cli_env: Path, write_markdown, site: Site, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CITEBOT_FETCH_PRIVATE", "on")
    articles = cli_env / "articles"
    write_markdown(
        articles, "bread.md", "Baking sourdough", ["A sourdough starter is flour and water."]
    )
    assert main(["index", "build", str(articles)]) == 0
    assert main(["index", "build", str(articles), "--guild", str(SERVER)]) == 0
    feed = site.serve(
        "/feed.xml", Reply(200, rss(site.base, [("Tram", "/news/tram")]), "application/rss+xml")
    )
    assert main(["feeds", "add", feed]) == 0
    page = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    capsys.readouterr()
    assert main(["index", "list"]) == 0
    before = capsys.readouterr().out

    monkeypatch.setenv("CITEBOT_READ_ONLY", "true")
    refused = [
        ["index", "add", page],
        ["index", "build", str(articles)],
        ["index", "remove", "bread.md"],
        ["index", "merge"],
        ["index", "build", str(articles), "--guild", str(SERVER)],
        ["feeds", "add", page],
        ["feeds", "remove", feed],
        ["feeds", "sync"],
        ["guilds", "delete", str(SERVER)],  # its library is the writing host's to delete
    ]
    for argv in refused:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "CITEBOT_READ_ONLY" in err and err.count("\n") == 1, (argv, err)

    assert site.hits("/news/tram") == [] and site.hits("/feed.xml") == []
    assert main(["index", "list"]) == 0
    assert capsys.readouterr().out == before
    assert main(["ask", "--json", "What is a sourdough starter made of?"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"]
    assert has_library(EngineConfig().for_server(SERVER))  # the default folder, under the cwd
