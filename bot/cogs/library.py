"""Browsing the library: ``/sources`` (what is indexed, paged) and ``/about``.

Both show the library that answers in the server they are used in: its own, or the shared one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.answering import NoLibrary
from bot.views import SourcesView, send_ephemeral

if TYPE_CHECKING:
    from bot.client import CitebotBot


class LibraryCog(commands.Cog, name="Library"):
    """What the bot knows and what it is."""

    def __init__(self, bot: CitebotBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles I can quote from.")
    async def sources(self, interaction: discord.Interaction) -> None:
        # Only the asker sees the list: browsing it is not a conversation for the channel.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            articles = await self.bot.service.articles(interaction.guild_id)
        except NoLibrary:
            await send_ephemeral(interaction, render.NO_LIBRARY)
            return
        view = SourcesView(
            articles, guild_id=interaction.guild_id, timeout=self.bot.settings.view_timeout
        )
        view.message = await interaction.followup.send(
            embed=await view.embed(),
            view=view,
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
            wait=True,
        )

    @app_commands.command(name="about", description="What I am, which model answers, what I know.")
    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)  # measuring the index reads the disk
        service, guild_id = self.bot.service, interaction.guild_id
        try:  # the library that answers here, and whether it is the server's own
            info, own = await service.run_in(
                guild_id, lambda library, where: (library.info(), where is not None)
            )
        except NoLibrary:
            await send_ephemeral(interaction, render.NO_LIBRARY)
            return
        threshold = self.bot.server_settings(guild_id).threshold
        await interaction.followup.send(
            embed=render.about_embed(info, threshold, self.bot.settings.store, own_library=own),
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(LibraryCog(bot))
