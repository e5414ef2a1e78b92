"""Mentions and direct messages through dpytest: the reply a user sees in the channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from bot_helpers import configure_dpytest, sample
from discord.ext import commands

from bot import render
from bot.client import CitebotBot

pytestmark = pytest.mark.slow  # builds a real index with the real model

QUESTION = "who does Russia have a defense pact with?"
ANSWER_SENTENCE = "**Russia has a defense pact with Armenia that obliges Moscow"


@pytest.fixture
async def connected(make_bot: Any) -> AsyncIterator[Any]:
    """``await connected(**settings)``: a bot on dpytest's fake Discord."""

    async def connect(**changes: Any) -> CitebotBot:
        bot = await make_bot(**changes)
        await configure_dpytest(bot)
        bots.append(bot)
        return bot

    bots: list[CitebotBot] = []
    yield connect
    await dpytest.empty_queue()
    for bot in bots:
        bot.ws = None  # dpytest's fake gateway has no socket to close


async def test_a_mention_is_answered_as_a_reply_with_the_passage(connected: Any) -> None:
    bot = await connected()
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    reply = dpytest.get_message()

    embed = reply.embeds[0]
    assert embed.title == "Why Russia stays out of the Karabakh war"
    assert ANSWER_SENTENCE in embed.description
    assert embed.fields[0].value.startswith("Ann Reporter · 2020-10-07")


async def test_the_reply_points_at_the_question_and_never_pings(
    connected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await connected()
    payloads: list[dict[str, Any]] = []
    build_params = discord.abc.handle_message_parameters

    def recording(*args: Any, **kwargs: Any) -> Any:
        params = build_params(*args, **kwargs)
        payloads.append(params.payload)  # what goes to Discord's API
        return params

    monkeypatch.setattr(discord.abc, "handle_message_parameters", recording)
    asked = await dpytest.message(f"<@{bot.user.id}> @everyone {QUESTION}")

    (payload,) = payloads
    assert payload["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert int(payload["message_reference"]["message_id"]) == asked.id
    assert dpytest.get_message().embeds


async def test_a_message_without_a_mention_is_left_alone(connected: Any) -> None:
    bot = await connected()
    await dpytest.message(QUESTION)
    assert dpytest.verify().message().nothing()
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")  # the bot was listening all along
    assert dpytest.get_message().embeds


@pytest.mark.parametrize("allowed", [True, False])
async def test_mentions_are_answered_only_in_the_allowed_channels(
    connected: Any, allowed: bool
) -> None:
    bot = await connected()
    channel, other_channel = dpytest.get_config().channels[:2]  # a text and a voice channel
    other = other_channel.id
    # dpytest makes the channel ids as it connects, so the setting is given afterwards, as the
    # server's owners would with /settings.
    allowed_id = str(channel.id if allowed else other)
    bot.guild_store.set(channel.guild.id, "channels", allowed_id, bot.server_defaults)

    await dpytest.message(f"<@{bot.user.id}> {QUESTION}", channel=channel)

    reply = dpytest.get_message()
    assert bool(reply.embeds) is allowed
    assert reply.content == ("" if allowed else f"I only answer questions in <#{other}>.")


async def test_a_second_mention_within_the_cooldown_is_refused(connected: Any) -> None:
    bot = await connected(cooldown=30)
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    first = dpytest.get_message()
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    second = dpytest.get_message()

    assert ANSWER_SENTENCE in first.embeds[0].description
    assert not second.embeds
    assert second.content.startswith("Easy there: you can ask again in ")


async def test_a_bare_mention_explains_how_to_ask(connected: Any) -> None:
    bot = await connected()
    await dpytest.message(f"<@{bot.user.id}>")
    assert dpytest.get_message().content == render.EMPTY_MENTION


async def test_a_direct_message_is_answered(connected: Any) -> None:
    await connected()
    member = dpytest.get_config().members[0]
    dm = await member.create_dm()
    await dpytest.message(QUESTION, channel=dm, member=member)
    reply = dpytest.get_message()
    assert ANSWER_SENTENCE in reply.embeds[0].description


async def test_direct_messages_can_be_turned_off(connected: Any) -> None:
    await connected(allow_dms=False)
    member = dpytest.get_config().members[0]
    dm = await member.create_dm()
    await dpytest.message(QUESTION, channel=dm, member=member)
    assert dpytest.get_message().content == render.DMS_OFF


async def test_a_failure_while_answering_a_mention_is_apologised_for(
    connected: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await connected()

    def broken(question: str, **_: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(bot.service.shared, "search", broken)
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    assert dpytest.get_message().content == render.APOLOGY


async def test_prefix_ask_when_turned_on(connected: Any) -> None:
    await connected(prefix_commands=True)
    await dpytest.message(f"!ask {QUESTION}")
    assert ANSWER_SENTENCE in dpytest.get_message().embeds[0].description
    with pytest.raises(commands.MissingRequiredArgument):  # dpytest re-raises command errors
        await dpytest.message("!ask")
    assert dpytest.get_message().content.startswith("Ask like this: `!ask")


async def test_mentions_and_direct_messages_are_counted_by_way_in(connected: Any) -> None:
    bot = await connected()
    await dpytest.message(f"<@{bot.user.id}> {QUESTION}")
    member = dpytest.get_config().members[0]
    await dpytest.message(QUESTION, channel=await member.create_dm(), member=member)
    page = bot.metrics.exposition().decode()
    assert sample(page, "citebot_questions_total", way="mention", outcome="answered") == 1
    assert sample(page, "citebot_questions_total", way="dm", outcome="answered") == 1
    assert sample(page, "citebot_questions_total", way="slash", outcome="answered") == 0
