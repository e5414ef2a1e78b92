"""``/library`` from Discord: owners add and remove articles, and every reply is one
ephemeral message that names what changed; everyone else is refused."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest
from bot_helpers import (
    ARTICLES,
    FakeInteraction,
    click,
    fake_member,
    invoke,
    sample,
    write_articles,
)
from local_site import Reply
from pages import TRAM, article_page, rss, story

from bot import render
from bot.views import ConfirmView
from index import EngineConfig, build
from index.fetch import FetchPolicy
from index.servers import server_ids

pytestmark = pytest.mark.slow

SKERRY = (
    "---\ntitle: The lighthouse keepers of Skerry\nauthor: Moira Flett\n---\n\n"
    "The last keeper left the Skerry light in 1998, when the lamp was automated.\n\n"
    "Supplies came by boat every second Thursday, weather permitting, from the harbour at "
    "Lerwick.\n"
)
FERRY = "---\ntitle: The Skerry ferry\n---\n\nA ferry to the island was proposed in 2004.\n"
SKERRY_QUESTION = "How often did supply boats reach the Skerry lighthouse?"
OWNER = 77
GUILD = FakeInteraction.guild_id  # the server every fake interaction comes from


def attachment(name: str, content: bytes) -> Any:
    """An uploaded file as discord.py hands it to a command (specced: unknown attributes fail)."""
    file = MagicMock(spec=discord.Attachment)
    file.filename = name
    file.size = len(content)

    async def read() -> bytes:
        return content

    file.read = read
    return file


@pytest.fixture
def own_index(tmp_path: Path, embedder: Any) -> EngineConfig:
    """An index of this test's own: these tests change it."""
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build([write_articles(tmp_path / "articles.jsonl", ARTICLES)], config, embedder=embedder)
    return config


@pytest.fixture
def server_library(own_index: EngineConfig, embedder: Any) -> EngineConfig:
    """``own_index`` with the same articles in the test server's own library as well."""
    server = own_index.for_server(GUILD)
    build([own_index.index_dir.parent / "articles.jsonl"], server, embedder=embedder)
    return own_index


def owner() -> Any:
    return fake_member(OWNER, manage_guild=True)


async def test_a_cancelled_first_add_leaves_the_server_on_the_shared_library(
    make_bot: Any, own_index: EngineConfig
) -> None:
    bot = await make_bot(engine=own_index)
    asked_first = await invoke(
        bot, "library add", FakeInteraction(bot, user=owner()), url="http://127.0.0.1:9/page"
    )
    confirm = asked_first.last.view
    assert isinstance(confirm, ConfirmView)
    cancelled = await click(confirm, confirm.cancel, FakeInteraction(bot, user=owner()))
    assert cancelled.last.content == render.NOTHING_ADDED
    assert cancelled.last.view is None
    assert not await bot.service.has_own_library(GUILD)
    answer = await invoke(bot, "ask", FakeInteraction(bot), question="Who is Armenia's ally?")
    assert answer.last.embed.title != "Not found in the library"


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("library add", {"file": attachment("a.md", SKERRY.encode())}),
        ("library remove", {"article": "articles.jsonl#1"}),
        ("library feeds", {"action": "add", "url": "http://127.0.0.1:9/feed"}),
    ],
)
async def test_library_commands_are_refused_to_non_owners(
    make_bot: Any, own_index: EngineConfig, command: str, params: dict[str, Any]
) -> None:
    bot = await make_bot(engine=own_index)
    before = (await bot.service.info(None)).articles
    member = fake_member(5, manage_guild=False)
    reply = (await invoke(bot, command, FakeInteraction(bot, user=member), **params)).last
    assert reply.ephemeral
    assert reply.content == "Only members with the Manage Server permission can do that."
    assert (await bot.service.info(None)).articles == before


async def test_an_owners_first_file_gives_the_server_its_own_library_then_is_removed(
    make_bot: Any, own_index: EngineConfig
) -> None:
    bot = await make_bot(engine=own_index)
    asked = await invoke(bot, "ask", FakeInteraction(bot), question=SKERRY_QUESTION)
    assert asked.last.embed.title == "Not found in the library"

    # The server is answered from the shared library: its first article would end that, so the
    # owner is asked first, and nothing changes until they go on.
    asked_first = await invoke(
        bot,
        "library add",
        FakeInteraction(bot, user=owner()),
        file=attachment("skerry.md", SKERRY.encode()),
    )
    assert asked_first.last.ephemeral
    assert asked_first.last.content == render.FIRST_ADD
    confirm = asked_first.last.view
    assert isinstance(confirm, ConfirmView)
    assert not await bot.service.has_own_library(GUILD)
    added = await click(confirm, confirm.go_on, FakeInteraction(bot, user=owner()))
    assert added.sent[0].view is None  # the buttons are gone: a second click cannot add again
    assert added.last.ephemeral
    assert added.last.content == (
        f"Added **The lighthouse keepers of Skerry** (2 passages)\n{render.OWN_LIBRARY}"
    )
    assert added.last.allowed_mentions == render.NO_MENTIONS

    answer = (await invoke(bot, "ask", FakeInteraction(bot), question=SKERRY_QUESTION)).last
    assert answer.embed.title == "The lighthouse keepers of Skerry"
    assert "every second Thursday" in answer.embed.description
    # The server's library is its own now: the shared one is untouched and no longer answers.
    assert [a.title for a in await bot.service.articles(None)] == sorted(
        (a["title"] for a in ARTICLES), key=str.casefold
    )
    russia = await invoke(bot, "ask", FakeInteraction(bot), question="Who is Armenia's ally?")
    assert russia.last.embed.title == "Not found in the library"

    # With a library of its own, the next article is added at once.
    ferry = await invoke(
        bot,
        "library add",
        FakeInteraction(bot, user=owner()),
        file=attachment("ferry.md", FERRY.encode()),
    )
    assert ferry.last.content == "Added **The Skerry ferry** (1 passage)"
    (article,) = [
        a for a in await bot.service.articles(GUILD) if a.title.startswith("The lighthouse")
    ]
    removed = await invoke(
        bot, "library remove", FakeInteraction(bot, user=owner()), article=article.key
    )
    assert removed.last.content == f"Removed `{article.key}`"
    again = (await invoke(bot, "ask", FakeInteraction(bot), question=SKERRY_QUESTION)).last
    assert again.embed.title == "Not found in the library"

    # The last article goes with the server's library: the shared one answers here again.
    (last,) = await bot.service.articles(GUILD)
    emptied = await invoke(
        bot, "library remove", FakeInteraction(bot, user=owner()), article=last.key
    )
    assert emptied.last.content == f"Removed `{last.key}`\n{render.LIBRARY_EMPTIED}"
    assert server_ids(own_index) == []
    ally = await invoke(bot, "ask", FakeInteraction(bot), question="Who is Armenia's ally?")
    assert ally.last.embed.title != "Not found in the library"


async def test_remove_offers_the_servers_own_matching_titles_to_owners_only(
    make_bot: Any, own_index: EngineConfig, embedder: Any
) -> None:
    bot = await make_bot(engine=own_index)
    cog = bot.get_cog("Librarian")
    command = bot.tree.get_command("library").get_command("remove")
    complete = command._params["article"].autocomplete
    # The shared library's articles are not this server's to remove.
    assert await complete(cog, FakeInteraction(bot, user=owner()), "sourd") == []
    build(
        [own_index.index_dir.parent / "articles.jsonl"],
        own_index.for_server(GUILD),
        embedder=embedder,
    )
    choices = await complete(cog, FakeInteraction(bot, user=owner()), "sourd")
    assert [(c.name, c.value) for c in choices] == [
        ("Baking sourdough · articles.jsonl#2", "articles.jsonl#2")
    ]
    assert await complete(cog, FakeInteraction(bot, user=fake_member(5)), "sourd") == []


@pytest.mark.parametrize(
    ("params", "reply"),
    [
        ({}, "Give either a url or a file to add, one of them."),
        (
            {"file": attachment("notes.pdf", b"%PDF-1.4")},
            "notes.pdf: citebot reads .htm, .html, .json, .jsonl, .markdown, .md, .text, "
            ".txt files",
        ),
        ({"file": attachment("huge.txt", b"x" * (3 * 2**20))}, "huge.txt is 3.0 MiB"),
        ({"url": "file:///etc/passwd"}, "Not added: file:///etc/passwd"),
    ],
)
async def test_a_bad_add_is_one_line_and_changes_nothing(
    make_bot: Any, server_library: EngineConfig, params: dict[str, Any], reply: str
) -> None:
    bot = await make_bot(engine=server_library)
    before = await bot.service.info(GUILD)
    sent = (await invoke(bot, "library add", FakeInteraction(bot, user=owner()), **params)).last
    assert sent.ephemeral
    assert sent.content.startswith(reply)
    assert "\n" not in sent.content
    assert (await bot.service.info(GUILD)).built_at == before.built_at


async def test_looking_at_a_library_a_server_does_not_have_creates_none(
    make_bot: Any, own_index: EngineConfig
) -> None:
    bot = await make_bot(engine=own_index)

    async def run(command: str, **params: Any) -> str:
        interaction = FakeInteraction(bot, user=owner())
        return (await invoke(bot, command, interaction, **params)).last.content

    assert (await run("library feeds")).startswith("No feeds yet")
    assert await run("library feeds", action="sync") == "Nothing new to add."
    removed = await run("library remove", article="articles.jsonl#1")
    assert removed == "This server has no library of its own: nothing to remove."
    assert server_ids(own_index) == []  # no folder: not a server with an empty library

    # A feed's first sync would give the server its own library: the owner is asked first.
    feed = "https://news.example.org/feed.xml"  # following fetches nothing
    interaction = FakeInteraction(bot, user=owner())
    asked = (await invoke(bot, "library feeds", interaction, action="add", url=feed)).last
    assert asked.content == render.FIRST_ADD
    assert server_ids(own_index) == []
    followed = await click(asked.view, asked.view.go_on, FakeInteraction(bot, user=owner()))
    assert followed.sent[0].content == render.ADDING  # what the question says meanwhile
    assert followed.last.content == f"Following {feed}."
    assert server_ids(own_index) == [GUILD]  # a feed to follow is something to keep


async def test_a_library_that_follows_feeds_keeps_its_last_article(
    make_bot: Any, server_library: EngineConfig
) -> None:
    bot = await make_bot(engine=server_library)
    await bot.librarian.follow(GUILD, "https://news.example.org/feed.xml", "test")
    *others, last = await bot.service.articles(GUILD)
    for article in others:
        await invoke(bot, "library remove", FakeInteraction(bot, user=owner()), article=article.key)
    refused = await invoke(
        bot, "library remove", FakeInteraction(bot, user=owner()), article=last.key
    )
    assert refused.last.content.startswith("That is this server's last article")
    assert [a.key for a in await bot.service.articles(GUILD)] == [last.key]


async def test_a_read_only_host_refuses_changes_in_one_line_and_still_answers(
    make_bot: Any, own_index: EngineConfig
) -> None:
    bot = await make_bot(engine=replace(own_index, read_only=True))
    owner_asks = FakeInteraction(bot, user=owner())
    added = await invoke(bot, "library add", owner_asks, file=attachment("a.md", SKERRY.encode()))
    # (Shown escaped: the underscores would otherwise format the message.)
    assert added.last.content.startswith(r"This host only reads the library (CITEBOT\_READ\_ONLY)")
    assert added.last.view is None  # refused before the first-add question
    followed = await invoke(
        bot,
        "library feeds",
        FakeInteraction(bot, user=owner()),
        action="add",
        url="https://x.org/f",
    )
    assert followed.last.content == added.last.content
    listed = await invoke(bot, "library feeds", FakeInteraction(bot, user=owner()))
    assert listed.last.content.startswith("No feeds yet")
    assert server_ids(own_index) == []
    answer = await invoke(bot, "ask", FakeInteraction(bot), question="Who is Armenia's ally?")
    assert answer.last.embed.title != "Not found in the library"


@pytest.mark.parametrize("name", ["notes.pdf", "huge.txt"])
async def test_a_file_no_reader_takes_is_refused_before_the_owner_is_asked(
    make_bot: Any, own_index: EngineConfig, name: str
) -> None:
    bot = await make_bot(engine=own_index)
    content = b"x" * (3 * 2**20) if name == "huge.txt" else b"%PDF-1.4"
    file = attachment(name, content)
    sent = (await invoke(bot, "library add", FakeInteraction(bot, user=owner()), file=file)).last
    assert sent.content.startswith(name)
    assert sent.view is None
    assert not await bot.service.has_own_library(GUILD)


async def test_questions_are_answered_while_an_article_is_added(
    make_bot: Any, server_library: EngineConfig
) -> None:
    bot = await make_bot(engine=server_library)
    adding = asyncio.create_task(
        invoke(
            bot,
            "library add",
            FakeInteraction(bot, user=owner()),
            file=attachment("skerry.md", SKERRY.encode()),
        )
    )
    question = "Who does Russia have a defense pact with?"
    answers = await asyncio.gather(
        *(
            invoke(bot, "ask", FakeInteraction(bot, user=fake_member(i)), question=question)
            for i in range(10)
        )
    )
    assert all("Armenia" in a.last.embed.description for a in answers)
    assert (await adding).last.content.startswith("Added **The lighthouse keepers of Skerry**")


async def test_an_owner_adds_a_page_by_url_and_it_answers_with_its_link(
    make_bot: Any, server_library: EngineConfig, site: Any
) -> None:
    url = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    bot = await make_bot(engine=replace(server_library, fetch=FetchPolicy(allow_private=True)))
    added = await invoke(bot, "library add", FakeInteraction(bot, user=owner()), url=url)
    assert added.last.ephemeral
    assert added.last.content == "Added **A tram for the harbour** (3 passages)"

    question = "How often will trams run at peak hours?"
    answer = (await invoke(bot, "ask", FakeInteraction(bot), question=question)).last
    assert answer.embed.title == "A tram for the harbour"
    assert answer.embed.url == url
    assert "every six minutes" in answer.embed.description


async def test_a_private_page_is_refused_by_default(
    make_bot: Any, server_library: EngineConfig, site: Any
) -> None:
    url = site.page("/news/tram", article_page("A tram for the harbour", TRAM))
    bot = await make_bot(engine=server_library)
    sent = (await invoke(bot, "library add", FakeInteraction(bot, user=owner()), url=url)).last
    assert sent.content.startswith("Not added: ")
    assert "private" in sent.content or "loopback" in sent.content
    assert site.hits("/news/tram") == []


async def test_owners_follow_a_feed_sync_it_and_stop(
    make_bot: Any, server_library: EngineConfig, site: Any
) -> None:
    for number in (1, 2):
        site.page(f"/story/{number}", article_page(f"Story {number}", story(number)))
    items = [("Story 1", "/story/1"), ("Story 2", "/story/2")]
    feed = site.serve("/feed.xml", Reply(200, rss(site.base, items), "application/rss+xml"))
    bot = await make_bot(engine=replace(server_library, fetch=FetchPolicy(allow_private=True)))

    async def feeds(**params: Any) -> str:
        interaction = FakeInteraction(bot, user=owner())
        reply = (await invoke(bot, "library feeds", interaction, **params)).last
        assert reply.ephemeral
        return reply.content

    assert await feeds() == "No feeds yet: add one with `/library feeds action:add url:…`."
    assert await feeds(action="add", url=feed) == f"Following {feed}."
    synced = await feeds(action="sync")
    assert synced.splitlines() == [
        "Added **Story 1** (2 passages)",
        "Added **Story 2** (2 passages)",
    ]
    assert await feeds(action="sync") == "Nothing new to add."
    listed = await feeds()
    assert listed.startswith(f"Following 1 feed:\n• {feed} · last sync ")
    assert await feeds(action="remove", url=feed) == f"No longer following {feed}."
    assert await feeds(action="add") == "Give the feed's url to add it."


async def test_the_bot_syncs_its_feeds_by_itself(
    make_bot: Any, own_index: EngineConfig, site: Any
) -> None:
    site.page("/story/7", article_page("Story 7", story(7)))
    feed = site.serve(
        "/feed.xml", Reply(200, rss(site.base, [("Story 7", "/story/7")]), "application/rss+xml")
    )
    bot = await make_bot(
        engine=replace(own_index, fetch=FetchPolicy(allow_private=True)), feed_interval=0.005
    )
    await bot.librarian.follow(None, feed, "test")
    question = "What does the second paragraph of story 7 add?"
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        answer = (await invoke(bot, "ask", FakeInteraction(bot), question=question)).last
        if answer.embed.title == "Story 7":
            break
        await asyncio.sleep(0.2)
    assert answer.embed.title == "Story 7"
    assert answer.embed.url == site.url("/story/7")


async def test_feed_syncs_are_counted_with_what_they_added_and_skipped(
    make_bot: Any, own_index: EngineConfig, site: Any
) -> None:
    site.page("/story/1", article_page("Story 1", story(1)))
    site.serve("/story/2", Reply(404, b"gone", "text/html"))
    items = [("Story 1", "/story/1"), ("Story 2", "/story/2")]
    feed = site.serve("/feed.xml", Reply(200, rss(site.base, items), "application/rss+xml"))
    bot = await make_bot(engine=replace(own_index, fetch=FetchPolicy(allow_private=True)))
    await bot.librarian.follow(None, feed, "test")
    change = await bot.librarian.sync(None)
    assert (len(change.articles), len(change.failed)) == (1, 1)
    page = bot.metrics.exposition().decode()
    assert sample(page, "citebot_feed_syncs_total", result="ok") == 1
    assert sample(page, "citebot_feed_items_total", result="added") == 1
    assert sample(page, "citebot_feed_items_total", result="skipped") == 1
