"""``citebot bench``: the speed figures of docs/benchmarks.md, from one command."""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from index import CitebotError, Embedder, EngineConfig, add, open_library
from index.benchmark import BenchPlan, ServersPlan, machine, many_servers, questions, run

DEFAULT_SQUAD = Path("../shared/data/squad-dev-a/squad-dev-a.json")
DEFAULT_ARTICLE = Path("../shared/articles/karabakh-2020-10-07.txt")
SERVERS = ServersPlan(DEFAULT_SQUAD)  # the many-servers row's defaults (the figures)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        default="1000,100000",
        help="library sizes in passages, comma-separated (e.g. 1000,100000,1000000)",
    )
    parser.add_argument("--queries", type=int, default=300, help="questions asked at each size")
    parser.add_argument(
        "--squad", type=Path, default=DEFAULT_SQUAD, help="SQuAD v1.1 file: passages, questions"
    )
    parser.add_argument(
        "--real-passages", type=int, help="use only the first N real passages (a quick run)"
    )
    parser.add_argument(
        "--article",
        type=Path,
        default=DEFAULT_ARTICLE,
        help="a real article file added to the library at each size (add_s); none: skip",
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=SERVERS.servers,
        help="server libraries in the many-servers row (CITEBOT_OPEN_LIBRARIES of them open at "
        "most); 0: leave the row out",
    )
    parser.add_argument(
        "--server-passages",
        type=int,
        default=SERVERS.passages,
        help="real passages in each server's library",
    )
    parser.add_argument(
        "--only-servers", action="store_true", help="measure the many-servers row alone"
    )
    parser.add_argument("--json", action="store_true", help="print every figure as one object")


def handle(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
    config = replace(config, read_only=False)  # it writes only scratch libraries of its own
    try:
        sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        raise CitebotError(
            f"--sizes takes numbers separated by commas, not {args.sizes!r}."
        ) from None
    if not args.squad.is_file():
        raise CitebotError(f"{args.squad} is not there: pass a SQuAD v1.1 file with --squad.")
    status = Console(stderr=True) if args.json else console
    article = args.article if args.article and args.article.is_file() else None
    if args.article and not article:
        status.print(f"{args.article} is not there: adds are not timed.")
    if args.servers < (1 if args.only_servers else 0) or args.server_passages < 1:
        raise CitebotError("--servers and --server-passages take a number of at least 1.")
    plan = BenchPlan(args.squad, sizes, args.queries, args.real_passages, article=article)
    servers = ServersPlan(args.squad, args.servers, args.server_passages, args.queries)
    with tempfile.TemporaryDirectory(prefix="citebot-bench-") as scratch:
        root = Path(scratch)
        if args.only_servers:
            result = {"machine": machine()}
        else:
            result = run(plan, config, root, report=status.print)
            status.print("Asking 100 questions at once through the bot's answer path …")
            real = replace(config, index_dir=root / "real")
            result["concurrency"] = _concurrency(real, plan)
            if article:
                status.print("Asking one question after another while an article is added …")
                result["during_add"] = _during_add(real, plan, article)
        if servers.servers:
            result["many_servers"] = many_servers(
                servers, config, root / "servers", report=status.print
            )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(console, result)
    return 0


def _concurrency(config: EngineConfig, plan: BenchPlan) -> dict[str, float]:
    """100 questions at once through the bot's own answer service (no Discord involved)."""
    from bot.throughput import concurrent_questions

    library = open_library(config)
    try:
        asked = (questions(plan) * 100)[:100]
        return concurrent_questions(library, asked).to_dict()
    finally:
        library.close()


def _during_add(config: EngineConfig, plan: BenchPlan, article: Path) -> dict[str, float]:
    """Question latency alone and while ``article`` is added (model time included: the
    article is new to this library's embedding cache), as the bot's librarian adds it."""
    from bot.throughput import questions_during

    library = open_library(config)
    try:

        def change(embedder: Embedder) -> None:
            add([article], config, embedder=embedder)

        return questions_during(library, questions(plan)[:50], change).to_dict()
    finally:
        library.close()


def _print(console: Console, result: dict) -> None:
    if "sizes" in result:
        _print_sizes(console, result)
    if servers := result.get("many_servers"):
        _print_servers(console, servers)


def _print_servers(console: Console, figures: dict) -> None:
    console.print(
        f"{figures['servers']:,} servers' libraries of {figures['passages']:,} passages, "
        f"{figures['capacity']} open at most: {figures['questions']} questions of servers "
        f"drawn at random ({figures['found_open']:.0%} found their library open) answered in "
        f"p50 [bold]{figures['p50_ms']}[/] ms, p99 {figures['p99_ms']} ms; RSS after "
        f"{figures['rss_mib']} MiB ({figures['private_mib']} private; "
        f"{figures['start_rss_mib']} with one library open)."
    )
    if figures["probes"]:
        console.print(
            f"First answer of a server whose library is closed: p50 "
            f"[bold]{figures['closed_p50_ms']}[/] ms, p99 {figures['closed_p99_ms']} ms; "
            f"open: p50 {figures['open_p50_ms']} ms, p99 {figures['open_p99_ms']} ms "
            f"({figures['probes']} servers; encoding a question alone {figures['encode_ms']} ms)."
        )


def _print_sizes(console: Console, result: dict) -> None:
    console.print(
        f"Build: {result['passages']:,} passages + {result['sentences']:,} sentences; "
        f"bare encode {result['encode_s']} s, build end to end {result['build_s']} s "
        f"→ build/encode [bold]{result['build_vs_encode']}[/] "
        f"({result['encode_per_s']} passages/s encoded, {result['build_per_s']} built)"
    )
    if paragraph := result.get("long_paragraph"):
        console.print(
            f"One paragraph of {paragraph['chars']:,} characters built in "
            f"{paragraph['one_paragraph_s']} s, the same text in ordinary paragraphs in "
            f"{paragraph['paragraphs_s']} s → ratio [bold]{paragraph['ratio']}[/] "
            "(synthetic vectors; linear building keeps it near 1)"
        )
    table = Table(title="Answering (end to end, one question at a time)", title_justify="left")
    columns = ("passages", "index", "p50 ms", "p99 ms", "encode ms", "RSS MiB", "ANN R@10")
    for column in (*columns, "add s", "merge s"):
        table.add_column(column, justify="right")
    for figures in result["sizes"].values():
        table.add_row(
            f"{figures['passages']:,}" + (" (synthetic)" if figures["synthetic"] else ""),
            figures["dense_index"],
            str(figures["p50_ms"]),
            str(figures["p99_ms"]),
            str(figures["encode_ms"]),
            str(figures["rss_mib"]),
            str(figures["ann_recall@10"]),
            str(figures.get("add_s", "")),
            str(figures.get("merge_s", "")),
        )
    console.print(table)
    if during := result.get("during_add"):
        console.print(
            f"One question at a time while an article is added ({during['change_s']} s): "
            f"p50 {during['busy_p50_ms']} ms against {during['idle_p50_ms']} ms alone "
            f"(×{during['slowdown_p50']}), p95 {during['busy_p95_ms']} ms against "
            f"{during['idle_p95_ms']} ms."
        )
    if concurrency := result.get("concurrency"):
        console.print(
            f"100 questions at once through the bot's answer path: {concurrency['qps']} "
            f"questions/s, worst wait {concurrency['worst_wait_ms']} ms, event loop at most "
            f"{concurrency['worst_loop_lag_ms']} ms late."
        )
