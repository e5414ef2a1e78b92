"""citebot's Discord front end: build the bot with ``create_bot``, run it with ``citebot run``.

The bot is a thin adapter: it turns messages and slash commands into ``Library.search`` calls
and answers into embeds (``bot.render``). It never reaches into the engine beyond ``index``'s
public API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import Secret, Settings, SettingsError

if TYPE_CHECKING:
    from bot.client import CitebotBot
    from index import Embedder

__all__ = ["Secret", "Settings", "SettingsError", "create_bot"]


def create_bot(settings: Settings | None = None, *, embedder: Embedder | None = None) -> CitebotBot:
    """The configured bot, not yet connected.

    With no ``settings`` it reads the same environment and ``.env`` as ``citebot run``. Pass an
    ``embedder`` that is already loaded (tests, tools) to skip loading the model again.
    """
    from bot.client import CitebotBot, ShardedCitebotBot
    from index.config import environment

    settings = settings or Settings.from_env(environment())
    kind = ShardedCitebotBot if settings.sharded else CitebotBot
    return kind(settings, embedder=embedder)
