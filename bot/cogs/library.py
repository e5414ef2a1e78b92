"""Browsing the library: ``/sources`` (what is indexed, paged) and ``/about``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.views import SourcesView

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
        articles = await self.bot.service.articles()
        view = SourcesView(articles, timeout=self.bot.settings.view_timeout)
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
        info = await self.bot.service.info()
        threshold = self.bot.service.library.config.retrieval.threshold
        await interaction.followup.send(
            embed=render.about_embed(info, threshold, self.bot.settings.store),
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(LibraryCog(bot))
