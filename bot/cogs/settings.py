"""``/settings``: a server's owners see and change how the bot behaves in their server.

``show`` lists every setting with its value and whether it is the server's own or the host's
default; ``set`` gives one a value of the server's own; ``reset`` returns one, or all, to the
default. Owners only, in servers only (a direct message has no settings of its own); replies
are ephemeral, and a bad value is one line naming the setting and what it allows. A change
never leaves its author without the owner rights it takes to undo it: an owner role they do
not have is refused.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.cogs.admin import is_owner, owner_only
from bot.views import send_ephemeral
from guilds import SETTINGS, InvalidSetting, parse

if TYPE_CHECKING:
    from bot.client import CitebotBot

log = logging.getLogger(__name__)

NAMES = [app_commands.Choice(name=name, value=name) for name in SETTINGS]


async def server_owner_only(interaction: discord.Interaction[CitebotBot]) -> bool:
    """Owners, in a server: a direct message has no settings to change."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage(render.SETTINGS_IN_DMS)
    return await owner_only(interaction)


def server_of(interaction: discord.Interaction) -> int:
    """The server of an interaction that passed ``server_owner_only``."""
    assert interaction.guild_id is not None
    return interaction.guild_id


class SettingsCog(commands.Cog, name="Settings"):
    """A server's own settings, changed from Discord."""

    settings = app_commands.Group(
        name="settings", description="How I behave in this server (owners only).", guild_only=True
    )

    def __init__(self, bot: CitebotBot) -> None:
        self.bot = bot

    @settings.command(name="show", description="Every setting, and whether it is this server's.")
    @app_commands.check(server_owner_only)
    async def show(self, interaction: discord.Interaction) -> None:
        guild_id = server_of(interaction)
        await interaction.response.send_message(
            embed=render.settings_embed(
                self.bot.server_settings(guild_id), self.bot.guild_store.own(guild_id)
            ),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @settings.command(name="set", description="Give a setting a value of this server's own.")
    @app_commands.describe(name="The setting", value="Its value: e.g. 0.3, off, #channel, @role")
    @app_commands.choices(name=NAMES)
    @app_commands.check(server_owner_only)
    async def change(self, interaction: discord.Interaction, name: str, value: str) -> None:
        guild_id = server_of(interaction)
        try:
            if name == "owner_role" and not is_owner(interaction.user, role := parse(name, value)):
                await send_ephemeral(interaction, render.still_owner(role))
                return
            settings = await asyncio.to_thread(
                self.bot.guild_store.set, guild_id, name, value, self.bot.server_defaults
            )
        except InvalidSetting as error:  # our own words, naming no value the user typed
            await send_ephemeral(interaction, str(error))
            return
        log.info("/settings set %s by %s in %s", name, interaction.user.id, guild_id)
        await send_ephemeral(interaction, render.setting_changed(settings, name))

    @settings.command(name="reset", description="Back to the default: one setting, or all.")
    @app_commands.describe(name="The setting (all of them when not given)")
    @app_commands.choices(name=NAMES)
    @app_commands.check(server_owner_only)
    async def reset(self, interaction: discord.Interaction, name: str | None = None) -> None:
        guild_id = server_of(interaction)
        role = self.bot.server_defaults.owner_role  # what the owner role goes back to
        if name in (None, "owner_role") and not is_owner(interaction.user, role):
            await send_ephemeral(interaction, render.still_owner(role))
            return
        try:
            dropped = await asyncio.to_thread(self.bot.guild_store.reset, guild_id, name)
        except InvalidSetting as error:  # our own words, naming no value the user typed
            await send_ephemeral(interaction, str(error))
            return
        log.info("/settings reset %s by %s in %s", name or "all", interaction.user.id, guild_id)
        settings = self.bot.server_settings(guild_id)
        await send_ephemeral(interaction, render.setting_reset(settings, name, dropped))


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(SettingsCog(bot))
