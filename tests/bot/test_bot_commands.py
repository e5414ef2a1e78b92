"""Slash commands, the context menu and the buttons, against a real index, as a user sees them."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import discord
import pytest
from bot_helpers import (
    ARTICLES,
    FakeInteraction,
    MagicMessage,
    ask_menu,
    click,
    fake_member,
    invoke,
    write_articles,
)

from bot import render
from bot.throughput import measure
from index import EngineConfig, build

pytestmark = pytest.mark.slow  # builds a real index with the real model

QUESTION = "Who does Russia have a defense pact with?"
ANSWER_SENTENCE = (
    "**Russia has a defense pact with Armenia that obliges Moscow to help if Armenia itself is "
    "attacked.**"
)
UNANSWERABLE = "What is the boiling point of mercury in kelvin?"


async def test_ask_defers_then_answers_with_the_quoted_passage(make_bot: Any) -> None:
    bot = await make_bot()
    interaction = await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)

    defer, reply = interaction.sent
    assert defer.kind == "defer"
    assert reply.kind == "followup"
    assert not reply.ephemeral
    assert reply.allowed_mentions == render.NO_MENTIONS
    embed = reply.embed
    assert embed.title == "Why Russia stays out of the Karabakh war"
    assert embed.url == "https://example.com/karabakh"
    assert ANSWER_SENTENCE in embed.description
    assert embed.fields[0].value == ("Ann Reporter · 2020-10-07 · Example News · paragraph 2 of 3")
    assert embed.footer.text.startswith("Confidence ")
    labels = [getattr(item, "label", None) or str(item.emoji) for item in reply.view.children]
    assert "Show context" in labels
    assert {"👍", "👎"} <= set(labels)


async def test_a_question_the_library_cannot_answer_says_so(make_bot: Any) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "ask", FakeInteraction(bot), question=UNANSWERABLE)).last
    assert reply.embed.title == "Not found in the library"
    assert reply.embed.fields[0].name == "Closest passage (not a confident match)"
    assert reply.view is None


async def test_an_empty_question_gets_one_line_not_a_traceback(make_bot: Any) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "ask", FakeInteraction(bot), question="   ?! ")).last
    assert reply.embed is None
    assert reply.content and "\n" not in reply.content
    assert "Traceback" not in reply.content


async def test_the_message_menu_asks_the_message_text(make_bot: Any) -> None:
    bot = await make_bot()
    message = MagicMessage(QUESTION)
    reply = (await ask_menu(bot, FakeInteraction(bot), message)).last
    assert ANSWER_SENTENCE in reply.embed.description


async def test_a_second_question_within_the_cooldown_gets_a_friendly_ephemeral_line(
    make_bot: Any,
) -> None:
    bot = await make_bot(cooldown=30)
    first = await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
    second = await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
    other_user = await invoke(
        bot, "ask", FakeInteraction(bot, user=fake_member(2002)), question=QUESTION
    )

    assert first.last.embed is not None
    assert second.sent[0].kind == "message"  # refused before deferring: no "thinking…"
    assert second.last.ephemeral
    assert second.last.content.startswith("Easy there: you can ask again in ")
    assert other_user.last.embed is not None


async def test_a_busy_channel_is_limited_whoever_asks(make_bot: Any) -> None:
    bot = await make_bot(channel_limit=2)
    users = [fake_member(3000 + i) for i in range(3)]
    replies = [
        (await invoke(bot, "ask", FakeInteraction(bot, user=u), question=QUESTION)).last
        for u in users
    ]
    assert [r.embed is not None for r in replies] == [True, True, False]
    assert replies[2].ephemeral
    assert "This channel is asking a lot" in replies[2].content


async def test_only_allowed_channels_are_answered(make_bot: Any) -> None:
    bot = await make_bot(channels=frozenset({555}))
    refused = (await invoke(bot, "ask", FakeInteraction(bot, channel_id=7), question=QUESTION)).last
    allowed = (
        await invoke(bot, "ask", FakeInteraction(bot, channel_id=555), question=QUESTION)
    ).last
    assert refused.ephemeral
    assert refused.content == "I only answer questions in <#555>."
    assert allowed.embed is not None


@pytest.mark.parametrize("allow_dms", [True, False])
async def test_slash_commands_in_direct_messages_follow_the_dm_setting(
    make_bot: Any, allow_dms: bool
) -> None:
    bot = await make_bot(allow_dms=allow_dms)
    asked = await invoke(bot, "ask", FakeInteraction(bot, guild_id=None), question=QUESTION)
    menu = await ask_menu(bot, FakeInteraction(bot, guild_id=None), MagicMessage(QUESTION))

    for interaction in (asked, menu):
        reply = interaction.last
        assert (reply.embed is not None) is allow_dms
        assert reply.content == (None if allow_dms else render.DMS_OFF)
        assert reply.ephemeral is not allow_dms  # a refusal only the asker sees
        # Refused before deferring: no "citebot is thinking…" left behind.
        assert (interaction.sent[0].kind == "defer") is allow_dms


async def test_a_slow_search_answers_taking_too_long(make_bot: Any) -> None:
    bot = await make_bot(search_timeout=0.001)
    reply = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last
    assert reply.content == render.TOO_SLOW


async def test_an_exception_in_a_search_is_logged_and_apologised_for(
    make_bot: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot()

    def broken(question: str, **_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.service.shared, "search", broken)
    with caplog.at_level(logging.ERROR):
        reply = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last
    assert reply.content == render.APOLOGY
    assert reply.ephemeral
    assert "disk on fire" in caplog.text  # the traceback is in the log, not in the channel
    assert "Traceback" in caplog.text


async def test_other_sources_pages_and_show_context_adds_paragraphs(make_bot: Any) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last
    view = reply.view

    context = await click(view, view.show_context, FakeInteraction(bot))
    shown = context.last
    assert shown.kind == "edit"
    names = [f.name for f in shown.embed.fields]
    assert names == ["Source", "Before (paragraph 1)", "After (paragraph 3)"]
    assert "Turkey backs Azerbaijan" in shown.embed.fields[2].value
    assert ANSWER_SENTENCE in shown.embed.description
    assert view.show_context.label == "Hide context"

    # The library has a second source on the pact: paging must be offered, and must page.
    assert view.other_sources in view.children
    paged = (await click(view, view.other_sources, FakeInteraction(bot))).last
    assert paged.kind == "edit"
    assert "source 2 of" in paged.embed.footer.text
    assert paged.embed.title == "Armenia's allies"
    assert ANSWER_SENTENCE not in paged.embed.description
    assert [f.name for f in paged.embed.fields] == ["Source"]  # context belongs to the page shown
    assert view.show_context.label == "Show context"


async def test_replies_are_rendered_off_the_event_loop(
    make_bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quoting is CPU work in proportion to what is shown; the loop carries the heartbeat."""
    bot = await make_bot()
    threads: list[threading.Thread] = []
    for name in ("answer_embed", "sources_embed"):
        real = getattr(render, name)

        def recording(*args: Any, real: Any = real) -> discord.Embed:
            threads.append(threading.current_thread())
            return real(*args)

        monkeypatch.setattr(render, name, recording)

    view = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last.view
    await click(view, view.other_sources, FakeInteraction(bot))
    await click(view, view.show_context, FakeInteraction(bot))
    await invoke(bot, "sources", FakeInteraction(bot))

    assert len(threads) == 4
    assert threading.current_thread() not in threads


async def test_only_the_asker_pages_an_answer_but_anyone_can_vote(
    make_bot: Any, tmp_path: Path
) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last
    view = reply.view
    stranger = fake_member(4242)

    refused = (await click(view, view.show_context, FakeInteraction(bot, user=stranger))).last
    voted = (await click(view, view.vote_down, FakeInteraction(bot, user=stranger))).last

    assert refused.ephemeral and refused.content == render.ONLY_ASKER
    assert voted.ephemeral and voted.content == render.FEEDBACK_THANKS
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        rows = db.execute(
            "SELECT question, article_key, paragraph, vote, user_id FROM feedback"
        ).fetchall()
    assert rows == [(QUESTION, rows[0][1], 2, "down", 4242)]
    assert rows[0][1].endswith("#1")  # the first record of the JSONL file


async def test_forget_deletes_a_users_feedback(make_bot: Any) -> None:
    bot = await make_bot()
    view = (await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)).last.view
    await click(view, view.vote_up, FakeInteraction(bot))
    forgot = (await invoke(bot, "forget", FakeInteraction(bot))).last
    assert forgot.ephemeral
    assert forgot.content == "Deleted 1 feedback rows and 0 logged questions of yours."


async def test_buttons_expire_and_the_message_says_so(make_bot: Any) -> None:
    bot = await make_bot(view_timeout=120)
    interaction = await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
    view = interaction.last.view
    assert view.timeout == 120
    await view.on_timeout()  # what discord.py calls when the view's time is up
    edit = interaction.last
    assert edit.kind == "edit"
    assert edit.content == render.VIEW_EXPIRED
    assert all(item.disabled for item in edit.view.children)


async def test_a_click_on_buttons_from_before_a_restart_is_answered(make_bot: Any) -> None:
    bot = await make_bot()
    asking = bot.get_cog("Asking")
    asking.stale_after = 0
    stale = FakeInteraction(
        bot, type=discord.InteractionType.component, data={"custom_id": "citebot:other"}
    )
    await asking.on_interaction(stale)
    assert stale.last.ephemeral
    assert stale.last.content == render.VIEW_EXPIRED


async def test_sources_lists_the_articles_for_the_asker(make_bot: Any) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "sources", FakeInteraction(bot))).last
    assert reply.ephemeral
    assert reply.embed.description.splitlines() == [
        "1. Armenia's allies — Cal Analyst · 2021-03-01",
        "2. Baking sourdough — Ben Baker",
        "3. [Why Russia stays out of the Karabakh war](https://example.com/karabakh) — "
        "Ann Reporter · 2020-10-07",
    ]


async def test_articles_with_malformed_links_are_answered_and_listed(
    make_bot: Any, tmp_path: Path, embedder: Any
) -> None:
    """Links as HTML canonical tags carry them: urlparse raises on both. They once turned
    every answer from the article, and the /sources page listing it, into the apology."""
    hostile = [
        {
            "title": "Living under *Etna* <#123456789012345678>",
            "url": "http://[::1",
            "author": "@everyone",
            "paragraphs": ["In 1928 lava from Mount Etna destroyed the town of Mascali."],
        },
        {
            "title": "Tides of the Bay of Fundy",
            "url": "https://example.com\uff1a443/fundy",
            "paragraphs": ["The Bay of Fundy has the highest tides in the world."],
        },
    ]
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build([write_articles(tmp_path / "hostile.jsonl", hostile)], config, embedder=embedder)
    bot = await make_bot(engine=config)

    etna, fundy = [
        (await invoke(bot, "ask", FakeInteraction(bot, user=fake_member(i)), question=q)).last
        for i, q in enumerate(
            ["Which town did lava from Etna destroy in 1928?", "Where are the highest tides?"]
        )
    ]
    listed = (await invoke(bot, "sources", FakeInteraction(bot))).last

    assert render.APOLOGY not in (etna.content, fundy.content, listed.content)
    assert etna.embed.title == "Living under \\*Etna\\* <\u200b#123456789012345678>"
    assert etna.embed.url is None
    assert etna.embed.fields[0].value.startswith("@\u200beveryone · paragraph 1 of 1")
    assert fundy.embed.title == "Tides of the Bay of Fundy"
    assert fundy.embed.url is None
    assert listed.embed.description.splitlines() == [
        "1. Living under \\*Etna\\* <\u200b#123456789012345678> — @\u200beveryone",
        "2. Tides of the Bay of Fundy",
    ]


async def test_about_says_what_the_bot_knows(make_bot: Any) -> None:
    bot = await make_bot()
    reply = (await invoke(bot, "about", FakeInteraction(bot))).last
    fields = {f.name: f.value for f in reply.embed.fields}
    assert fields["Articles"] == "3"
    assert fields["Model"] == "all-MiniLM-L6-v2"
    assert reply.allowed_mentions == render.NO_MENTIONS


async def test_reload_is_refused_to_non_owners(make_bot: Any) -> None:
    bot = await make_bot()
    member = fake_member(5, manage_guild=False)
    reply = (await invoke(bot, "reload", FakeInteraction(bot, user=member))).last
    assert reply.ephemeral
    assert reply.content == "Only members with the Manage Server permission can do that."


async def test_reload_by_an_owner_role(make_bot: Any) -> None:
    bot = await make_bot(owner_role="librarian")
    manager = fake_member(5, manage_guild=True)  # the role is what counts once it is set
    librarian = fake_member(6, roles=("librarian",))
    refused = (await invoke(bot, "reload", FakeInteraction(bot, user=manager))).last
    done = (await invoke(bot, "reload", FakeInteraction(bot, user=librarian))).last
    assert refused.content == "Only members with the librarian role can do that."
    assert done.ephemeral
    assert done.content.startswith("The index has not changed: 3 articles")


async def test_a_rebuild_while_running_is_picked_up(
    make_bot: Any, tmp_path: Path, embedder: Any, write_markdown: Any
) -> None:
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build([write_articles(tmp_path / "v1" / "a.jsonl", ARTICLES)], config, embedder=embedder)
    bot = await make_bot(engine=config, reload_interval=0.1)
    question = "Which town did lava from Etna destroy in 1928?"
    before = (await invoke(bot, "ask", FakeInteraction(bot), question=question)).last
    assert before.embed.title == "Not found in the library"

    write_markdown(
        tmp_path / "v2",
        "etna.md",
        "Living under Etna",
        [
            "Mount Etna is the most active volcano in Europe. It stands on the east coast of "
            "Sicily.",
            "Its eruptions have buried nearby villages several times. In 1928 lava destroyed "
            "the town of Mascali.",
        ],
    )
    in_flight = asyncio.create_task(invoke(bot, "ask", FakeInteraction(bot), question=QUESTION))
    await asyncio.to_thread(build, [tmp_path / "v2"], config, embedder=embedder)
    assert (await in_flight).last.embed is not None  # answered from whichever version it had

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = (await invoke(bot, "ask", FakeInteraction(bot), question=question)).last
        if after.embed.title == "Living under Etna":
            break
        await asyncio.sleep(0.1)
    assert after.embed.title == "Living under Etna"
    assert "**In 1928 lava destroyed the town of Mascali.**" in after.embed.description


async def test_closing_the_bot_finishes_the_questions_in_flight(make_bot: Any) -> None:
    bot = await make_bot()
    in_flight = [
        asyncio.create_task(
            invoke(bot, "ask", FakeInteraction(bot, user=fake_member(i)), question=QUESTION)
        )
        for i in range(4)
    ]
    await asyncio.sleep(0.01)  # the questions are with the worker threads now
    await bot.close()
    for task in in_flight:
        assert ANSWER_SENTENCE in (await task).last.embed.description


@pytest.mark.slow
async def test_many_questions_at_once_are_answered_while_the_loop_stays_responsive(
    make_bot: Any,
) -> None:
    bot = await make_bot()
    # Built before the clock starts: a spec'd mock member costs ~1 ms, which Discord's own
    # objects do not, and 200 of them on the loop at once were the test's lag, not the bot's.
    interactions = iter([FakeInteraction(bot, user=fake_member(i)) for i in range(200)])
    replies: list[FakeInteraction] = []

    async def ask(question: str) -> None:
        replies.append(await invoke(bot, "ask", next(interactions), question=question))

    result = await measure(ask, [QUESTION] * 200)

    assert len(replies) == 200
    assert all(ANSWER_SENTENCE in r.last.embed.description for r in replies)
    assert result.worst_loop_lag_ms < 100
