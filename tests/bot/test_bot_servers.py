"""One bot, several servers: each is answered from its own library, and nothing crosses over.

Two servers with libraries of their own (a choir and a railway), one without (it falls back to
the shared library, or is told it has none), and direct messages (the shared library). Every
path a user has to the articles is tried from the wrong server: the answer, "Other sources",
"Show context", buttons clicked from elsewhere, /sources, /about, the owners' /library commands
and their autocomplete, feeds, and dpytest's mentions in two fake servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from bot_helpers import (
    ARTICLES,
    FakeInteraction,
    click,
    configure_dpytest,
    fake_member,
    http_get,
    invoke,
    write_articles,
)
from local_site import Reply
from pages import article_page, rss, story

from bot import render
from bot.views import AnswerView
from index import Embedder, EngineConfig, build
from index.fetch import FetchPolicy

pytestmark = pytest.mark.slow

CHOIR, RAILWAY, NEWCOMER = 111, 222, 333  # server ids; the newcomer has no library

CHOIR_ARTICLES = [
    {
        "title": "The harbour choir",
        "author": "Iona Reid",
        "paragraphs": [
            "The harbour choir rehearses every Tuesday evening in the old net loft by the pier.",
            "Its conductor, Marta Quill, founded the choir in 1987 with eleven fishermen.",
            "The choir sings sea shanties and sacred music, and tours Norway every second summer.",
        ],
    },
    {
        "title": "Choir funding",
        "author": "Iona Reid",
        "paragraphs": [
            "The choir is funded by a lottery grant and by selling recordings at the pier.",
        ],
    },
]
RAILWAY_ARTICLES = [
    {
        "title": "The mountain railway",
        "author": "Tom Ashby",
        "paragraphs": [
            "The mountain railway climbs 1,100 metres from the valley to the summit station.",
            "Its rack-and-pinion line opened in 1896 and the steam engines still run in summer.",
            "A return ticket to the summit costs forty francs; children travel at half price.",
        ],
    },
    {
        "title": "Railway timetable",
        "author": "Tom Ashby",
        "paragraphs": [
            "Trains leave the valley station every forty minutes from eight in the morning.",
        ],
    },
]
CHOIR_QUESTION = "When does the harbour choir rehearse?"
RAILWAY_QUESTION = "How much is a return ticket on the mountain railway?"
SHARED_QUESTION = "Who does Russia have a defense pact with?"


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> EngineConfig:
    """The shared library (the bot tests' articles) and the choir's and the railway's own."""
    root = tmp_path_factory.mktemp("servers")
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    for server, articles in (
        (None, ARTICLES),
        (CHOIR, CHOIR_ARTICLES),
        (RAILWAY, RAILWAY_ARTICLES),
    ):
        source = write_articles(root / f"{server or 'shared'}.jsonl", articles)
        build([source], config.for_server(server), embedder=embedder)
    return config


def asked_in(bot: Any, server: int | None, user: int = 1) -> FakeInteraction:
    return FakeInteraction(bot, user=fake_member(user), guild_id=server)


def titles(reply: Any, question: str = "") -> str:
    """Everything a user can read of a reply, its text and its embed, but the question (which
    a "not found" echoes)."""
    embed = reply.embed.to_dict() if reply.embed else {}
    return f"{reply.content or ''} {embed}".replace(question, "")


async def answer(bot: Any, server: int | None, question: str) -> FakeInteraction:
    return await invoke(bot, "ask", asked_in(bot, server), question=question)


async def test_each_server_is_answered_from_its_own_library(
    make_bot: Any, libraries: EngineConfig
) -> None:
    bot = await make_bot(engine=libraries)
    choir = (await answer(bot, CHOIR, CHOIR_QUESTION)).last
    railway = (await answer(bot, RAILWAY, RAILWAY_QUESTION)).last
    shared = (await answer(bot, None, SHARED_QUESTION)).last  # a direct message

    assert choir.embed.title == "The harbour choir"
    assert "every Tuesday evening" in choir.embed.description
    assert railway.embed.title == "The mountain railway"
    assert "forty francs" in railway.embed.description
    assert shared.embed.title == "Why Russia stays out of the Karabakh war"


@pytest.mark.parametrize(
    ("server", "question", "foreign"),
    [
        (CHOIR, RAILWAY_QUESTION, ("railway", "francs", "Ashby")),
        (RAILWAY, CHOIR_QUESTION, ("choir", "Tuesday", "Quill", "Reid")),
        (CHOIR, SHARED_QUESTION, ("Russia", "Armenia", "Karabakh")),
        (None, CHOIR_QUESTION, ("choir", "Tuesday", "Quill", "Reid")),
    ],
)
async def test_a_question_about_another_librarys_articles_is_not_found_and_shows_none_of_them(
    make_bot: Any, libraries: EngineConfig, server: int | None, question: str, foreign: tuple[str]
) -> None:
    bot = await make_bot(engine=libraries)
    reply = (await answer(bot, server, question)).last

    assert reply.embed.title == "Not found in the library"
    shown = titles(reply, question)
    assert not [word for word in foreign if word.casefold() in shown.casefold()]


async def test_other_sources_and_context_come_from_the_answering_servers_library(
    make_bot: Any, libraries: EngineConfig
) -> None:
    bot = await make_bot(engine=libraries)
    asked = await answer(bot, CHOIR, "What does the harbour choir sing and who funds it?")
    view = asked.last.view
    assert isinstance(view, AnswerView)
    assert {hit.article.title for hit in render.hits(view.answer)} <= {
        a["title"] for a in CHOIR_ARTICLES
    }

    shown = await click(view, view.show_context, asked_in(bot, CHOIR))
    assert "Marta Quill" in titles(shown.last)  # the paragraph before, in the choir's article


async def test_buttons_clicked_from_another_server_or_a_dm_are_refused(
    make_bot: Any, libraries: EngineConfig
) -> None:
    bot = await make_bot(engine=libraries)
    asked = await invoke(bot, "ask", asked_in(bot, CHOIR, user=5), question=CHOIR_QUESTION)
    view = asked.last.view
    # The asker themself, clicking from another server (the same user id, so only the server
    # check stands between the click and the choir's passages).
    for elsewhere in (RAILWAY, None):
        for button in (view.show_context, view.vote_up):
            clicked = await click(view, button, asked_in(bot, elsewhere, user=5))
            assert clicked.last.content == render.NOT_HERE
            assert clicked.last.ephemeral
            assert clicked.last.embed is None
    assert view.context is None


async def test_sources_and_about_show_only_the_servers_library(
    make_bot: Any, libraries: EngineConfig
) -> None:
    bot = await make_bot(engine=libraries)
    listed = (await invoke(bot, "sources", asked_in(bot, RAILWAY))).last
    assert listed.embed.footer.text.endswith("· 2 articles")
    assert "mountain railway" in listed.embed.description
    assert "choir" not in titles(listed).casefold()
    assert "Karabakh" not in titles(listed)

    about = (await invoke(bot, "about", asked_in(bot, CHOIR))).last.embed
    fields = {field.name: field.value for field in about.fields}
    assert fields["Library"] == "This server's own"
    assert fields["Articles"] == "2"
    assert fields["Passages"] == "4"

    shared = (await invoke(bot, "about", asked_in(bot, NEWCOMER))).last.embed
    assert {f.name: f.value for f in shared.fields}["Library"] == "Shared"


async def test_a_server_without_a_library_falls_back_to_the_shared_one_or_is_told_it_has_none(
    make_bot: Any, libraries: EngineConfig
) -> None:
    fallback = await make_bot(engine=libraries)
    reply = (await answer(fallback, NEWCOMER, SHARED_QUESTION)).last
    assert reply.embed.title == "Why Russia stays out of the Karabakh war"

    off = await make_bot(engine=libraries, shared_library="off")
    for command, params in (("ask", {"question": SHARED_QUESTION}), ("sources", {}), ("about", {})):
        refused = (await invoke(off, command, asked_in(off, NEWCOMER), **params)).last
        assert refused.content == render.NO_LIBRARY
        assert refused.embed is None
    # Servers with their own library, and direct messages, are answered as before.
    assert (await answer(off, CHOIR, CHOIR_QUESTION)).last.embed.title == "The harbour choir"
    assert (await answer(off, None, SHARED_QUESTION)).last.embed.title.startswith("Why Russia")


@pytest.mark.parametrize("shared_library", ["off", "fallback"])
async def test_the_bot_starts_without_a_shared_library_when_servers_have_their_own(
    make_bot: Any, tmp_path: Path, embedder: Embedder, shared_library: str
) -> None:
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build(
        [write_articles(tmp_path / "c.jsonl", CHOIR_ARTICLES)],
        config.for_server(CHOIR),
        embedder=embedder,
    )
    bot = await make_bot(engine=config, shared_library=shared_library, metrics_port=0)

    assert (await answer(bot, CHOIR, CHOIR_QUESTION)).last.embed.title == "The harbour choir"
    assert (await answer(bot, RAILWAY, RAILWAY_QUESTION)).last.content == render.NO_LIBRARY
    bot.gateway.up()
    status, _, body = await http_get(bot, "/healthz")
    assert status == 200, body


@pytest.fixture
def changing(tmp_path: Path, libraries: EngineConfig) -> EngineConfig:
    """A copy of the libraries for tests that change them."""
    import shutil

    root = tmp_path / "libraries"
    shutil.copytree(libraries.index_dir.parent, root, symlinks=True)
    return EngineConfig(index_dir=root / "index", cache_dir=libraries.cache_dir)


def owner(user: int = 77) -> Any:
    return fake_member(user, manage_guild=True)


async def test_an_owners_changes_stay_in_their_server(
    make_bot: Any, changing: EngineConfig
) -> None:
    from test_bot_librarian import attachment

    bot = await make_bot(engine=changing)
    note = "---\ntitle: Choir robes\n---\n\nThe choir's new robes are dark blue wool.\n"
    added = await invoke(
        bot,
        "library add",
        FakeInteraction(bot, user=owner(), guild_id=CHOIR),
        file=attachment("robes.md", note.encode()),
    )
    assert added.last.content == "Added **Choir robes** (1 passage)"  # no "now its own"
    question = "What colour are the choir's new robes?"
    assert (await answer(bot, CHOIR, question)).last.embed.title == "Choir robes"
    for server in (RAILWAY, NEWCOMER, None):
        reply = (await answer(bot, server, question)).last
        assert "robes" not in titles(reply, question).casefold()

    # The railway's owner can neither see nor remove the choir's articles.
    cog = bot.get_cog("Librarian")
    remove = bot.tree.get_command("library").get_command("remove")
    complete = remove._params["article"].autocomplete
    offered = await complete(cog, FakeInteraction(bot, user=owner(), guild_id=RAILWAY), "robe")
    assert offered == []
    (robes,) = [a for a in await bot.service.articles(CHOIR) if a.title == "Choir robes"]
    refused = await invoke(
        bot,
        "library remove",
        FakeInteraction(bot, user=owner(), guild_id=RAILWAY),
        article=robes.key,
    )
    assert refused.last.content.startswith("Not in the index")
    assert (await answer(bot, CHOIR, question)).last.embed.title == "Choir robes"


async def test_feeds_are_per_server(make_bot: Any, changing: EngineConfig) -> None:
    bot = await make_bot(engine=changing)

    async def feeds(server: int, **params: Any) -> str:
        interaction = FakeInteraction(bot, user=owner(), guild_id=server)
        return (await invoke(bot, "library feeds", interaction, **params)).last.content

    feed = "https://news.example.org/feed.xml"  # following fetches nothing
    assert await feeds(CHOIR, action="add", url=feed) == f"Following {feed}."
    assert (await feeds(CHOIR)).startswith("Following 1 feed:")
    assert await feeds(RAILWAY) == "No feeds yet: add one with `/library feeds action:add url:…`."


@pytest.fixture
async def two_servers(make_bot: Any, changing: EngineConfig) -> AsyncIterator[Any]:
    """A bot on dpytest's fake Discord in two servers, each given a library of its own."""
    bot = await make_bot(engine=changing)
    await configure_dpytest(bot, guilds=2)
    yield bot
    await dpytest.empty_queue()
    bot.ws = None  # dpytest's fake gateway has no socket to close


async def test_mentions_in_two_servers_are_answered_from_each_ones_library(
    two_servers: Any, changing: EngineConfig, embedder: Embedder
) -> None:
    bot = two_servers
    first, second = dpytest.get_config().guilds
    for guild, articles in ((first, CHOIR_ARTICLES), (second, RAILWAY_ARTICLES)):
        source = write_articles(changing.index_dir.parent / f"{guild.id}.jsonl", articles)
        build([source], changing.for_server(guild.id), embedder=embedder)

    def channel(guild: discord.Guild) -> discord.TextChannel:
        return guild.text_channels[0]

    await dpytest.message(f"<@{bot.user.id}> {CHOIR_QUESTION}", channel=channel(first))
    assert dpytest.get_message().embeds[0].title == "The harbour choir"
    await dpytest.message(f"<@{bot.user.id}> {CHOIR_QUESTION}", channel=channel(second))
    missed = dpytest.get_message().embeds[0]
    assert missed.title == "Not found in the library"
    assert "choir" not in str(missed.to_dict()).replace(CHOIR_QUESTION, "").casefold()
    await dpytest.message(f"<@{bot.user.id}> {RAILWAY_QUESTION}", channel=channel(second))
    assert dpytest.get_message().embeds[0].title == "The mountain railway"


async def settings_set(bot: Any, server: int, name: str, value: str) -> str:
    interaction = FakeInteraction(bot, user=owner(), guild_id=server)
    return (await invoke(bot, "settings set", interaction, name=name, value=value)).last.content


async def test_each_servers_settings_apply_to_its_questions_only(
    make_bot: Any, changing: EngineConfig
) -> None:
    bot = await make_bot(engine=changing)
    await settings_set(bot, CHOIR, "threshold", "1")  # nothing is that sure: all declined
    await settings_set(bot, RAILWAY, "cooldown", "60")

    assert (await answer(bot, CHOIR, CHOIR_QUESTION)).last.embed.title == (
        "Not found in the library"
    )
    assert (await answer(bot, RAILWAY, RAILWAY_QUESTION)).last.embed.title == (
        "The mountain railway"
    )
    again = (await answer(bot, RAILWAY, RAILWAY_QUESTION)).last
    assert again.content.startswith("Easy there: you can ask again in ")
    # The same user, at once, in the other server and in a direct message: no cooldown there.
    assert (await answer(bot, NEWCOMER, SHARED_QUESTION)).last.embed.title.startswith("Why")
    assert (await answer(bot, None, SHARED_QUESTION)).last.embed.title.startswith("Why")


async def test_a_server_that_turns_mentions_off_is_not_answered_by_them(
    two_servers: Any, changing: EngineConfig
) -> None:
    bot = two_servers
    quiet, chatty = dpytest.get_config().guilds
    bot.guild_store.set(quiet.id, "mentions", "off", bot.server_defaults)

    await dpytest.message(f"<@{bot.user.id}> {SHARED_QUESTION}", channel=quiet.text_channels[0])
    assert dpytest.verify().message().nothing()
    await dpytest.message(f"<@{bot.user.id}> {SHARED_QUESTION}", channel=chatty.text_channels[0])
    assert dpytest.get_message().embeds[0].title.startswith("Why Russia")


async def test_a_server_left_is_kept_for_the_retention_then_deleted(
    make_bot: Any, changing: EngineConfig
) -> None:
    bot = await make_bot(engine=changing, retention_days=30)
    choir = changing.for_server(CHOIR).index_dir
    assert (await answer(bot, CHOIR, CHOIR_QUESTION)).last.embed.title == "The harbour choir"

    await bot.on_guild_remove(discord.Object(id=CHOIR))
    await bot.purge()
    assert choir.is_dir()  # within the retention: it may come back

    bot.guild_store.joined(CHOIR)
    bot.guild_store.left(CHOIR, datetime.now(UTC) - timedelta(days=31))
    await bot.purge()
    assert not choir.exists()
    assert CHOIR not in bot.service.pool.open_ids()
    # Back after the deletion: a server like any other without a library.
    fresh = (await answer(bot, CHOIR, CHOIR_QUESTION)).last
    assert fresh.embed.title == "Not found in the library"  # the shared library's answer
    assert (await answer(bot, RAILWAY, RAILWAY_QUESTION)).last.embed.title == (
        "The mountain railway"
    )


async def test_a_server_the_bot_left_while_it_was_down_starts_its_retention_at_login(
    two_servers: Any, changing: EngineConfig
) -> None:
    bot = two_servers
    present = {guild.id for guild in dpytest.get_config().guilds}
    await bot.on_ready()

    assert set(bot.guild_store.departed()) == {CHOIR, RAILWAY}  # their folders, no server
    assert not present & set(bot.guild_store.departed())


async def test_a_process_running_other_shards_leaves_their_servers_alone_at_login(
    two_servers: Any,
) -> None:
    bot = two_servers
    bot.shard_count, bot.shard_id = 2, 1  # this process runs shard 1 of 2
    assert {(CHOIR >> 22) % 2, (RAILWAY >> 22) % 2} == {0}  # both servers are on shard 0
    await bot.on_ready()
    assert bot.guild_store.departed() == {}  # another process serves them: nothing left


async def test_the_bot_syncs_the_feeds_of_the_servers_it_is_in_only(
    make_bot: Any, changing: EngineConfig, embedder: Embedder, site: Any
) -> None:
    site.page("/story/1", article_page("Story 1", story(1)))
    feed = site.serve(
        "/feed.xml", Reply(200, rss(site.base, [("Story 1", "/story/1")]), "application/rss+xml")
    )
    bot = await make_bot(engine=replace(changing, fetch=FetchPolicy(allow_private=True)))
    await configure_dpytest(bot)
    try:
        (present,) = dpytest.get_config().guilds
        source = write_articles(changing.index_dir.parent / "present.jsonl", CHOIR_ARTICLES)
        build([source], changing.for_server(present.id), embedder=embedder)
        for server in (present.id, RAILWAY):  # the bot is not in the railway's server (any more)
            await bot.librarian.follow(server, feed, "test")
        bot.librarian.start(0.001)  # minutes

        deadline = asyncio.get_running_loop().time() + 20
        while "Story 1" not in [a.title for a in await bot.service.articles(present.id)]:
            assert asyncio.get_running_loop().time() < deadline, "the feed was never synced"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a few more rounds of syncing
        assert "Story 1" not in [a.title for a in await bot.service.articles(RAILWAY)]
    finally:
        await dpytest.empty_queue()
        bot.ws = None
