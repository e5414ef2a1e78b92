"""``/settings`` and who an owner is, per server: what owners and others see when they show,
set and reset a server's settings, in two servers of one bot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from bot_helpers import FakeInteraction, fake_member, invoke

from bot import render
from bot.client import CitebotBot
from index import EngineConfig
from insights import Asked

pytestmark = pytest.mark.slow  # a bot opens the real index with the real model

HISTORY, NEWS = 42, 43
MANAGER = fake_member(1, manage_guild=True)
LIBRARIAN = fake_member(2, roles=("Librarians",))
MEMBER = fake_member(3)


@pytest.fixture
async def bot(make_bot: Any, built_index: EngineConfig, tmp_path: Path) -> CitebotBot:
    """A bot whose servers' settings are this test's own."""
    return await make_bot(engine=replace(built_index, servers_dir=tmp_path / "servers"))


async def run(
    bot: CitebotBot, command: str, user: Any, guild_id: int | None, /, **params: Any
) -> Any:
    """What ``user`` is shown after ``/command`` in server ``guild_id``: the last reply."""
    interaction = await invoke(
        bot, command, FakeInteraction(bot, user=user, guild_id=guild_id), **params
    )
    return interaction.last


def fields(reply: Any) -> dict[str, str]:
    return {field.name: field.value for field in reply.embed.fields}


async def test_an_owner_sees_every_setting_and_whose_it_is(bot: CitebotBot) -> None:
    reply = await run(bot, "settings show", MANAGER, HISTORY)

    assert reply.ephemeral and reply.allowed_mentions == render.NO_MENTIONS
    assert reply.embed.title == "Settings in this server"
    assert fields(reply) == {
        "channels": "every channel · the default",
        "threshold": "0.25 · the default",
        "cooldown": "off · the default",
        "channel_limit": "no limit · the default",
        "mentions": "on · the default",
        "owner_role": "the Manage Server permission · the default",
    }


async def test_a_setting_changes_in_its_server_only(bot: CitebotBot) -> None:
    changed = await run(bot, "settings set", MANAGER, HISTORY, name="threshold", value="0.4")
    await run(bot, "settings set", MANAGER, HISTORY, name="channels", value="<#10>, 20")
    await run(bot, "settings set", MANAGER, HISTORY, name="cooldown", value="5")

    assert changed.ephemeral and changed.content == "threshold is now 0.4 in this server."
    history = fields(await run(bot, "settings show", MANAGER, HISTORY))
    assert history["threshold"] == "0.4 · this server's own"
    assert history["channels"] == "<#10> <#20> · this server's own"
    assert history["cooldown"] == "5 seconds · this server's own"
    assert history["mentions"] == "on · the default"
    news = fields(await run(bot, "settings show", MANAGER, NEWS))
    assert set(news.values()) == {value for value in news.values() if value.endswith("default")}
    assert bot.server_settings(HISTORY).threshold == 0.4
    assert bot.server_settings(NEWS) == bot.server_settings(None)


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("threshold", "2", "threshold must be a number from 0 to 1."),
        ("channel_limit", "-3", "channel_limit must be a whole number, 0 (no limit) or more."),
        ("mentions", "perhaps", "mentions must be on or off."),
        ("channels", "#general", "channels must be channel mentions or ids separated by "),
    ],
)
async def test_a_bad_value_is_one_line_and_changes_nothing(
    bot: CitebotBot, name: str, value: str, error: str
) -> None:
    reply = await run(bot, "settings set", MANAGER, HISTORY, name=name, value=value)

    assert reply.ephemeral and reply.content.startswith(error)
    assert "\n" not in reply.content
    assert bot.guild_store.own(HISTORY) == frozenset()


async def test_reset_returns_one_setting_or_all_to_the_default(bot: CitebotBot) -> None:
    await run(bot, "settings set", MANAGER, HISTORY, name="threshold", value="0.5")
    await run(bot, "settings set", MANAGER, HISTORY, name="mentions", value="off")

    one = await run(bot, "settings reset", MANAGER, HISTORY, name="threshold")
    again = await run(bot, "settings reset", MANAGER, HISTORY, name="threshold")
    everything = await run(bot, "settings reset", MANAGER, HISTORY)
    nothing = await run(bot, "settings reset", MANAGER, HISTORY)

    assert one.content == "threshold is back to the default: 0.25."
    assert again.content == "threshold already is the default: 0.25."
    assert everything.content == "Every setting is back to its default."
    assert nothing.content == "This server has no settings of its own: they are all the defaults."
    assert all(reply.ephemeral for reply in (one, again, everything, nothing))
    assert bot.server_settings(HISTORY) == bot.server_settings(None)


async def test_settings_are_for_owners_and_servers_only(bot: CitebotBot) -> None:
    shown = await run(bot, "settings show", MEMBER, HISTORY)
    changed = await run(bot, "settings set", MEMBER, HISTORY, name="mentions", value="off")
    in_dms = await run(bot, "settings show", MANAGER, None)

    assert (
        shown.content
        == changed.content
        == ("Only members with the Manage Server permission can do that.")
    )
    assert shown.embed is None and bot.server_settings(HISTORY).mentions is True
    assert in_dms.ephemeral and in_dms.content == render.SETTINGS_IN_DMS


async def test_an_owner_role_of_its_own_decides_who_owns_that_server(bot: CitebotBot) -> None:
    # The role's holder may also manage the server: it is who sets it.
    setter = fake_member(4, manage_guild=True, roles=("Librarians",))
    done = await run(bot, "settings set", setter, HISTORY, name="owner_role", value="Librarians")

    assert done.content == "owner_role is now the Librarians role in this server."
    librarian = await run(bot, "reload", LIBRARIAN, HISTORY)
    manager = await run(bot, "reload", MANAGER, HISTORY)
    assert librarian.content.startswith("The index has not changed")
    assert manager.content == "Only members with the Librarians role can do that."
    # The other server still goes by the host's default: Manage Server.
    assert (await run(bot, "reload", MANAGER, NEWS)).content.startswith("The index has not")
    assert (await run(bot, "reload", LIBRARIAN, NEWS)).content == (
        "Only members with the Manage Server permission can do that."
    )
    # Settings follow the role too.
    assert (await run(bot, "settings show", LIBRARIAN, HISTORY)).embed is not None


async def test_an_owner_cannot_set_a_role_that_shuts_them_out(bot: CitebotBot) -> None:
    reply = await run(bot, "settings set", MANAGER, HISTORY, name="owner_role", value="<@&77>")

    assert reply.ephemeral
    assert reply.content == (
        "Not changed: only members with the <@&77> role would be owners here, and you would "
        "not be one. Take that role first, or choose another."
    )
    assert bot.server_settings(HISTORY).owner_role is None


async def test_a_role_name_shows_as_plain_text(bot: CitebotBot) -> None:
    hostile = "**Mods** @everyone <#1>"
    setter = fake_member(5, manage_guild=True, roles=(hostile,))
    await run(bot, "settings set", setter, HISTORY, name="owner_role", value=hostile)

    reply = await run(bot, "settings show", setter, HISTORY)

    role = fields(reply)["owner_role"]
    assert "**Mods**" not in role and "\\*\\*Mods\\*\\*" in role
    assert "<#1>" not in role  # no channel link of its own making
    assert reply.allowed_mentions == render.NO_MENTIONS


async def test_stats_count_the_questions_of_the_server_they_are_asked_in(
    make_bot: Any, built_index: EngineConfig, tmp_path: Path
) -> None:
    bot = await make_bot(
        engine=replace(built_index, servers_dir=tmp_path / "servers"), log_questions=True
    )
    for guild_id, outcome in ((HISTORY, "answered"), (HISTORY, "declined"), (NEWS, "answered")):
        bot.feedback.log_question(Asked("q?", "slash", outcome, 9, 0.1, guild_id=guild_id))
    bot.feedback.log_question(Asked("q?", "dm", "answered", 9, 0.1))

    history = fields(await run(bot, "stats", MANAGER, HISTORY))
    news = fields(await run(bot, "stats", MANAGER, NEWS))

    assert (history["Questions"], history["Answered"]) == ("2", "1 (50%)")
    assert (news["Questions"], news["Answered"]) == ("1", "1 (100%)")
