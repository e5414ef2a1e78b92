"""The bot itself: a ``commands.Bot`` whose ``setup_hook`` opens the library and loads the cogs.

It holds the things every cog needs (settings, the answer service, the feedback store, the
servers' own settings, the metrics) and nothing else; features live in ``bot/cogs``. With
``CITEBOT_METRICS_PORT`` set it also serves ``/healthz`` and ``/metrics`` (``bot.monitor``).
"""

from __future__ import annotations

import asyncio
import gc
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.answering import AnswerService
from bot.librarian import Librarian
from bot.metrics import Metrics, State
from bot.monitor import Gateway, MonitorServer
from bot.settings import Settings
from bot.views import send_ephemeral
from guilds import GuildStore, ServerSettings, purge_departed
from index import Embedder
from index.servers import server_ids
from insights import FeedbackStore

log = logging.getLogger(__name__)

PURGE_EVERY = 24 * 60 * 60.0  # seconds between two deletions of expired logged questions

EXTENSIONS = (
    "bot.cogs.ask",
    "bot.cogs.library",
    "bot.cogs.admin",
    "bot.cogs.librarian",
    "bot.cogs.settings",
)


class CitebotTree(app_commands.CommandTree["CitebotBot"]):
    """Every slash command's failure ends in a short reply, never in silence or a traceback."""

    async def on_error(
        self, interaction: discord.Interaction[CitebotBot], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            await send_ephemeral(interaction, str(error))
            return
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=getattr(error, "original", error))
        await send_ephemeral(interaction, render.APOLOGY)


class CitebotBot(commands.Bot):
    """citebot on Discord. Build it with ``bot.create_bot``."""

    service: AnswerService
    feedback: FeedbackStore
    guild_store: GuildStore
    librarian: Librarian

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        intents = discord.Intents.default()
        # Mentions and direct messages carry their text without this privileged intent;
        # only `!ask` in server channels needs it.
        intents.message_content = settings.prefix_commands
        super().__init__(
            # Without prefix commands no message is parsed as one (see on_message).
            command_prefix=settings.prefix if settings.prefix_commands else commands.when_mentioned,
            intents=intents,
            allowed_mentions=render.NO_MENTIONS,
            tree_cls=CitebotTree,
            help_command=None,
        )
        self.settings = settings
        # What a server without settings of its own gets (the host's .env).
        self.server_defaults = settings.server_defaults()
        self._embedder = embedder
        self.gateway = Gateway()
        self.metrics = Metrics(self.observed)
        self.monitor: MonitorServer | None = None
        self._purging: asyncio.Task[None] | None = None

    def observed(self) -> State:
        """What ``/healthz`` and ``/metrics`` report, read now."""
        service = getattr(self, "service", None)
        serving = service if service is not None and not service.closed else None
        shared = serving.shared if serving else None
        manifest = shared.snapshot.manifest if shared else None
        return State(
            gateway_connected=not self.is_closed()
            and self.gateway.connected(self.shard_count or 1),
            index_version=shared.snapshot.version.id if shared else None,
            passages=manifest.passages if manifest else 0,
            articles=manifest.articles if manifest else 0,
            loaded_at=service.loaded_at if service else 0.0,
            search_timeouts=service.timeouts if service else 0,
            # Closed, nothing answers; open, servers' own libraries open on demand.
            shared_required=serving is None or not server_ids(self.settings.engine),
            libraries_open=len(serving.pool.open_ids()) if serving else 0,
        )

    async def setup_hook(self) -> None:
        settings = self.settings
        self.service = await AnswerService.open(
            settings.engine,
            embedder=self._embedder,
            workers=settings.workers,
            max_in_flight=settings.max_in_flight,
            timeout=settings.search_timeout,
            shared_fallback=settings.shared_library == "fallback",
        )
        self.feedback = FeedbackStore(settings.store.path)
        self.guild_store = GuildStore.open(settings.engine)
        self.librarian = Librarian(
            self.service,
            settings.engine,
            self.metrics,
            serves=lambda guild_id: self.get_guild(guild_id) is not None,
        )
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if not settings.prefix_commands:
            self.remove_command("ask")
        # The model, the index and the modules live as long as the process. Frozen, they are
        # left out of the collector's full passes, which otherwise walk millions of objects
        # while holding the GIL: 0.4 to 0.9 s in which the event loop (and the gateway
        # heartbeat) could not run, measured in the middle of a burst of questions.
        gc.freeze()
        self.service.watch(settings.reload_interval)
        self.librarian.start(settings.feed_interval)
        await self.purge()
        self._purging = asyncio.create_task(self._purge_every(PURGE_EVERY), name="citebot-purge")
        if settings.metrics_port is not None:
            self.monitor = MonitorServer(self.metrics, self.observed)
            await self.monitor.start(settings.metrics_host, settings.metrics_port)
        if settings.sync_commands:
            await self._sync()

    def server_settings(self, guild_id: int | None) -> ServerSettings:
        """The settings in server ``guild_id`` (its own values over the host's); the host's in
        direct messages. From memory: every question asks."""
        if guild_id is None:
            return self.server_defaults
        return self.guild_store.settings(guild_id, self.server_defaults)

    async def purge(self) -> int:
        """Delete logged questions older than ``CITEBOT_RETENTION_DAYS`` (done at start and
        daily, whether or not questions are logged now: rows kept before still expire), and
        what is kept of servers the bot left longer ago than that; the questions deleted."""
        days = self.settings.store.retention_days
        deleted = await asyncio.to_thread(self.feedback.purge, days)
        if deleted:
            log.info("Deleted %d logged questions past their retention", deleted)
        gone = await asyncio.to_thread(
            purge_departed, self.settings.engine, self.guild_store, days, questions=self.feedback
        )
        for guild_id in gone:
            await self.service.forget(guild_id)
        return deleted

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: its library and settings are kept for the retention period
        (it may come back), then deleted by ``purge``."""
        days = self.settings.store.retention_days
        log.info("Removed from server %d; what is kept of it goes in %d days", guild.id, days)
        await asyncio.to_thread(self.guild_store.left, guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("Added to server %d", guild.id)
        await asyncio.to_thread(self.guild_store.joined, guild.id)

    async def _reconcile(self) -> None:
        """Servers left or joined while the bot was not running: what is kept of a server the
        bot is no longer in starts its retention now; one it is in is not to be deleted."""
        present = {guild.id for guild in self.guilds}

        def reconcile() -> None:
            kept = set(server_ids(self.settings.engine)) | set(self.guild_store.configured())
            for guild_id in filter(self._on_my_shards, kept - present):
                self.guild_store.left(guild_id)
            for guild_id in set(self.guild_store.departed()) & present:
                self.guild_store.joined(guild_id)

        await asyncio.to_thread(reconcile)

    def _on_my_shards(self, guild_id: int) -> bool:
        """Whether ``guild_id``'s events reach this process. A process running some of the
        shards (``shard_ids``, or one ``shard_id``) shares the servers folder with the others:
        a server it does not see is theirs, not one the bot left."""
        count = self.shard_count
        mine = getattr(self, "shard_ids", None)
        if mine is None and self.shard_id is not None:
            mine = [self.shard_id]
        if not count or mine is None:
            return True  # every shard runs here
        return (guild_id >> 22) % count in set(mine)  # Discord's rule for a server's shard

    async def _purge_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.purge()
            except Exception:  # try again tomorrow
                log.exception("Deleting expired questions failed")

    async def _sync(self) -> None:
        """Register the slash commands: one guild is instant while developing, global is not."""
        if self.settings.guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(id=self.settings.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        log.info("Synced %d application commands", len(synced))

    async def on_message(self, message: discord.Message) -> None:
        """Parse `!ask` only when turned on; mentions and DMs are the Asking cog's listener."""
        if self.settings.prefix_commands:
            await self.process_commands(message)

    async def on_command_error(
        self, ctx: commands.Context[CitebotBot], error: commands.CommandError
    ) -> None:
        """A prefix command's failure: unknown commands are other bots' business."""
        if isinstance(error, commands.CommandNotFound):
            return
        if isinstance(error, commands.UserInputError):
            await ctx.reply(
                render.message_text(
                    f"Ask like this: `{self.settings.prefix}ask who signed the treaty?`"
                ),
                mention_author=False,
                allowed_mentions=render.NO_MENTIONS,
            )
            return
        log.error("%s failed", ctx.command, exc_info=getattr(error, "original", error))
        await ctx.reply(render.APOLOGY, mention_author=False, allowed_mentions=render.NO_MENTIONS)

    async def on_ready(self) -> None:
        log.info("Logged in as %s in %d servers", self.user, len(self.guilds))
        await self._reconcile()

    # The gateway's events, for /healthz: a sharded bot follows each shard instead (below).
    async def on_connect(self) -> None:
        self.gateway.up()

    async def on_resumed(self) -> None:
        self.gateway.up()

    async def on_disconnect(self) -> None:
        self.gateway.down()

    async def close(self) -> None:
        """Finish the questions in flight and close the index before disconnecting."""
        if self.monitor is not None:
            await self.monitor.close()
        if self._purging is not None:
            self._purging.cancel()
        if hasattr(self, "service"):
            await self.librarian.close()  # a change in progress ends before the index closes
            await self.service.close()
            self.feedback.close()
            self.guild_store.close()
        await super().close()


class ShardedCitebotBot(CitebotBot, commands.AutoShardedBot):
    """The same bot, with discord.py running as many shards as Discord asks for."""

    # discord.py sends both events for a shard; the shard's own say which one.
    async def on_connect(self) -> None:
        pass

    async def on_resumed(self) -> None:
        pass

    async def on_disconnect(self) -> None:
        pass

    async def on_shard_connect(self, shard_id: int) -> None:
        self.gateway.up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.gateway.up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.gateway.down(shard_id)
