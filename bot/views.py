"""The buttons under the bot's replies.

Views live as long as ``Settings.view_timeout``; then their buttons are disabled and the message
says so, because an answer's alternatives and context are held in memory and would be gone after
a restart anyway. A button that fails gives the user a short apology and logs the traceback.

A view belongs to the server its message was sent in, and every click is checked against it:
a view holds passages of that server's library, and no click from elsewhere may page them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import render
from bot.answering import AnswerService, SearchTimeout
from bot.metrics import Metrics
from index import Answer, Article, Hit, Passage
from index.servers import ServerId
from insights import Feedback, FeedbackStore, Vote

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "citebot:"
"""Every button's id starts with this, so a click on an expired view can be recognised."""

Message = discord.Message | discord.WebhookMessage


class ExpiringView(discord.ui.View):
    """A view that, on timeout, disables its buttons and edits its message to say so; it answers
    clicks from the server (or direct message) it was sent in only."""

    message: Message | None = None

    def __init__(self, *, guild_id: int | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.guild_id = guild_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id == self.guild_id:
            return True
        log.warning("A click from another server on a view of %s was refused", self.guild_id)
        await send_ephemeral(interaction, render.NOT_HERE)
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(
                content=render.VIEW_EXPIRED, view=self, allowed_mentions=render.NO_MENTIONS
            )
        except discord.HTTPException as error:  # deleted meanwhile, or the token expired
            log.debug("Could not mark expired buttons: %s", error)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        log.error("Button %r failed", getattr(item, "custom_id", item), exc_info=error)
        await send_ephemeral(interaction, render.APOLOGY)


class AnswerView(ExpiringView):
    """ "Other sources", "Show context" and 👍 / 👎 under an answer."""

    def __init__(
        self,
        answer: Answer,
        *,
        library: ServerId,
        guild_id: int | None,
        service: AnswerService,
        feedback: FeedbackStore,
        metrics: Metrics,
        asker_id: int,
        timeout: float,
    ) -> None:
        super().__init__(guild_id=guild_id, timeout=timeout)
        self.answer = answer
        self.library = library  # the library that answered, for "Show context"
        self.asker_id = asker_id
        self.page = 0
        self.context: tuple[list[Passage], list[Passage]] | None = None
        self._service = service
        self._feedback = feedback
        self._metrics = metrics
        # The question's row in the log (CITEBOT_LOG_QUESTIONS=on), for the votes to point at.
        self.question_id: int | None = None
        if len(render.hits(answer)) < 2:
            self.remove_item(self.other_sources)

    @property
    def hit(self) -> Hit:
        found = render.hits(self.answer)
        return found[self.page % len(found)]

    async def embed(self) -> discord.Embed:
        """The answer as it stands, rendered off the event loop (``bot.render`` is pure)."""
        return await asyncio.to_thread(render.answer_embed, self.answer, self.page, self.context)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Anyone here may vote; only the asker may change what the shared answer shows."""
        if not await super().interaction_check(interaction):
            return False
        custom_id = (interaction.data or {}).get("custom_id")
        votes = (self.vote_up.custom_id, self.vote_down.custom_id)
        if custom_id in votes or interaction.user.id == self.asker_id:
            return True
        await send_ephemeral(interaction, render.ONLY_ASKER)
        return False

    @discord.ui.button(
        label="Other sources", style=discord.ButtonStyle.secondary, custom_id="citebot:other"
    )
    async def other_sources(
        self, interaction: discord.Interaction, _button: discord.ui.Button[AnswerView]
    ) -> None:
        self.page += 1
        self.context = None
        self.show_context.label = "Show context"
        await interaction.response.edit_message(
            embed=await self.embed(), view=self, allowed_mentions=render.NO_MENTIONS
        )

    @discord.ui.button(
        label="Show context", style=discord.ButtonStyle.secondary, custom_id="citebot:context"
    )
    async def show_context(
        self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]
    ) -> None:
        if self.context is None:
            await interaction.response.defer()
            try:
                self.context = await self._service.context(self.library, self.hit)
            except SearchTimeout:
                await interaction.followup.send(
                    render.TOO_SLOW, ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
                return
            button.label = "Hide context"
            await interaction.edit_original_response(
                embed=await self.embed(), view=self, allowed_mentions=render.NO_MENTIONS
            )
        else:
            self.context = None
            button.label = "Show context"
            await interaction.response.edit_message(
                embed=await self.embed(), view=self, allowed_mentions=render.NO_MENTIONS
            )

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary, custom_id="citebot:up")
    async def vote_up(
        self, interaction: discord.Interaction, _button: discord.ui.Button[AnswerView]
    ) -> None:
        await self._vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary, custom_id="citebot:down")
    async def vote_down(
        self, interaction: discord.Interaction, _button: discord.ui.Button[AnswerView]
    ) -> None:
        await self._vote(interaction, "down")

    async def _vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        feedback = Feedback(
            self.answer.question,
            self.hit,
            vote,
            interaction.user.id,
            self.question_id,
            asker_id=self.asker_id,
            guild_id=self.guild_id,
        )
        await self._service.run(self._feedback.record, feedback)
        self._metrics.vote(vote)
        await send_ephemeral(interaction, render.FEEDBACK_THANKS)


class ConfirmView(ExpiringView):
    """Go on or cancel, for a change that cannot be taken back from Discord: ``proceed`` runs
    with the click's interaction (already answered) when the user goes on."""

    def __init__(
        self,
        proceed: Callable[[discord.Interaction], Awaitable[None]],
        *,
        label: str,
        cancelled: str,
        guild_id: int | None,
        timeout: float,
        going: str = render.ADDING,
    ) -> None:
        super().__init__(guild_id=guild_id, timeout=timeout)
        self._proceed = proceed
        self._cancelled = cancelled
        self._going = going  # what the message says while ``proceed`` works
        self.go_on.label = label

    @discord.ui.button(style=discord.ButtonStyle.danger, custom_id="citebot:confirm")
    async def go_on(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmView]
    ) -> None:
        self.stop()  # one click: the buttons go with this edit, and a second never runs it again
        await interaction.response.edit_message(
            content=self._going, view=None, allowed_mentions=render.NO_MENTIONS
        )
        await self._proceed(interaction)

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="citebot:cancel"
    )
    async def cancel(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmView]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=self._cancelled, view=None, allowed_mentions=render.NO_MENTIONS
        )


class SourcesView(ExpiringView):
    """◀ / ▶ through the list of indexed articles."""

    def __init__(self, articles: list[Article], *, guild_id: int | None, timeout: float) -> None:
        super().__init__(guild_id=guild_id, timeout=timeout)
        self.articles = articles
        self.page = 0
        if render.sources_pages(len(articles)) < 2:
            self.clear_items()

    async def embed(self) -> discord.Embed:
        """This page of the list, rendered off the event loop."""
        return await asyncio.to_thread(render.sources_embed, self.articles, self.page)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary, custom_id="citebot:prev")
    async def previous(
        self, interaction: discord.Interaction, _button: discord.ui.Button[SourcesView]
    ) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary, custom_id="citebot:next")
    async def next(
        self, interaction: discord.Interaction, _button: discord.ui.Button[SourcesView]
    ) -> None:
        await self._turn(interaction, 1)

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = (self.page + step) % render.sources_pages(len(self.articles))
        await interaction.response.edit_message(
            embed=await self.embed(), view=self, allowed_mentions=render.NO_MENTIONS
        )


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """A short reply only the user sees, whether or not the interaction was answered yet."""
    text = render.message_text(text)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=render.NO_MENTIONS)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )
