"""The bot's settings, read once from the environment and passed down as one frozen value.

Everything the bot can be told lives here, so a typo in ``.env`` fails at start-up with one line
naming the setting, not minutes later inside a command. The token is wrapped so that no log line,
``repr`` or traceback can show it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from index import CitebotError, EngineConfig

_T = TypeVar("_T")
_N = TypeVar("_N", int, float)

TOKEN_SETTING = "DISCORD_TOKEN"  # noqa: S105 (the name of the setting, not a token)
# A bot token is three base64url parts joined by dots; anything else is a copy-paste mistake.
_TOKEN_SHAPE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(CitebotError):
    """A setting has a value the bot cannot use; the message names the setting."""


class Secret:
    """A string that never shows itself: ``str``/``repr`` print ``***``, ``reveal()`` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


@dataclass(frozen=True, slots=True)
class Settings:
    """How the bot runs. Defaults suit one small server; ``.env.example`` documents each."""

    token: Secret = field(default_factory=lambda: Secret(""))
    engine: EngineConfig = field(default_factory=EngineConfig)
    # Seconds a user waits between two questions (0 turns the cooldown off).
    cooldown: float = 10.0
    # Questions a channel may ask per minute, whoever asks (0 = no limit): keeps one busy
    # channel from starving the others of the model's few threads.
    channel_limit: int = 20
    # Channel ids the bot answers in; empty means every channel it can see.
    channels: frozenset[int] = frozenset()
    # Role (name or id) allowed to run owner commands; without one, Manage Server is needed.
    owner_role: str | None = None
    # Sync slash commands to this guild only: instant while developing (global sync takes time).
    guild_id: int | None = None
    allow_dms: bool = True
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
    feedback_path: Path = Path("data/feedback.sqlite3")
    # Seconds between checks for a rebuilt index.
    reload_interval: float = 5.0
    # Minutes between two syncs of the library's feeds (0: never, `citebot feeds sync` only).
    feed_interval: float = 30.0
    # Buttons under an answer stop working after this many seconds.
    view_timeout: float = 600.0
    # Register slash commands with Discord on start; tests and offline checks turn it off.
    sync_commands: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str], **engine_overrides: object) -> Settings:
        """Read ``DISCORD_TOKEN`` and ``CITEBOT_*``; raise ``SettingsError`` naming a bad one."""
        defaults = cls()
        return cls(
            token=Secret(env.get(TOKEN_SETTING, "").strip()),
            engine=EngineConfig.from_env(env, **engine_overrides),
            cooldown=_read(env, "CITEBOT_COOLDOWN", _number(float, zero=True), defaults.cooldown),
            channel_limit=_read(
                env, "CITEBOT_CHANNEL_LIMIT", _number(int, zero=True), defaults.channel_limit
            ),
            channels=_read(env, "CITEBOT_CHANNELS", _ids, defaults.channels),
            owner_role=env.get("CITEBOT_OWNER_ROLE", "").strip() or None,
            guild_id=_read(env, "CITEBOT_GUILD_ID", _id, defaults.guild_id),
            allow_dms=_read(env, "CITEBOT_ALLOW_DMS", _flag, defaults.allow_dms),
            prefix_commands=_read(env, "CITEBOT_PREFIX_COMMANDS", _flag, defaults.prefix_commands),
            prefix=env.get("CITEBOT_PREFIX", "").strip() or defaults.prefix,
            sharded=_read(env, "CITEBOT_SHARDED", _flag, defaults.sharded),
            search_timeout=_read(
                env, "CITEBOT_SEARCH_TIMEOUT", _number(float, zero=False), defaults.search_timeout
            ),
            workers=_read(env, "CITEBOT_WORKERS", _number(int, zero=False), defaults.workers),
            feedback_path=_read(env, "CITEBOT_FEEDBACK_DB", Path, defaults.feedback_path),
            reload_interval=_read(
                env, "CITEBOT_RELOAD_INTERVAL", _number(float, zero=False), defaults.reload_interval
            ),
            feed_interval=_read(
                env, "CITEBOT_FEED_INTERVAL", _number(float, zero=True), defaults.feed_interval
            ),
        )

    def check_token(self) -> str:
        """The raw token, or ``SettingsError`` naming ``DISCORD_TOKEN`` (never showing it)."""
        token = self.token.reveal()
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


def _read(env: Mapping[str, str], name: str, parse: Callable[[str], _T], default: _T) -> _T:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return parse(value)
    except ValueError as error:
        raise SettingsError(f"{name}={value!r} is not valid: {error}") from None


def _number(kind: type[_N], *, zero: bool) -> Callable[[str], _N]:
    """A parser for a number that must be positive (or may be 0 when ``zero``: "turned off")."""

    def parse(value: str) -> _N:
        number = kind(value)
        if number < 0 or (number == 0 and not zero):
            raise ValueError("it must be 0 or more" if zero else "it must be greater than 0")
        return number

    return parse


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError("use on or off")


def _id(value: str) -> int:
    if not value.isdigit():
        raise ValueError("a Discord id is a number (Developer Mode → Copy ID)")
    return int(value)


def _ids(value: str) -> frozenset[int]:
    return frozenset(_id(part.strip()) for part in value.split(",") if part.strip())
