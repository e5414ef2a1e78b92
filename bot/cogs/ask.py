"""Asking: ``/ask``, a mention of the bot, a direct message, ``!ask`` and the "Ask citebot" menu.

Every way in goes through the same gate (direct messages allowed? channel allowed? user cooldown,
channel rate: the server's own settings, ``/settings``) and the same ``answer`` call, so they
cannot drift apart. The answer comes from the library of the server asked in (``AnswerService``
picks it). Interactions are deferred
at once (Discord drops one not answered within 3 seconds); the search runs off the event loop.
Every question, refused or not, ends in ``_asked``: counted in ``/metrics`` and logged as one
line with its outcome, latency and index version (never its text unless asked).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.answering import NoLibrary, SearchTimeout
from bot.limits import RateLimit
from bot.views import CUSTOM_ID_PREFIX, AnswerView, Message, send_ephemeral
from index import Answer, IndexUnavailable, QuestionError
from insights import Asked, Outcome, Way

if TYPE_CHECKING:
    from bot.client import CitebotBot

log = logging.getLogger(__name__)

CHANNEL_WINDOW = 60.0
QUESTION_IN_LOG = 200  # characters of a question in its log line (CITEBOT_LOG_QUESTIONS=on)


@dataclass(slots=True)
class Reply:
    """What to send back: a line of text, or an embed with its buttons."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: AnswerView | None = None
    outcome: Outcome = "refused"
    answer: Answer | None = None
    version: str | None = None  # the index version of the library that answered

    @property
    def confidence(self) -> float | None:
        """The best passage's confidence (the closest one's when declined)."""
        best = self.answer.best if self.answer else None
        return best.score if best else None

    def send_kwargs(self) -> dict[str, Any]:
        content = render.message_text(self.content) if self.content is not None else None
        given = {"content": content, "embed": self.embed, "view": self.view}
        return {name: value for name, value in given.items() if value is not None}

    def sent_as(self, message: Message) -> None:
        """Tell the buttons which message they are under, so they can expire it."""
        if self.view is not None:
            self.view.message = message


class AskCog(commands.Cog, name="Asking"):
    """Questions in, quoted answers out."""

    # A click that no live view answered within this many seconds is on buttons from before a
    # restart (Discord allows 3 s for the first response).
    stale_after = 2.0

    def __init__(self, bot: CitebotBot) -> None:
        self.bot = bot
        self.user_limit = RateLimit()
        self.channel_limit = RateLimit()
        # Context menus cannot be declared inside a class; discord.py's documented way is to
        # build one here and add it to the tree.
        self.menu = app_commands.ContextMenu(name="Ask citebot", callback=self.ask_message)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(
        name="ask", description="Ask the library a question: I quote the passage that answers it."
    )
    @app_commands.describe(question="Your question, e.g. who signed the treaty?")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        await self._answer_interaction(interaction, question, "slash")

    async def ask_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Ask citebot" message menu: that message's text is the question."""
        await self._answer_interaction(interaction, message.content, "menu")

    @commands.command(name="ask")
    async def ask_prefix(self, ctx: commands.Context[CitebotBot], *, question: str) -> None:
        """``!ask ...``: only registered when prefix commands are turned on."""
        await self._answer_message(ctx.message, question, "prefix")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A mention of the bot, or any direct message, is a question."""
        me = self.bot.user
        if message.author.bot or me is None:
            return
        direct = message.guild is None
        if not direct and me.id not in message.raw_mentions:
            return
        if not direct and not self.bot.server_settings(message.guild.id).mentions:
            return  # the server's owners turned mentions off: /ask still answers
        if self.bot.settings.prefix_commands and (await self.bot.get_context(message)).valid:
            return  # `!ask` answers it
        if direct and not self.bot.settings.allow_dms:
            await message.reply(
                render.DMS_OFF, mention_author=False, allowed_mentions=render.NO_MENTIONS
            )
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not question:
            await message.reply(
                render.EMPTY_MENTION, mention_author=False, allowed_mentions=render.NO_MENTIONS
            )
            return
        await self._answer_message(message, question, "dm" if direct else "mention")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Say so when someone clicks buttons that no running view owns (from before a restart)."""
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        if interaction.type is not discord.InteractionType.component or not custom_id.startswith(
            CUSTOM_ID_PREFIX
        ):
            return
        await asyncio.sleep(self.stale_after)
        if not interaction.response.is_done():
            await send_ephemeral(interaction, render.VIEW_EXPIRED)

    async def answer(self, question: str, asker_id: int, guild_id: int | None) -> Reply:
        """The reply to ``question`` asked in ``guild_id`` (None: a direct message): the answer
        embed with its buttons, or a short line."""
        threshold = self.bot.server_settings(guild_id).threshold
        try:
            served = await self.bot.service.search_rendered(
                question, render.answer_embed, guild_id, threshold=threshold
            )
        except NoLibrary:
            return Reply(content=render.NO_LIBRARY)
        except QuestionError as error:
            return Reply(content=str(error))
        except SearchTimeout as error:
            log.warning("Gave up on a question: %s", error)
            return Reply(content=render.TOO_SLOW, outcome="timeout")
        except IndexUnavailable as error:
            log.error("Cannot answer: %s", error)
            return Reply(content=render.UNAVAILABLE, outcome="error")
        answer, embed, version = served.answer, served.rendered, served.version
        if not answer.answered:
            return Reply(embed=embed, outcome="declined", answer=answer, version=version)
        view = AnswerView(
            answer,
            library=served.library,
            guild_id=guild_id,
            service=self.bot.service,
            feedback=self.bot.feedback,
            asker_id=asker_id,
            metrics=self.bot.metrics,
            timeout=self.bot.settings.view_timeout,
        )
        return Reply(embed=embed, view=view, outcome="answered", answer=answer, version=version)

    def refusal(
        self, user_id: int, channel: discord.abc.Snowflake | None, guild_id: int | None
    ) -> str | None:
        """Why this user may not ask here and now, or None when they may."""
        direct = guild_id is None
        if direct and not self.bot.settings.allow_dms:
            return render.DMS_OFF
        settings = self.bot.server_settings(guild_id)
        channel_id = channel.id if channel else 0
        if not direct and settings.channels:
            here = {
                channel_id,
                getattr(channel, "parent_id", None),
            }  # a thread counts as its channel
            if not here & settings.channels:
                where = ", ".join(f"<#{c}>" for c in sorted(settings.channels))
                return f"I only answer questions in {where}."
        if wait := self.user_limit.hit((guild_id, user_id), 1, settings.cooldown):
            return f"Easy there: you can ask again in {math.ceil(wait)} s."
        if wait := self.channel_limit.hit(channel_id, settings.channel_limit, CHANNEL_WINDOW):
            return f"This channel is asking a lot right now: try again in {math.ceil(wait)} s."
        return None

    async def _asked(
        self,
        way: Way,
        question: str,
        asker: tuple[int, int | None],
        reply: Reply,
        started: float,
    ) -> None:
        """Count and log a question's outcome, and keep it when the owner asked for that;
        before its reply is sent, so that votes on the answer can point at the kept row."""
        seconds = time.perf_counter() - started
        self.bot.metrics.question(way, reply.outcome, seconds, reply.confidence)
        store = self.bot.settings.store
        version = reply.version
        confidence = reply.confidence
        # The text only when the owner logs questions anyway; repr keeps it on one line.
        asked = f", asked {question[:QUESTION_IN_LOG]!r}" if store.log_questions else ""
        # The server says whose library the index version is (each server has its own).
        log.info(
            "question via %s: %s in %.0f ms, confidence %s, index %s, server %s%s",
            way,
            reply.outcome,
            seconds * 1000,
            "-" if confidence is None else f"{confidence:.2f}",
            version or "-",
            asker[1] or "-",
            asked,
        )
        if not store.log_questions:
            return
        limit = self.bot.service.config.retrieval.max_question_chars
        record = Asked(
            question=reply.answer.question if reply.answer else question[:limit],
            way=way,
            outcome=reply.outcome,
            user_id=asker[0],
            guild_id=asker[1],
            seconds=seconds,
            hit=reply.answer.best if reply.answer else None,
            index_version=version,
        )
        try:
            question_id = await asyncio.to_thread(self.bot.feedback.log_question, record)
        except Exception:  # the user still gets the answer; the owner gets the traceback
            log.exception("Could not keep a question in the log")
            return
        if reply.view is not None:
            reply.view.question_id = question_id

    async def _answer_interaction(
        self, interaction: discord.Interaction, question: str, way: Way
    ) -> None:
        started = time.perf_counter()
        asker = (interaction.user.id, interaction.guild_id)
        refusal = self.refusal(asker[0], interaction.channel, asker[1])
        if refusal:
            await self._asked(way, question, asker, Reply(content=refusal), started)
            await send_ephemeral(interaction, refusal)
            return
        await interaction.response.defer(thinking=True)
        try:
            reply = await self.answer(question, *asker)
        except Exception:  # the tree's error handler apologises and logs the traceback
            await self._asked(way, question, asker, Reply(outcome="error"), started)
            raise
        await self._asked(way, question, asker, reply, started)
        sent = await interaction.followup.send(
            **reply.send_kwargs(), allowed_mentions=render.NO_MENTIONS, wait=True
        )
        reply.sent_as(sent)

    async def _answer_message(self, message: discord.Message, question: str, way: Way) -> None:
        """Answer as a reply to ``message``; a failure is logged and apologised for."""
        started = time.perf_counter()
        asker = (message.author.id, message.guild.id if message.guild else None)
        try:
            refusal = self.refusal(asker[0], message.channel, asker[1])
            if refusal:
                reply = Reply(content=refusal)
            else:
                async with message.channel.typing():
                    reply = await self.answer(question, *asker)
        except Exception:
            log.exception("Answering a message failed")
            reply = Reply(content=render.APOLOGY, outcome="error")
        await self._asked(way, question, asker, reply, started)
        sent = await message.reply(
            **reply.send_kwargs(), mention_author=False, allowed_mentions=render.NO_MENTIONS
        )
        reply.sent_as(sent)


async def setup(bot: CitebotBot) -> None:
    await bot.add_cog(AskCog(bot))
