"""``citebot run``: read the settings, start the bot, stop it cleanly.

User mistakes (no token, a bad setting, no index) end as one line on stderr with exit status 2,
never a traceback, and never with the token in it. SIGINT and SIGTERM close the bot, which lets
questions in flight finish and closes the index, then exit 0. Logging is set up once, by the CLI.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import replace

import discord

from bot import Settings, create_bot
from bot.settings import TOKEN_SETTING
from index import CitebotError, EngineConfig
from index.config import environment


def run(engine: EngineConfig | None = None) -> int:
    """Run the bot until it is stopped; ``engine`` overrides the index settings (CLI flags)."""
    try:
        settings = Settings.from_env(environment())
        if engine is not None:
            settings = replace(settings, engine=engine)
        token = settings.check_token()
        asyncio.run(_serve(settings, token))
    except discord.LoginFailure:
        return _fail(
            f"Discord refused the token in {TOKEN_SETTING}: reset it on the Bot page of the "
            "developer portal and put the new one in .env."
        )
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "CITEBOT_PREFIX_COMMANDS needs the Message Content intent: turn it on in the "
            "developer portal (Bot → Privileged Gateway Intents) or turn prefix commands off."
        )
    except CitebotError as error:
        return _fail(str(error))
    return 0


async def _serve(settings: Settings, token: str) -> None:
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
