"""``citebot report``: the owner's report in the terminal (rich tables), as JSON, or as HTML.

The figures come from ``insights`` (the bot's ``/stats`` shows the same ones); this module only
lays them out. Questions, titles and keys are user and article text: shown as ``Text``, never
as rich markup (``cli.render.plain``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cli.render import plain
from guilds import GuildStore
from guilds.store import FILE as GUILDS_FILE
from index import CitebotError, Embedder, EngineConfig
from index.config import environment
from insights import Report, StoreConfig, build_report, headline
from insights.config import MAX_DAYS
from insights.html import render_html
from insights.report import BINS

BAR = 30  # characters of the longest bar in the confidence table


def add_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--since", type=int, default=30, metavar="DAYS", help="the last DAYS days (default 30)"
    )
    sub.add_argument(
        "--html", type=Path, metavar="FILE", help="also write the report with charts to FILE"
    )
    sub.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    sub.add_argument(
        "--db", type=Path, metavar="FILE", help="the feedback database (CITEBOT_FEEDBACK_DB)"
    )


def handle(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    if not 1 <= args.since <= MAX_DAYS:
        raise CitebotError(f"--since is a number of days, from 1 to {MAX_DAYS:,}.")
    store = StoreConfig.from_env(environment(), path=args.db)

    def model() -> Embedder:  # loaded only when there are declined questions to group
        return Embedder(config)

    report = build_report(
        store.path,
        args.since,
        embedder=model,
        threshold=_threshold(config),
        guild_id=config.server_id,  # --guild: that server's questions and votes only
    )
    if args.html:
        try:
            args.html.write_text(render_html(report), encoding="utf-8")
        except OSError as error:
            raise CitebotError(f"Cannot write {args.html} ({error.strerror}).") from None
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(console, report)
        if args.html:
            console.print(plain(f"Wrote the report with its charts to {args.html}"))
    return 0


def _threshold(config: EngineConfig) -> float:
    """The confidence the report's answers needed: with ``--guild``, the server's own
    (``/settings``) where it set one, else the host's."""
    if config.server_id is None or not (config.servers_root / GUILDS_FILE).is_file():
        return config.retrieval.threshold
    with GuildStore.open(config) as store:
        own = store.own_value(config.server_id, "threshold")
    return config.retrieval.threshold if own is None else float(own)


def print_report(console: Console, report: Report) -> None:
    console.print(f"[bold]citebot report[/] · the last {report.since_days} days")
    for note in report.notes:
        console.print(plain(note, "yellow"), soft_wrap=True)
    figures = Table(show_header=False, box=None)
    figures.add_column(style="bold")
    figures.add_column(justify="right")
    for name, value in headline(report):
        figures.add_row(name, value)
    console.print(figures)
    if report.days:
        console.print(_days(report), _confidence(report))
    if report.topics:
        console.print(_topics(report))
    if report.articles:
        console.print(_articles(report))
    if report.passages:
        console.print(_passages(report))


def _days(report: Report) -> Table:
    table = Table(title="Questions per day (UTC)", title_justify="left")
    for column in ("day", "answered", "declined", "other", "total"):
        table.add_column(column, justify="left" if column == "day" else "right")
    for day in report.days:
        answered, declined = day.outcomes["answered"], day.outcomes["declined"]
        other = day.total - answered - declined
        table.add_row(day.day, str(answered), str(declined), str(other), str(day.total))
    return table


def _confidence(report: Report) -> Table:
    title = "Confidence of the best passage"
    if report.threshold is not None:
        title += f" (answers from {report.threshold:.2f})"
    table = Table(title=title, title_justify="left")
    for column in ("confidence", "answered", "declined", ""):
        table.add_column(column, justify="left" if column in ("", "confidence") else "right")
    answered, declined = report.confidence["answered"], report.confidence["declined"]
    most = max([*answered, *declined, 1])
    for i in range(BINS):
        bar = "█" * round(BAR * answered[i] / most) + "░" * round(BAR * declined[i] / most)
        table.add_row(
            f"{i / BINS:.1f}–{(i + 1) / BINS:.1f}", str(answered[i]), str(declined[i]), bar
        )
    return table


def _topics(report: Report) -> Table:
    table = Table(
        title=f"Declined questions by topic ({report.declined_grouped}): articles to add",
        title_justify="left",
    )
    table.add_column("questions", justify="right")
    table.add_column("topic (its most central question)")
    table.add_column("words")
    table.add_column("also asked")
    for topic in report.topics:
        table.add_row(
            str(topic.questions),
            plain(topic.label),
            plain(", ".join(topic.words)),
            plain("\n".join(topic.examples)),
        )
    return table


def _articles(report: Report) -> Table:
    table = Table(title="Votes per article", title_justify="left")
    for column in ("article", "key", "👍", "👎"):
        table.add_column(column, justify="right" if column in ("👍", "👎") else "left")
    for article in report.articles:
        table.add_row(
            plain(article.title or ""), plain(article.key), str(article.up), str(article.down)
        )
    return table


def _passages(report: Report) -> Table:
    table = Table(title="Passages most often voted down", title_justify="left")
    for column in ("article", "paragraph", "👎", "👍", "voted down on"):
        table.add_column(column, justify="right" if column in ("paragraph", "👎", "👍") else "left")
    for passage in report.passages:
        table.add_row(
            plain(passage.title or passage.key),
            str(passage.paragraph),
            str(passage.down),
            str(passage.up),
            plain(passage.question),
        )
    return table
