"""``/library``: owners add pages and files, remove articles and manage feeds from Discord.

The same owner check as ``/reload``; every command acts on the library of the server it is used
in (the first article added gives a server its own library). Replies are ephemeral (only the
owner sees them) and say what was added, with its title and passage count, or in one line why
not. Who added what is kept with each article's copy (``index list`` shows it) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import discord_limits as limits
from bot import render
from bot.cogs.admin import is_owner, owner_only, owner_role
from bot.markup import shown
from bot.views import ConfirmView, send_ephemeral
from index import CitebotError
from index.sources import check_upload
from index.stores import check_writable

if TYPE_CHECKING:
    from bot.client import CitebotBot

log = logging.getLogger(__name__)


def signature(user: discord.abc.User) -> str:
    """How an article's copy records who added it: the Discord user's id (stable) and name."""
    return f"discord:{user.id} ({user.name})"


class LibrarianCog(commands.Cog, name="Librarian"):
    """Changing the library from Discord."""

    library = app_commands.Group(
        name="library", description="Add or remove articles and feeds (owners only)."
    )

    def __init__(self, bot: CitebotBot) -> None:
        self.bot = bot

    @library.command(name="add", description="Add a web page (url) or an article file.")
    @app_commands.describe(url="An http(s) page to fetch", file="A .txt, .md, .html or .json file")
    @app_commands.check(owner_only)
    async def add(
        self,
        interaction: discord.Interaction,
        url: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        if (url is None) == (file is None):
            await send_ephemeral(interaction, "Give either a url or a file to add, one of them.")
            return
        try:  # what can be refused before asking anything or downloading a byte
            check_writable(self.bot.settings.engine)
            if file is not None:
                check_upload(file.filename, file.size)
        except CitebotError as error:
            await send_ephemeral(interaction, render.change_error(error))
            return
        # Deferred before anything that may wait (a worker slot, Qdrant): Discord gives 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self._asked_first(interaction, partial(self._add, url=url, file=file)):
            await self._add(interaction, url, file)

    async def _asked_first(
        self,
        interaction: discord.Interaction,
        proceed: Callable[[discord.Interaction], Awaitable[None]],
    ) -> bool:
        """Where the server is answered from the shared library, the change would give it a
        library of its own: ask first (``proceed`` runs on yes) and say True; else False."""
        server = interaction.guild_id
        if self.bot.settings.engine.read_only or not await self.bot.service.borrows_shared(server):
            return False  # (a read-only host refuses the change itself, in one line)
        view = ConfirmView(
            proceed,
            label=render.FIRST_ADD_CONFIRM,
            cancelled=render.NOTHING_ADDED,
            guild_id=server,
            timeout=self.bot.settings.view_timeout,
        )
        view.message = await interaction.followup.send(
            render.FIRST_ADD,
            view=view,
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
            wait=True,
        )
        return True

    async def _add(
        self,
        interaction: discord.Interaction,
        url: str | None,
        file: discord.Attachment | None,
    ) -> None:
        """Add the page or file to the server's library and say what was added (the
        interaction is answered already)."""
        who, server = signature(interaction.user), interaction.guild_id
        had_library = await self.bot.service.has_own_library(server)
        try:
            if url is not None:
                change = await self.bot.librarian.add_url(server, url.strip(), who)
            else:
                assert file is not None
                change = await self.bot.librarian.add_file(
                    server, file.filename, await file.read(), who
                )
        except CitebotError as error:
            await send_ephemeral(interaction, render.change_error(error))
            return
        log.info("/library add by %s: %d articles", interaction.user.id, len(change.articles))
        text = render.change_text(change)
        if change.articles and not had_library:
            text = f"{text}\n{render.OWN_LIBRARY}"
        await send_ephemeral(interaction, text)

    @library.command(name="remove", description="Remove an article (by title, key or URL).")
    @app_commands.describe(article="Start typing its title; or its key or URL")
    @app_commands.check(owner_only)
    async def remove(self, interaction: discord.Interaction, article: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            change = await self.bot.librarian.remove(
                interaction.guild_id, article, signature(interaction.user)
            )
        except CitebotError as error:
            await send_ephemeral(interaction, render.change_error(error))
            return
        text = render.change_text(change)
        if change.emptied:
            text = f"{text}\n{render.LIBRARY_EMPTIED}"
        await send_ephemeral(interaction, text)

    @remove.autocomplete("article")
    async def _articles(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Articles whose title or key holds what was typed; the choice's value is the key."""
        if not is_owner(interaction.user, owner_role(interaction)):
            return []  # the list of articles is for owners too
        if not await self.bot.service.has_own_library(interaction.guild_id):
            return []  # only a server's own articles can be removed from it
        wanted = current.casefold()
        found = [
            a
            for a in await self.bot.service.articles(interaction.guild_id)
            if wanted in a.title.casefold() or wanted in a.key.casefold()
        ]
        # A key longer than a choice's value allows cannot be offered: it can still be typed.
        offered = [a for a in found if len(a.key) <= limits.CHOICE_NAME][: limits.CHOICES]
        return [app_commands.Choice(name=render.choice_name(a), value=a.key) for a in offered]

    @library.command(name="feeds", description="List, add or remove the news feeds I follow.")
    @app_commands.describe(action="What to do", url="The feed's URL (for add and remove)")
    @app_commands.check(owner_only)
    async def feeds(
        self,
        interaction: discord.Interaction,
        action: Literal["list", "add", "remove", "sync"] = "list",
        url: str | None = None,
    ) -> None:
        if action in ("add", "remove") and not url:
            await send_ephemeral(interaction, f"Give the feed's url to {action} it.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The first sync of a feed would give a server on the shared library its own.
        following = partial(self._feeds, action=action, url=url)
        if action == "add" and await self._asked_first(interaction, following):
            return
        await self._feeds(interaction, action, url)

    async def _feeds(self, interaction: discord.Interaction, action: str, url: str | None) -> None:
        librarian, server = self.bot.librarian, interaction.guild_id
        try:
            if action == "add":
                assert url is not None
                feed = await librarian.follow(server, url.strip(), signature(interaction.user))
                text = f"Following {shown(feed.url, render.CHANGE_LINE)}."
            elif action == "remove":
                assert url is not None
                await librarian.unfollow(server, url.strip())
                text = f"No longer following {shown(url, render.CHANGE_LINE)}."
            elif action == "sync":
                text = render.change_text(await librarian.sync(server))
            else:
                text = render.feeds_text(await librarian.feeds(server))
        except CitebotError as error:
            text = render.change_error(error)
        await send_ephemeral(interaction, text)


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(LibrarianCog(bot))
