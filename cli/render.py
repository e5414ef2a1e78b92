"""How answers, reports and index facts look in a terminal (rich), and as JSON for scripts.

Text that comes from article files or from users (titles, authors, file names, keys, reasons
that quote them) is never rich markup: a file named ``[/red].md`` or a title holding
``[link=file:///…]`` must print as written, not crash the report or forge a link. Such text
goes into a ``Text`` (``plain``), which rich prints as it is; only our own constant
strings carry markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from index import Answer, Article, BuildReport, Hit, IndexInfo
from index.evaluation import Band, EvalResult, FileEvalResult


def answer_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)


def attribution(hit: Hit) -> str:
    """ "Title — Author, 2020-10-07, source, ¶3 of 12": one line that says where a quote is from."""
    article = hit.article
    parts = [article.title]
    details = [x for x in (article.author, article.date, article.source) if x]
    details.append(f"paragraph {hit.passage.paragraph} of {article.paragraph_count}")
    parts.append(", ".join(details))
    line = " — ".join(parts)
    return f"{line}\n{article.url}" if article.url else line


def plain(text: str, style: str = "") -> Text:
    """Untrusted text as rich shows it: verbatim, no markup, no ``:emoji:`` codes."""
    return Text(text, style=style)


def error_line(error: Exception) -> Text:
    """``error: …`` for a user error; the message often quotes a path or a key, so it is plain."""
    return Text.assemble(("error:", "red"), " ", str(error))


def quote(hit: Hit) -> Text:
    """The passage with its answering sentence highlighted; a Text, so article text is no markup."""
    text = hit.passage.text
    span = hit.sentence
    quoted = Text(text[: span.start])
    quoted.append(text[span.start : span.end], style="bold yellow")
    quoted.append(text[span.end :])
    return quoted


def print_answer(console: Console, answer: Answer) -> None:
    if answer.best is None:
        console.print("The library is empty: nothing to quote.", style="yellow")
        return
    if not answer.answered:
        console.print("I don't find this in the library.", style="yellow")
        console.print(_hit_panel(answer.best, "Closest passage (not a confident match)", "dim"))
        return
    console.print(_hit_panel(answer.best, "Answer", "green"))
    if answer.alternatives:
        console.print(Text("Other sources:", style="bold"))
        for hit in answer.alternatives:
            console.print(Text("  • ") + plain(snippet(hit.sentence_text), "italic"))
            console.print(plain(f"    {attribution(hit).splitlines()[0]}", "dim"))


def snippet(text: str, limit: int = 100) -> str:
    """The start of a sentence, cut at a word, for one-line listings."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _hit_panel(hit: Hit, label: str, style: str) -> Panel:
    return Panel(
        Group(quote(hit), Text(""), plain(attribution(hit), "italic")),
        title=f"{label} · confidence {hit.score:.2f}",
        title_align="left",
        border_style=style,
    )


def count(number: int, noun: str) -> str:
    """``1 article``, ``2 articles``: summaries read as sentences."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def print_report(console: Console, report: BuildReport) -> None:
    console.print(
        f"Indexed [bold]{count(report.articles, 'article')}[/], "
        f"[bold]{count(report.passages, 'passage')}[/] in {report.seconds:.1f} s: "
        f"{len(report.added)} new or changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged; {count(report.embedded, 'text')} embedded "
        "(the rest from the cache)."
    )
    if report.skipped:
        table = Table(title=f"Skipped {count(len(report.skipped), 'file')}", title_justify="left")
        table.add_column("file", overflow="fold")
        table.add_column("why", overflow="fold")
        for item in report.skipped:
            table.add_row(plain(item.path), plain(item.reason))
        console.print(table)


def print_info(console: Console, info: IndexInfo) -> None:
    table = Table(show_header=False, box=None)
    for name, value in (
        ("index", info.path),
        ("articles", f"{info.articles:,}"),
        ("passages", f"{info.passages:,}"),
        ("model", f"{info.model} ({info.dimension} dimensions)"),
        ("dense index", info.dense_index),
        # A Qdrant library has neither here: its server knows its segments and size.
        ("segments", str(info.segments) if info.segments else ""),
        ("size", f"{info.size_bytes / 2**20:.1f} MiB" if info.size_bytes else ""),
        ("built", info.built_at),
        ("format", str(info.format_version)),
    ):
        if value:
            table.add_row(Text(name, style="bold"), plain(value))
    console.print(table)


def print_articles(
    console: Console, articles: Sequence[Article], origins: Mapping[str, str] | None = None
) -> None:
    """The articles with where each came from: its file, or the page, feed or upload it was
    added from (``origins`` by key) and by whom."""
    origins = origins or {}
    table = Table(title=f"{len(articles)} articles", title_justify="left")
    for column in ("key", "title", "author", "date", "passages", "from"):
        table.add_column(column, overflow="fold")
    for a in articles:
        table.add_row(
            plain(a.key),
            plain(a.title),
            plain(a.author or ""),
            plain(a.date or ""),
            str(a.passage_count),
            plain(origins.get(a.key, a.path)),
        )
    console.print(table)


def print_eval(console: Console, result: EvalResult) -> None:
    table = Table(
        title=f"{result.questions:,} questions over {result.passages:,} passages",
        title_justify="left",
        show_header=False,
        box=None,
    )
    rows = [
        ("Recall@1", f"{result.recall_at_1:.3f}"),
        ("Recall@5", f"{result.recall_at_5:.3f}"),
        ("Recall@20", f"{result.recall_at_20:.3f}"),
        ("MRR", f"{result.mrr:.3f}"),
        ("marked sentence holds an answer", f"{result.sentence_hit:.3f}"),
        ("answered (in-library questions)", f"{result.answered_answerable:.3f}"),
    ]
    if result.declined_unanswerable is not None:
        rows.append(("declined (out-of-library)", f"{result.declined_unanswerable:.3f}"))
    rows += [("latency p50", f"{result.p50_ms:.1f} ms"), ("latency p95", f"{result.p95_ms:.1f} ms")]
    for name, value in rows:
        table.add_row(Text(name, style="bold"), value)
    console.print(table)
    print_bands(console, result.bands, "Top passage right, by confidence")


def print_file_eval(console: Console, result: FileEvalResult) -> None:
    table = Table(
        title=f"{result.questions:,} questions over {count(result.articles, 'article')}, "
        f"{count(result.passages, 'passage')} ({len(result.skipped)} files skipped)",
        title_justify="left",
        show_header=False,
        box=None,
    )
    for name, value in (
        ("quoted passage holds the answer", f"{result.answer_in_passage:.3f}"),
        ("declined", f"{result.declined:.3f}"),
        ("answer in the top 5", f"{result.answer_in_top5:.3f}"),
        ("best passage holds the answer", f"{result.answer_in_best:.3f}"),
        ("marked sentence holds the answer", f"{result.sentence_hit:.3f}"),
        ("declined (questions the library cannot answer)", _share(result.declined_unanswerable)),
        ("refused as asked (counted as declined)", f"{result.refused:,}"),
        ("latency p50", f"{result.p50_ms:.1f} ms"),
        ("latency p95", f"{result.p95_ms:.1f} ms"),
    ):
        table.add_row(Text(name, style="bold"), value)
    console.print(table)
    print_bands(console, result.bands, "Best passage holds the answer, by confidence")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_bands(console: Console, bands: Sequence[Band], title: str) -> None:
    """Calibration: how often the best passage was right at each confidence, questions the
    library cannot answer counted as wrong whatever was quoted (what users meet)."""
    table = Table(title=title, title_justify="left")
    for column in ("confidence", "answerable", "not answerable", "right (answerable)", "right"):
        table.add_column(column, justify="right")
    for band in bands:
        table.add_row(
            f"{band.low:.1f}–{band.high:.1f}",
            f"{band.questions:,}",
            f"{band.unanswerable:,}",
            f"{band.correct:.3f}" if band.questions else "–",
            f"{band.right:.3f}",
        )
    console.print(table)
