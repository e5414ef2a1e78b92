"""A Discord server's own settings and its membership: what its owners set with ``/settings``,
and when the bot left it, so that its library and data are deleted after the retention.

It stands on ``index`` alone (where a server's library lives, how it is deleted) and never
imports ``bot``, ``cli``, ``insights`` or discord: the bot reads a server's settings from here
on every question, and the CLI's ``citebot guilds`` lists and deletes servers from the host.
"""

from guilds.retention import Deleted, QuestionLog, delete_guild, purge_departed
from guilds.settings import SETTINGS, InvalidSetting, ServerSettings, parse
from guilds.store import GuildStore

__all__ = [
    "SETTINGS",
    "Deleted",
    "GuildStore",
    "InvalidSetting",
    "QuestionLog",
    "ServerSettings",
    "delete_guild",
    "parse",
    "purge_departed",
]
