"""Owner commands (``/reload``, ``/stats``) and a user's own data (``/forget``: votes and logged
questions).

"Owner" is per server: the role (name or id) its owners set with ``/settings``, else the one
``CITEBOT_OWNER_ROLE`` names, else the Manage Server permission: the people who would add or
remove the bot anyway. ``/stats`` counts the questions of the server it is used in.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.answering import NoLibrary
from bot.views import send_ephemeral
from insights import Report, build_report
from insights.charts import stats_chart

if TYPE_CHECKING:
    from bot.client import CitebotBot

log = logging.getLogger(__name__)


class NotOwner(app_commands.CheckFailure):
    """Refused: the command is for the bot's owners. The message is shown to the user."""


def is_owner(member: discord.abc.User, owner_role: str | None) -> bool:
    """Whether ``member`` may run owner commands in the server they are in."""
    if not isinstance(member, discord.Member):
        return False  # no server, no server owner
    if owner_role:
        return any(owner_role in (role.name, str(role.id)) for role in member.roles)
    return member.guild_permissions.manage_guild


def owner_role(interaction: discord.Interaction[CitebotBot]) -> str | None:
    """The role that makes an owner where ``interaction`` happens (None: Manage Server)."""
    return interaction.client.server_settings(interaction.guild_id).owner_role


async def owner_only(interaction: discord.Interaction[CitebotBot]) -> bool:
    role = owner_role(interaction)
    if is_owner(interaction.user, role):
        return True
    raise NotOwner(f"Only members with {render.owners(role)} can do that.")


class AdminCog(commands.Cog, name="Admin"):
    """Commands that change what the bot serves, and data deletion on request."""

    def __init__(self, bot: CitebotBot) -> None:
        self.bot = bot

    @app_commands.command(name="reload", description="Open the index again after a rebuild.")
    @app_commands.check(owner_only)
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            changed = await self.bot.service.reload(interaction.guild_id)
            info = await self.bot.service.info(interaction.guild_id)
        except NoLibrary:
            await send_ephemeral(interaction, render.NO_LIBRARY)
            return
        state = "Opened the rebuilt index" if changed else "The index has not changed"
        log.info("/reload by %s: %s", interaction.user.id, state)
        await interaction.followup.send(
            render.message_text(
                f"{state}: {info.articles} articles, {info.passages} passages "
                f"(built {info.built_at})."
            ),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @app_commands.command(
        name="stats", description="What was asked, answered and voted down (owners only)."
    )
    @app_commands.describe(days="The last how many days (default 30)")
    @app_commands.check(owner_only)
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report, chart = await asyncio.to_thread(self._stats, days, interaction.guild_id)
        await interaction.followup.send(
            embed=render.stats_embed(report),
            file=discord.File(io.BytesIO(chart), filename=render.STATS_CHART),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    def _stats(self, days: int, guild_id: int | None) -> tuple[Report, bytes]:
        """The figures of server ``guild_id`` and their chart, in a worker thread: both read
        the disk, and drawing is CPU work. Declined questions are not grouped here (`citebot
        report` does)."""
        threshold = self.bot.server_settings(guild_id).threshold
        report = build_report(
            self.bot.settings.store.path, days, threshold=threshold, guild_id=guild_id
        )
        return report, stats_chart(report)

    @app_commands.command(
        name="forget", description="Delete the feedback and questions I stored from you."
    )
    async def forget(self, interaction: discord.Interaction) -> None:
        deleted = await self.bot.service.run(self.bot.feedback.forget, interaction.user.id)
        await send_ephemeral(
            interaction,
            f"Deleted {deleted.feedback} feedback rows and {deleted.questions} logged questions "
            "of yours.",
        )


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(AdminCog(bot))
