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
from index.benchmark import BenchPlan, questions, run

DEFAULT_SQUAD = Path("../shared/data/squad-dev-a/squad-dev-a.json")
DEFAULT_ARTICLE = Path("../shared/articles/karabakh-2020-10-07.txt")


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
    parser.add_argument("--json", action="store_true", help="print every figure as one object")


def handle(args: argparse.Namespace, config: EngineConfig, console: Console) -> int:
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
    plan = BenchPlan(args.squad, sizes, args.queries, args.real_passages, article=article)
    with tempfile.TemporaryDirectory(prefix="citebot-bench-") as scratch:
        root = Path(scratch)
        result = run(plan, config, root, report=status.print)
        status.print("Asking 100 questions at once through the bot's answer path …")
        real = replace(config, index_dir=root / "real")
        result["concurrency"] = _concurrency(real, plan)
        if article:
            status.print("Asking one question after another while an article is added …")
            result["during_add"] = _during_add(real, plan, article)
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
