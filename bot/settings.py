"""The bot's settings, read once from the environment and passed down as one frozen value.

Everything the bot can be told lives here, so a typo in ``.env`` fails at start-up with one line
naming the setting, not minutes later inside a command. The token is a ``SecretStr``, so that no
log line, ``repr`` or traceback can show it.

``Settings`` is the value the bot uses; ``BotSettings`` is how the environment spells it (read
with pydantic-settings, as ``index.config`` explains). A new setting is a field on each: its
default and reason on ``Settings``, its type and limits on ``BotSettings``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
)
from pydantic_settings import NoDecode

from guilds import ServerSettings
from index import EngineConfig
from index.config import EnvSettings, SettingsError
from insights import StoreConfig

__all__ = ["TOKEN_SETTING", "BotSettings", "Secret", "Settings", "SettingsError"]

TOKEN_SETTING = "DISCORD_TOKEN"  # noqa: S105 (the name of the setting, not a token)
# A bot token is three base64url parts joined by dots; anything else is a copy-paste mistake.
_TOKEN_SHAPE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")

Secret = SecretStr
"""The token's type: ``str``/``repr`` print stars, ``get_secret_value()`` returns it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """How the bot runs. Defaults suit one small server; ``.env.example`` documents each."""

    token: SecretStr = field(default_factory=lambda: SecretStr(""))
    engine: EngineConfig = field(default_factory=EngineConfig)
    # The feedback database, and whether (and how long) questions are logged in it.
    store: StoreConfig = field(default_factory=StoreConfig)
    # Seconds a user waits between two questions (0 turns the cooldown off).
    cooldown: float = 10.0
    # Questions a channel may ask per minute, whoever asks (0 = no limit): keeps one busy
    # channel from starving the others of the model's few threads.
    channel_limit: int = 20
    # Channel ids the bot answers in; empty means every channel it can see.
    channels: frozenset[int] = frozenset()
    # Role (name or id) allowed to run owner commands; without one, Manage Server is needed.
    owner_role: str | None = None
    # Whether mentioning the bot asks it a question (slash commands and DMs work either way;
    # each server may turn it off in /settings).
    mentions: bool = True
    # Sync slash commands to this guild only: instant while developing (global sync takes time).
    guild_id: int | None = None
    allow_dms: bool = True
    # Servers without a library of their own: "fallback" answers them from the shared library,
    # "off" tells them none is set up yet (a public bot whose shared library is the host's own).
    shared_library: Literal["fallback", "off"] = "fallback"
    # `!ask` needs the privileged Message Content intent, so it is off unless asked for.
    prefix_commands: bool = False
    prefix: str = "!"
    # AutoShardedBot asks Discord how many shards to run: one for a small bot, more when needed.
    sharded: bool = True
    # A search slower than this answers "taking too long" instead of leaving the user waiting.
    search_timeout: float = 20.0
    # Threads that run searches; the model itself uses ``engine.threads`` inside each.
    workers: int = 2
    # Questions accepted at once (running or queued); beyond that they wait their turn.
    max_in_flight: int = 64
    # Seconds between checks for a rebuilt index.
    reload_interval: float = 5.0
    # Minutes between two syncs of the library's feeds (0: never, `citebot feeds sync` only).
    feed_interval: float = 30.0
    # Buttons under an answer stop working after this many seconds.
    view_timeout: float = 600.0
    # Register slash commands with Discord on start; tests and offline checks turn it off.
    sync_commands: bool = True
    # Serve /healthz and /metrics on this port (None: no server, the default; 0: any free port).
    metrics_port: int | None = None
    # Loopback only unless asked: the pages are for the operator's monitoring.
    metrics_host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, env: Mapping[str, str], **engine_overrides: object) -> Settings:
        """Read ``DISCORD_TOKEN`` and ``CITEBOT_*``; raise ``SettingsError`` naming a bad one."""
        engine = EngineConfig.from_env(env, **engine_overrides)
        store = StoreConfig.from_env(env)
        return cls(engine=engine, store=store, **BotSettings.read(env).model_dump())

    def server_defaults(self) -> ServerSettings:
        """What a server's owners can change with ``/settings``, as these settings have it:
        every server starts from them."""
        return ServerSettings(
            channels=self.channels,
            threshold=self.engine.retrieval.threshold,
            cooldown=self.cooldown,
            channel_limit=self.channel_limit,
            mentions=self.mentions,
            owner_role=self.owner_role,
        )

    def check_token(self) -> str:
        """The raw token, or ``SettingsError`` naming ``DISCORD_TOKEN`` (never showing it)."""
        token = self.token.get_secret_value()
        if not token:
            raise SettingsError(
                f"{TOKEN_SETTING} is not set: put the bot token from the Discord developer "
                "portal in .env (see .env.example)."
            )
        if not _TOKEN_SHAPE.fullmatch(token):
            raise SettingsError(
                f"{TOKEN_SETTING} does not look like a bot token: copy it again from the "
                "Bot page of the Discord developer portal."
            )
        return token


def _id(value: Any) -> Any:
    if isinstance(value, str) and not value.strip().isdigit():
        raise ValueError("a Discord id is a number (Developer Mode → Copy ID)")
    return value


def _ids(value: Any) -> Any:
    """``111, 222``: the ids it lists."""
    if not isinstance(value, str):
        return value
    return frozenset(int(_id(part)) for part in value.split(",") if part.strip())


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


DiscordId = Annotated[PositiveInt, BeforeValidator(_id)]
DiscordIds = Annotated[frozenset[int], NoDecode, BeforeValidator(_ids)]
Token = Annotated[SecretStr, BeforeValidator(_strip)]

_DEFAULTS = Settings()


class BotSettings(EnvSettings):
    """The bot's variables, as ``Settings.from_env`` reads them (``.env.example``)."""

    token: Token = Field(_DEFAULTS.token, validation_alias=TOKEN_SETTING)
    cooldown: NonNegativeFloat = _DEFAULTS.cooldown
    channel_limit: NonNegativeInt = _DEFAULTS.channel_limit
    channels: DiscordIds = _DEFAULTS.channels
    owner_role: str | None = _DEFAULTS.owner_role
    mentions: bool = _DEFAULTS.mentions
    guild_id: DiscordId | None = _DEFAULTS.guild_id
    allow_dms: bool = _DEFAULTS.allow_dms
    shared_library: Literal["fallback", "off"] = _DEFAULTS.shared_library
    prefix_commands: bool = _DEFAULTS.prefix_commands
    prefix: str = _DEFAULTS.prefix
    sharded: bool = _DEFAULTS.sharded
    search_timeout: PositiveFloat = _DEFAULTS.search_timeout
    workers: PositiveInt = _DEFAULTS.workers
    reload_interval: PositiveFloat = _DEFAULTS.reload_interval
    feed_interval: NonNegativeFloat = _DEFAULTS.feed_interval
    metrics_port: Annotated[int, Field(ge=0, le=65535)] | None = _DEFAULTS.metrics_port
    metrics_host: Annotated[str, Field(min_length=1)] = _DEFAULTS.metrics_host
