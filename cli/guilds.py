"""``citebot guilds list`` and ``citebot guilds delete ID``: what this host keeps of each
Discord server (a library of its own, settings of its own, the date the bot left it), and
deleting all of it, as the bot does by itself ``CITEBOT_RETENTION_DAYS`` after leaving.

Deleting asks nothing, as ``index remove`` does not: it is run by the host, for one server named
by its id, and says what it deleted.
"""

from __future__ import annotations

import argparse
import contextlib

from rich.console import Console
from rich.table import Table

from cli import render
from guilds import GuildStore, delete_guild
from index import CitebotError, EngineConfig
from index.config import environment
from index.library import check_index
from index.servers import has_library, server_ids
from insights import FeedbackStore, StoreConfig


def add_arguments(delete: argparse.ArgumentParser) -> None:
    delete.add_argument("guild_id", type=int, metavar="ID", help="the server's id")


def handle_list(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    with GuildStore.open(config) as store:
        departed = store.departed()
        own = {guild_id: store.own(guild_id) for guild_id in store.configured()}
    ids = sorted({*server_ids(config), *own, *departed})
    if not ids:
        console.print("No server has a library or settings of its own here.")
        return 0
    table = Table(title=render.count(len(ids), "server"), title_justify="left")
    for column in ("server", "library", "settings of its own", "bot left"):
        table.add_column(column, overflow="fold")
    for guild_id in ids:
        table.add_row(
            str(guild_id),
            render.plain(_library(config.for_server(guild_id))),
            ", ".join(sorted(own.get(guild_id, ()))) or "none: the defaults",
            departed[guild_id].date().isoformat() if guild_id in departed else "",
        )
    console.print(table)
    return 0


def _library(config: EngineConfig) -> str:
    """A server's library in a few words: its size from the manifest (nothing is loaded)."""
    if not has_library(config):
        return "none"
    try:
        manifest = check_index(config)
    except CitebotError as error:
        return str(error)
    articles = render.count(manifest.articles, "article")
    return f"{articles}, {render.count(manifest.passages, 'passage')}"


def handle_delete(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    guild_id = args.guild_id
    log_path = StoreConfig.from_env(environment()).path
    with GuildStore.open(config) as store, contextlib.ExitStack() as stack:
        # No feedback database, no questions to delete: none is created for it.
        questions = (
            stack.enter_context(contextlib.closing(FeedbackStore(log_path)))
            if log_path.is_file()
            else None
        )
        deleted = delete_guild(config, store, guild_id, questions=questions)
    left = config.read_only and has_library(config.for_server(guild_id))
    kept = " (its library is left to the host that writes libraries: CITEBOT_READ_ONLY)"
    if not deleted.anything:
        raise CitebotError(
            f"Nothing of server {guild_id} was deleted{kept}."
            if left
            else f"Nothing of server {guild_id} is kept here: `citebot guilds list` shows the "
            "servers."
        )
    parts = ["its library"] if deleted.library else []
    parts += ["its settings"] if deleted.settings else []
    parts += [
        render.count(deleted.questions, "logged question"),
        render.count(deleted.votes, "vote"),
    ]
    console.print(f"Deleted server {guild_id}: {', '.join(parts)}{kept if left else ''}.")
    return 0
