"""Test helpers for the bot: a small library, settings for a bot that never connects, and fakes.

dpytest (0.7.0) drives messages and mentions. It has no application commands, so slash commands,
the context menu and buttons get a thin fake ``discord.Interaction`` that records what the bot
sent, with the same keyword parameters as discord.py's (``test_fakes_match_discord_py`` checks).
``invoke`` and ``click`` run a command or a button the way discord.py does: checks first, errors
to the tree's or the view's error handler.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import discord
import discord.ext.test as dpytest
from discord import app_commands
from discord.ext.test import backend

from bot import Settings
from bot.client import CitebotBot
from index import Article, EngineConfig, Hit, Passage, Span
from insights import StoreConfig

TREATY = [
    "Armenia and Azerbaijan have fought over Nagorno-Karabakh since the Soviet Union broke up. "
    "The region is inside Azerbaijan's borders but was run by ethnic Armenians.",
    "Armenia is a member of the Collective Security Treaty Organization. Russia has a defense "
    "pact with Armenia that obliges Moscow to help if Armenia itself is attacked. The pact does "
    "not cover Nagorno-Karabakh, which is why Russia has stayed out of the fighting so far.",
    "Turkey backs Azerbaijan openly. Turkish drones have given Azerbaijani forces an edge in the "
    "mountains, according to military analysts.",
]
# A second source on the defense pact, so that the question has "Other sources" to page to.
ALLIES = [
    "Russia is Armenia's main military ally. Under a mutual defense treaty, Russia keeps troops "
    "at a base in Gyumri and has promised to defend Armenia against attack.",
    "Armenia also buys most of its weapons from Russia at discounted prices.",
]
BREAD = [
    "A sourdough starter is a mix of flour and water that wild yeast and bacteria ferment. It "
    "must be fed every day to stay active.",
    "Bakers let the dough rise slowly in a cool place overnight. The long fermentation gives "
    "sourdough bread its sour taste and open crumb.",
]


ARTICLES = [
    {
        "title": "Why Russia stays out of the Karabakh war",
        "author": "Ann Reporter",
        "date": "2020-10-07",
        "source": "Example News",
        "url": "https://example.com/karabakh",
        "paragraphs": TREATY,
    },
    {"title": "Baking sourdough", "author": "Ben Baker", "paragraphs": BREAD},
    {
        "title": "Armenia's allies",
        "author": "Cal Analyst",
        "date": "2021-03-01",
        "paragraphs": ALLIES,
    },
]


def write_articles(path: Path, articles: list[dict[str, Any]]) -> Path:
    """A JSON Lines library, one article a line: a module-wide index needs no function fixture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(a) for a in articles) + "\n", encoding="utf-8")
    return path


def bot_settings(
    engine: EngineConfig,
    folder: Path,
    *,
    log_questions: bool = False,
    retention_days: int = 30,
    **changes: Any,
) -> Settings:
    """Settings for a bot that never connects: no sync, one process, no limits unless asked.
    Its feedback database is ``folder/feedback.sqlite3``."""
    settings = Settings(
        engine=engine,
        store=StoreConfig(folder / "feedback.sqlite3", log_questions, retention_days),
        sync_commands=False,
        sharded=False,  # dpytest does not support AutoShardedClient
        cooldown=0,
        channel_limit=0,
        reload_interval=60,
    )
    return replace(settings, **changes)


# --- records, for the render tests ----------------------------------------------------------


def sentences_of(text: str) -> tuple[Span, ...]:
    """Sentence spans the way the engine gives them: each sentence without the space after it."""
    return tuple(Span(m.start(), m.end()) for m in re.finditer(r"[^.!?]+[.!?]", text))


def make_hit(
    text: str,
    answer_index: int = 0,
    *,
    score: float = 0.83,
    title: str = "Why Russia stays out",
    url: str | None = "https://example.com/a",
    **article: str | None,
) -> Hit:
    spans = sentences_of(text)
    passage = Passage(
        id=5, article_id=1, paragraph=2, text=text, start=0, end=len(text), sentences=spans
    )
    meta = {"author": "Ann Reporter", "date": "2020-10-07", "source": "Example News", **article}
    return Hit(
        passage,
        Article(
            1,
            "a.md",
            "a.md",
            title,
            url=url,
            content_hash="h",
            paragraph_count=7,
            passage_count=7,
            **meta,
        ),
        score,
        spans[answer_index],
    )


# --- dpytest ---------------------------------------------------------------------------------


async def configure_dpytest(bot: CitebotBot, guilds: int = 1) -> None:
    """Connect ``bot`` to dpytest's fake Discord (``guilds`` servers, a text channel each), with
    the fixes machine-notes.md describes."""
    # A mention of the bot resolves in dpytest only with the members intent and its cache.
    bot._connection._intents.members = True
    bot._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(
        bot._connection._intents
    )
    dpytest.configure(bot, guilds=guilds)
    # `async with channel.typing()` needs the fake state's loop.
    backend.get_state().loop = asyncio.get_running_loop()


# --- fake interactions -----------------------------------------------------------------------


@dataclass
class Sent:
    """One thing the bot sent through an interaction, as the user would get it."""

    kind: str  # defer, message, followup, edit
    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    ephemeral: bool = False
    allowed_mentions: discord.AllowedMentions | None = None
    file: discord.File | None = None


class FakeMessage:
    """What ``followup.send(wait=True)`` returns: a message the bot can edit later."""

    _ids = itertools.count(1)

    def __init__(self, record: list[Sent]) -> None:
        self.id = next(self._ids)
        self._record = record

    async def edit(
        self,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> FakeMessage:
        self._record.append(Sent("edit", content, embed, view, False, allowed_mentions))
        return self


class FakeResponse:
    def __init__(self, record: list[Sent]) -> None:
        self._record = record
        self._done = False

    def is_done(self) -> bool:
        return self._done

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._done = True
        self._record.append(Sent("defer", ephemeral=ephemeral))

    async def send_message(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> None:
        self._done = True
        self._record.append(Sent("message", content, embed, view, ephemeral, allowed_mentions))

    async def edit_message(
        self,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> None:
        self._done = True
        self._record.append(Sent("edit", content, embed, view, False, allowed_mentions))


class FakeFollowup:
    def __init__(self, record: list[Sent]) -> None:
        self._record = record

    async def send(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
        allowed_mentions: discord.AllowedMentions | None = None,
        wait: bool = False,
        file: discord.File | None = None,
    ) -> FakeMessage | None:
        self._record.append(
            Sent("followup", content, embed, view, ephemeral, allowed_mentions, file)
        )
        return FakeMessage(self._record) if wait else None


def fake_member(user_id: int, *, manage_guild: bool = False, roles: tuple[str, ...] = ()) -> Any:
    """A server member (specced on ``discord.Member``, so unknown attributes fail)."""
    member = MagicMock(spec=discord.Member)
    member.id = user_id
    member.bot = False
    member.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    member.roles = [MagicMock(spec=discord.Role, id=900 + i, name=n) for i, n in enumerate(roles)]
    for role, name in zip(member.roles, roles, strict=True):
        role.name = name
    return member


@dataclass
class FakeInteraction:
    """The parts of ``discord.Interaction`` the bot uses, recording every reply in ``sent``."""

    client: CitebotBot
    user: Any = field(default_factory=lambda: fake_member(1001))
    guild_id: int | None = 42
    channel_id: int = 7
    data: dict[str, Any] = field(default_factory=dict)
    type: discord.InteractionType = discord.InteractionType.application_command
    command: Any = None
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.response = FakeResponse(self.sent)
        self.followup = FakeFollowup(self.sent)
        self.channel = discord.Object(id=self.channel_id)

    async def edit_original_response(
        self,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> FakeMessage:
        self.sent.append(Sent("edit", content, embed, view, False, allowed_mentions))
        return FakeMessage(self.sent)

    @property
    def last(self) -> Sent:
        """The last thing the user got (a defer is not something they read)."""
        return next(s for s in reversed(self.sent) if s.kind != "defer")


async def invoke(
    bot: CitebotBot, name: str, interaction: FakeInteraction, /, **params: Any
) -> FakeInteraction:
    """Run a slash command as the tree does: checks, the callback, errors to ``on_error``.

    ``name`` may name a group's command: "library add"; ``params`` may hold a ``name`` of its
    own (``/settings set name:…``).
    """
    group, *sub = name.split()
    command = bot.tree.get_command(group)
    if sub:
        assert isinstance(command, app_commands.Group), group
        command = command.get_command(sub[0])
    assert isinstance(command, app_commands.Command), name
    interaction.command = command
    try:
        for check in command.checks:
            if not await discord.utils.maybe_coroutine(check, interaction):
                raise app_commands.CheckFailure(name)
        await command.callback(command.binding, interaction, **params)
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)
    except Exception as error:
        await bot.tree.on_error(interaction, app_commands.CommandInvokeError(command, error))
    return interaction


def MagicMessage(content: str) -> Any:
    """A message the "Ask citebot" menu is run on (specced on ``discord.Message``)."""
    message = MagicMock(spec=discord.Message)
    message.content = content
    return message


async def ask_menu(bot: CitebotBot, interaction: FakeInteraction, message: Any) -> FakeInteraction:
    """Run the "Ask citebot" message menu on ``message``."""
    menu = bot.tree.get_command("Ask citebot", type=discord.AppCommandType.message)
    assert isinstance(menu, app_commands.ContextMenu)
    interaction.command = menu
    await menu.callback(interaction, message)
    return interaction


async def click(
    view: discord.ui.View, button: discord.ui.Button[Any], interaction: FakeInteraction
) -> FakeInteraction:
    """Click ``button`` as discord.py dispatches it: the view's check, then the callback."""
    interaction.type = discord.InteractionType.component
    interaction.data = {"custom_id": button.custom_id, "component_type": 2}
    if await view.interaction_check(interaction):
        try:
            await button.callback(interaction)
        except Exception as error:
            await view.on_error(interaction, error, button)
    return interaction


# --- /healthz and /metrics -------------------------------------------------------------------


async def http_get(bot: CitebotBot, path: str) -> tuple[int, str, str]:
    """GET ``path`` from the bot's monitor server, as a scraper would: status, type, body."""
    import aiohttp

    assert bot.monitor is not None, "the bot serves no metrics (metrics_port not set)"
    url = f"http://127.0.0.1:{bot.monitor.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


def sample(exposition: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus text page (0 when the series is absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0
