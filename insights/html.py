"""The report as one self-contained HTML file: tables and charts, no server, nothing fetched.

The charts are PNGs embedded as data URLs; the page has no script and no link to anything
outside it. Questions, titles and keys are user and article text: every one is escaped.
"""

from __future__ import annotations

import base64
from html import escape

from insights import charts
from insights.report import Report, headline

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #202225; }
h1 { margin-bottom: 0.2rem; } .meta { color: #5c5f66; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; vertical-align: top; }
th { border-bottom: 1px solid #c7c9cc; } td.n { text-align: right; }
img { max-width: 100%; } .note { color: #8a5a00; } .words { color: #5c5f66; }
"""


def render_html(report: Report) -> str:
    """The whole report as an HTML document."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>citebot report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>citebot report</h1>",
        f'<p class="meta">The last {report.since_days} days, made {escape(report.generated_at)}'
        "</p>",
        *(f'<p class="note">{escape(note)}</p>' for note in report.notes),
        _table(("", ""), [(name, value) for name, value in headline(report)], numeric=(1,)),
    ]
    if report.days:
        parts += ["<h2>Questions per day</h2>", _image(charts.daily, report, "questions per day")]
        parts += [
            "<h2>Confidence</h2>",
            _image(charts.confidence, report, "confidence of the best passage"),
        ]
    parts += _topics(report)
    if report.articles:
        parts += ["<h2>Votes per article</h2>", _image(charts.votes, report, "votes per article")]
        rows = [(a.title or a.key, a.key, str(a.up), str(a.down)) for a in report.articles]
        parts.append(_table(("article", "key", "👍", "👎"), rows, numeric=(2, 3)))
    if report.passages:
        parts.append("<h2>Passages most often voted down</h2>")
        rows = [
            (p.title or p.key, str(p.paragraph), str(p.down), str(p.up), p.question)
            for p in report.passages
        ]
        parts.append(
            _table(("article", "paragraph", "👎", "👍", "voted down on"), rows, numeric=(1, 2, 3))
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _topics(report: Report) -> list[str]:
    if not report.topics:
        return []
    parts = [
        "<h2>What the library could not answer, by topic</h2>",
        f"<p>{report.declined_grouped} declined questions, most asked subjects first: "
        "articles on these would answer them.</p>",
    ]
    rows = [
        (
            str(topic.questions),
            topic.label,
            ", ".join(topic.words),
            "; ".join(topic.examples),
        )
        for topic in report.topics
    ]
    parts.append(_table(("questions", "topic", "words", "also asked"), rows, numeric=(0,)))
    return parts


def _image(draw: charts.Draw, report: Report, alt: str) -> str:
    data = base64.b64encode(charts.png(draw, report)).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _table(
    header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[int, ...] = ()
) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(cell)}</td>' if i in numeric else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
