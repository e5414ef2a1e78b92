"""``citebot``: build and query the index, chat in the terminal, run the bot.

Every command reads the same settings (environment, then ``.env``, then flags), reports user
errors as one line on stderr with exit status 2, and keeps tracebacks for real bugs.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from cli import bench, guilds, render, report, sources
from cli.progress import progress_bar
from index import (
    CitebotError,
    EngineConfig,
    QuestionError,
    build,
    merge,
    open_library,
)
from index.config import BACKENDS, DENSE_KINDS, environment
from index.errors import IndexMissing
from index.evaluation import (
    EvalResult,
    FileEvalResult,
    details,
    evaluate,
    evaluate_files,
    load_squad,
    load_tsv,
)
from index.library import check_index
from index.servers import has_library, server_ids

log = logging.getLogger("citebot")
SAMPLES = Path("samples")

Handler = Callable[[argparse.Namespace, EngineConfig, Console], int]
_Result = TypeVar("_Result", EvalResult, FileEvalResult)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    env = environment()
    setup_logging(args.verbose, env)
    console = Console(highlight=False)
    try:
        config = EngineConfig.from_env(
            env,
            index_dir=args.index_dir,
            model=args.model,
            backend=args.backend,
            threshold=getattr(args, "threshold", None),
            dense_index=getattr(args, "dense_index", None),
        ).for_server(_guild(getattr(args, "guild", None)))
        try:
            return args.handler(args, config, console)
        except IndexMissing as error:
            if config.server_id is None:
                raise
            raise IndexMissing(
                f"Server {config.server_id} has no library at {config.index_dir}: build one with "
                f"`citebot index build DIR --guild {config.server_id}`, or add articles from "
                "Discord with /library add."
            ) from error
    except CitebotError as error:
        # One error, one line, whatever the width: the last line of a log is the whole message.
        Console(stderr=True, highlight=False, soft_wrap=True).print(render.error_line(error))
        return 2
    except KeyboardInterrupt:
        return 130


def _guild(value: str | None) -> int | None:
    """The server whose library ``--guild`` names; None: the shared library.

    Read here rather than by argparse so that a bad value is one line, as a bad setting is.
    """
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and int(value) > 0):
        raise CitebotError(
            f"--guild={value!r} is not valid: it must be a Discord server's id (a positive "
            "whole number)."
        )
    return int(value)


def setup_logging(verbose: int, env: Mapping[str, str]) -> None:
    """The one logging set-up of every citebot process (the bot runs through ``citebot run``)."""
    level = {0: env.get("CITEBOT_LOG_LEVEL", "WARNING"), 1: "INFO"}.get(verbose, "DEBUG")
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Libraries that narrate every model load at INFO.
    for noisy in ("sentence_transformers", "httpx", "bm25s", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", type=Path, help="index directory (CITEBOT_INDEX_DIR)")
    common.add_argument("--model", help="sentence-transformers model name or path")
    common.add_argument("--backend", choices=BACKENDS, help="how the model runs (CITEBOT_BACKEND)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    # The commands that act on one library: the shared one, or a server's own.
    one_library = argparse.ArgumentParser(add_help=False, parents=[common])
    one_library.add_argument(
        "--guild",
        metavar="ID",
        help="act on this Discord server's own library (in CITEBOT_SERVERS_DIR) instead of "
        "the shared one",
    )

    parser = argparse.ArgumentParser(
        prog="citebot", description="Answer questions about a library of articles, with sources."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    command = _Sub(commands, common)
    library_command = _Sub(commands, one_library)

    index = commands.add_parser("index", help="build and change the index")
    index_commands = index.add_subparsers(required=True, metavar="COMMAND")
    index_command = _Sub(index_commands, one_library)
    sub = index_command("build", _build, "(re)build the index from folders or files")
    sub.add_argument("sources", nargs="+", type=Path, metavar="DIR")
    sub.add_argument(
        "--dense-index",
        choices=DENSE_KINDS,
        help="FAISS index kind (CITEBOT_DENSE_INDEX; auto: exact below 50,000 passages)",
    )
    add_command = index_command(
        "add", sources.handle_add, "add or update articles (files or web pages) in place"
    )
    sub = index_command("remove", sources.handle_remove, "remove articles by key, path or URL")
    sub.add_argument("keys", nargs="+", metavar="ARTICLE")
    index_command("info", _info, "what is indexed: counts, model, size, build time")
    index_command("list", sources.handle_list, "the indexed articles, their keys and origins")
    feeds = library_command(
        "feeds",
        sources.handle_feeds,
        "follow news feeds: add, list, remove, sync (fetch new items)",
    )
    sources.add_arguments(add_command, feeds)
    command(
        "health",
        _health,
        "exit 0 when the settings read and the index opens for its model (no model load: "
        "the container's health check)",
    )
    index_command("merge", _merge, "merge the index's segments into one (no model time)")

    servers = commands.add_parser(
        "guilds", help="the Discord servers' own libraries and settings: list, delete"
    )
    servers_command = _Sub(servers.add_subparsers(required=True, metavar="COMMAND"), common)
    servers_command(
        "list",
        guilds.handle_list,
        "the servers with a library or settings of their own, and when the bot left them",
    )
    sub = servers_command(
        "delete",
        guilds.handle_delete,
        "delete a server's library, settings, logged questions and votes (asks nothing)",
    )
    guilds.add_arguments(sub)

    sub = library_command("ask", _ask, "answer one question with the best passage and its source")
    sub.add_argument("question")
    sub.add_argument("--json", action="store_true", help="print the answer as JSON")
    sub.add_argument("--threshold", type=float, help="confidence needed to answer")
    sub = library_command(
        "chat", _chat, "ask questions in the terminal until an empty line or Ctrl-D"
    )
    sub.add_argument("--threshold", type=float, help="confidence needed to answer")
    sub = command(
        "eval",
        _eval,
        "score retrieval on a SQuAD v1.1 question set, or end to end on article files "
        "(--articles DIR --questions FILE.tsv)",
    )
    sub.add_argument("file", type=Path, metavar="FILE", nargs="?", help="a SQuAD v1.1 JSON file")
    sub.add_argument(
        "--articles",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="article files or folders, built as `index build` does (into --index-dir, or a "
        "temporary folder)",
    )
    sub.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        metavar="TSV",
        help="files of question<TAB>answer lines, for --articles (answer `-`: should be declined)",
    )
    sub.add_argument("--details", type=Path, metavar="FILE", help="write per-question rows (JSON)")
    sub.add_argument("--json", action="store_true", help="print the result as one JSON object")
    sub.add_argument("--threshold", type=float, help="confidence needed to answer")
    out_of_library = sub.add_mutually_exclusive_group()
    out_of_library.add_argument(
        "--unanswerable",
        type=Path,
        metavar="OTHER",
        help="also ask OTHER's questions, whose articles are not indexed: they should be declined",
    )
    out_of_library.add_argument(
        "--split",
        action="store_true",
        help="index every other article of FILE and ask the rest's questions as unanswerable",
    )
    sub = library_command(
        "report",
        report.handle,
        "what was asked, answered and voted down, and what the library lacks (from the feedback "
        "database; questions need CITEBOT_LOG_QUESTIONS=on)",
    )
    report.add_arguments(sub)
    sub = command("bench", bench.handle, "measure build and answer speed (docs/benchmarks.md)")
    bench.add_arguments(sub)
    command("run", _run, "run the Discord bot (needs DISCORD_TOKEN)")
    sub = command(
        "start",
        _start,
        "what `make run` does: build the sample library if there is no index, then run the "
        "bot when DISCORD_TOKEN is set, otherwise chat in the terminal",
    )
    sub.add_argument("--library", type=Path, default=SAMPLES, help="articles to build from")
    return parser


class _Sub:
    """Adds a subcommand that shares the common flags."""

    def __init__(
        self, commands: argparse._SubParsersAction, common: argparse.ArgumentParser
    ) -> None:
        self._commands = commands
        self._common = common

    def __call__(self, name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        sub = self._commands.add_parser(name, parents=[self._common], help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub


def _build(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    with progress_bar(console) as progress:
        report = build(args.sources, config, progress=progress)
    render.print_report(console, report)
    return 0 if report.articles else 1


def _info(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    render.print_info(console, open_library(config).info())
    return 0


def _merge(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    merged = merge(config, everything=True)
    console.print(
        f"Merged {merged} segments into one." if merged else "Nothing to merge: one segment."
    )
    return 0


def _health(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    try:
        manifest = check_index(config)
    except IndexMissing:
        # A bot serving only servers' own libraries (CITEBOT_SHARED_LIBRARY=off) needs none.
        servers = len(server_ids(config))
        if not servers:
            raise
        libraries = "1 server's library" if servers == 1 else f"{servers} servers' libraries"
        console.print(f"ok: no shared library; {libraries}", soft_wrap=True)
        return 0
    console.print(
        render.plain(
            f"ok: {manifest.articles} articles, {manifest.passages} passages, "
            f"model {manifest.model}, built {manifest.built_at}"
        ),
        soft_wrap=True,
    )
    return 0


def _ask(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    answer = open_library(config).search(args.question)
    if args.json:
        print(render.answer_json(answer))
    else:
        render.print_answer(console, answer)
    return 0


def _chat(_args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    library = open_library(config)
    info = library.info()
    console.print(
        f"[bold]citebot[/] · {info.articles} articles, {info.passages} passages. "
        "Ask a question (empty line or Ctrl-D to quit)."
    )
    while True:
        try:
            question = console.input("[bold cyan]?[/] ")
        except EOFError:
            break
        if not question.strip():
            break
        try:
            render.print_answer(console, library.search(question))
        except QuestionError as error:
            console.print(render.plain(str(error), "yellow"), soft_wrap=True)
    return 0


def _eval(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    if args.articles or args.questions:
        return _eval_files(args, config, console)
    if args.file is None:
        raise CitebotError("Give a SQuAD file, or --articles DIR and --questions FILE.tsv.")
    if args.details:
        raise CitebotError("--details goes with --articles and --questions.")
    if args.split:
        indexed = load_squad(args.file, slice(0, None, 2))
        unanswerable = load_squad(args.file, slice(1, None, 2)).questions
    else:
        indexed = load_squad(args.file)
        unanswerable = load_squad(args.unanswerable).questions if args.unanswerable else ()
    with progress_bar(Console(stderr=True) if args.json else console) as progress:
        result = evaluate(indexed, config, unanswerable=unanswerable, progress=progress)
    return _show(args, console, result, render.print_eval)


def _eval_files(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    if not (args.articles and args.questions) or args.file or args.split or args.unanswerable:
        raise CitebotError("End to end takes --articles DIR and --questions FILE.tsv, alone.")
    questions = [pair for path in args.questions for pair in load_tsv(path)]
    if args.details:  # a path that cannot be written fails now, not after the whole run
        try:
            args.details.write_text("", encoding="utf-8")
        except OSError as error:
            raise CitebotError(f"Cannot write {args.details} ({error.strerror}).") from None
    with progress_bar(Console(stderr=True) if args.json else console) as progress:
        result = evaluate_files(
            args.articles, questions, config, index_dir=args.index_dir, progress=progress
        )
    if args.details:
        rows = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in details(result))
        args.details.write_text(rows, encoding="utf-8")
    return _show(args, console, result, render.print_file_eval)


def _show(
    args: argparse.Namespace,
    console: Console,
    result: _Result,
    table: Callable[[Console, _Result], None],
) -> int:
    """An evaluation's figures: one JSON object for scripts, or tables for people."""
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        table(console, result)
    return 0


def _run(_args: argparse.Namespace, config: EngineConfig, _console: Console) -> int:
    from bot.runner import run

    return run(config)


def _start(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    if not has_library(config):
        console.print(
            render.plain(f"No index yet: building the sample library from {args.library}/ …")
        )
        _build(argparse.Namespace(sources=[args.library]), config, console)
    if environment().get("DISCORD_TOKEN"):
        return _run(args, config, console)
    console.print("DISCORD_TOKEN is not set: chatting in the terminal instead of running the bot.")
    return _chat(args, config, console)
