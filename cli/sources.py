"""``citebot index add/remove/list`` and ``citebot feeds``: the library's articles, wherever
they came from (files, pages, feeds), added and removed by the same engine calls the bot uses."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cli import render
from cli.progress import progress_bar
from index import CitebotError, EngineConfig, list_articles
from index.sources import (
    Copies,
    Intake,
    add_urls,
    feeds_of,
    fetcher,
    follow,
    is_url,
    remove,
    sync_feeds,
    unfollow,
)

MAX_URL_FILE_BYTES = 2**20  # a list of links; more than a megabyte of them is a mistake


def add_arguments(add: argparse.ArgumentParser, feeds: argparse.ArgumentParser) -> None:
    add.add_argument(
        "items", nargs="*", metavar="FILE|URL", help="article files, folders, or http(s) pages"
    )
    add.add_argument(
        "--from", dest="url_file", type=Path, metavar="FILE", help="a file of URLs, one a line"
    )
    feeds.add_argument("action", choices=("add", "list", "remove", "sync"))
    feeds.add_argument("url", nargs="?", help="the feed's URL (for add and remove)")


def who() -> str:
    """How the command line signs what it adds (the bot signs with the Discord user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (a container)
        return "cli"


def handle_add(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    urls = [item for item in args.items if is_url(item)]
    if args.url_file:
        urls += _read_urls(args.url_file)
    files = [Path(item) for item in args.items if not is_url(item)]
    if not (urls or files):
        raise CitebotError("Give article files, folders or URLs to add (or --from FILE).")
    with fetcher(config) as client, progress_bar(console) as progress:
        intake = add_urls(
            urls, config, fetcher=client, added_by=who(), files=files, progress=progress
        )
    _print_intake(console, intake)
    return 0 if intake.added else 1


def handle_remove(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    with progress_bar(console) as progress:
        report = remove(args.keys, config, progress=progress)
    render.print_report(console, report)
    return 0


def handle_list(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    copies = Copies(config.index_dir)
    articles = list_articles(config)
    origins = {a.key: origin.describe() for a in articles if (origin := copies.origin(a.path))}
    render.print_articles(console, articles, origins)
    return 0


def handle_feeds(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    if args.action in ("add", "remove") and not args.url:
        raise CitebotError(f"`citebot feeds {args.action}` takes the feed's URL.")
    if args.action == "sync":
        with fetcher(config) as client, progress_bar(console) as progress:
            intake = sync_feeds(config, fetcher=client, progress=progress)
        _print_intake(console, intake)
        return 0
    if args.action == "add":
        feed = follow(config, args.url, added_by=who())
        console.print(render.plain(f"Following {feed.url}: `citebot feeds sync` fetches it now."))
    elif args.action == "remove":
        unfollow(config, args.url)
        console.print(render.plain(f"No longer following {args.url}."))
    else:
        _print_feeds(console, feeds_of(config))
    return 0


def _read_urls(path: Path) -> list[str]:
    try:
        if path.stat().st_size > MAX_URL_FILE_BYTES:
            raise CitebotError(f"{path} is over {MAX_URL_FILE_BYTES // 2**20} MiB: not a URL list.")
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise CitebotError(f"Cannot read {path} ({error.strerror}).") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _print_intake(console: Console, intake: Intake) -> None:
    if intake.feeds is not None:
        for feed, outcome in intake.feeds.outcomes:
            console.print(render.plain(f"{feed}: {outcome}"), soft_wrap=True)
    if intake.report is not None:
        render.print_report(console, intake.report)
    elif not intake.failed:
        console.print("Nothing new to add.")
    failed = [(item.path, item.reason) for item in intake.failed]
    failed += intake.feeds.skipped if intake.feeds is not None else []
    if failed:
        table = Table(title=f"Not added: {render.count(len(failed), 'page')}", title_justify="left")
        table.add_column("URL", overflow="fold")
        table.add_column("why", overflow="fold")
        for url, why in failed:
            table.add_row(render.plain(url), render.plain(why))
        console.print(table)


def _print_feeds(console: Console, feeds: list) -> None:
    if not feeds:
        console.print("No feeds: add one with `citebot feeds add URL`.")
        return
    table = Table(title=render.count(len(feeds), "feed"), title_justify="left")
    for column in ("URL", "title", "added", "last sync", "last error"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        table.add_row(
            render.plain(feed.url),
            render.plain(feed.title or ""),
            render.plain(f"{feed.added_at[:10]} by {feed.added_by or '?'}"),
            render.plain(feed.last_sync or "never"),
            render.plain(feed.last_error or ""),
        )
    console.print(table)
