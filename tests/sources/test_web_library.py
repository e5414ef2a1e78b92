"""Pages and feeds served on 127.0.0.1 become answerable from the command line, with their
URLs in the attribution; a private address is refused unless allowed; what came from the web
survives a rebuild of the folders without the network, and goes for good when removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_site import Reply, Site, stop
from pages import TRAM, Newsroom, article_page, rss, story

from cli.main import main
from index import layout

pytestmark = pytest.mark.slow

TRAM_QUESTION = "How often will trams run at peak hours?"


@pytest.fixture
def library(cli_env: Path, write_markdown, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index of one local article, and fetching from this machine allowed (the test site)."""
    monkeypatch.setenv("CITEBOT_FETCH_PRIVATE", "on")
    write_markdown(
        cli_env / "articles",
        "bread.md",
        "Baking sourdough",
        ["A sourdough starter is flour and water that wild yeast ferments; feed it daily."],
    )
    assert main(["index", "build", str(cli_env / "articles")]) == 0
    return cli_env / "articles"


def ask(question: str, capsys) -> dict:
    capsys.readouterr()
    assert main(["ask", "--json", question]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_page_is_added_answers_with_its_url_survives_a_rebuild_and_is_removed(
    library: Path, site: Site, capsys
) -> None:
    url = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    assert main(["index", "add", url]) == 0
    assert "1 new or changed" in capsys.readouterr().out

    answer = ask(TRAM_QUESTION, capsys)
    assert answer["answered"]
    assert "every six minutes" in answer["passage"]["sentence"]
    assert answer["article"]["url"] == url
    assert answer["article"]["title"] == "A tram for the harbour"
    assert answer["article"]["author"] == "Ana Ruiz"

    stop(site)  # no network from here on: a rebuild reads the kept copy
    assert main(["index", "build", str(library)]) == 0
    assert ask(TRAM_QUESTION, capsys)["article"]["url"] == url

    capsys.readouterr()
    assert main(["index", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"url {url} · added by cli:" in listing

    assert main(["index", "remove", url]) == 0
    assert main(["index", "build", str(library)]) == 0
    assert not ask(TRAM_QUESTION, capsys)["answered"]


def test_a_private_address_is_refused_by_default_in_one_line(
    library: Path, site: Site, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_FETCH_PRIVATE", "off")
    url = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    capsys.readouterr()
    assert main(["index", "add", url]) == 1
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "CITEBOT_FETCH_PRIVATE" in out
    assert "Traceback" not in out
    assert site.hits("/news/tram") == []


def test_urls_from_a_file_and_one_that_fails_among_them(
    library: Path, site: Site, capsys, tmp_path: Path
) -> None:
    good = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    missing = site.url("/news/gone")
    links = tmp_path / "links.txt"
    links.write_text(f"# this week\n{good}\n\n{missing}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["index", "add", "--from", str(links)]) == 0
    out = capsys.readouterr().out
    assert "1 new or changed" in out
    assert "news/gone" in out and "404" in out


def test_a_feed_brings_its_new_items_once(library: Path, site: Site, capsys) -> None:
    items = [("Story 1", "/story/1"), ("Story 2", "/story/2")]
    for number in (1, 2, 3):
        site.page(f"/story/{number}", article_page(f"Story {number}", story(number)))
    feed = site.serve(
        "/feed.xml", lambda _: Reply(200, rss(site.base, items), "application/rss+xml")
    )

    assert main(["feeds", "add", feed]) == 0
    assert main(["feeds", "sync"]) == 0
    out = capsys.readouterr().out
    assert "2 new or changed" in out

    assert main(["feeds", "sync"]) == 0  # nothing new: no page fetched again
    assert "Nothing new" in capsys.readouterr().out
    assert len(site.hits("/story/1")) == 1

    items.append(("Story 3", "/story/3"))
    assert main(["feeds", "sync"]) == 0
    assert "1 new or changed" in capsys.readouterr().out
    assert ask("What does the second paragraph of story 3 add?", capsys)["article"]["url"] == (
        site.url("/story/3")
    )

    assert main(["feeds", "list"]) == 0
    assert feed in capsys.readouterr().out
    assert main(["feeds", "remove", feed]) == 0
    assert main(["feeds", "list"]) == 0
    assert "No feeds" in capsys.readouterr().out


def test_a_feed_whose_add_failed_is_fetched_again_despite_its_etag(
    library: Path, site: Site, capsys, tmp_path: Path
) -> None:
    """The index was busy when a sync had fetched the items: nothing was added, no copy was
    left, and the next sync fetches them again although the feed would answer 304."""
    newsroom = Newsroom(site)
    newsroom.publish(1)
    feed = site.url("/feed")
    assert main(["feeds", "add", feed]) == 0
    index_dir = Path("data/index")  # the default, in cli_env's working folder
    with layout.writing(index_dir):  # another process is writing the index
        capsys.readouterr()
        assert main(["feeds", "sync"]) == 2
        assert "Another citebot process is writing the index" in capsys.readouterr().err
    assert not any((index_dir / "sources").glob("*.json"))

    assert main(["feeds", "sync"]) == 0
    assert "1 new or changed" in capsys.readouterr().out
    assert ask("What does the second paragraph of story 1 add?", capsys)["answered"]


def test_one_page_under_two_spellings_is_one_article(library: Path, site: Site, capsys) -> None:
    url = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    assert main(["index", "add", url]) == 0
    shouted = url.replace("http://", "HTTP://") + "#timetable"
    assert main(["index", "add", shouted]) == 0
    capsys.readouterr()
    assert main(["index", "list"]) == 0
    assert capsys.readouterr().out.count("A tram for the harbour") == 1
