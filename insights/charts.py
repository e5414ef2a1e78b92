"""The report's charts, as PNG bytes: for the HTML report (embedded) and ``/stats`` (attached).

matplotlib's object API with the Agg canvas, never ``pyplot``: no global figure state, so a
chart can be drawn in any worker thread while another is drawn elsewhere. Text from users and
articles (titles) is shown literally: ``$`` would otherwise start matplotlib's math mode.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from insights.report import BINS, Report

ANSWERED, DECLINED, OTHER = "#5865f2", "#a3a6aa", "#f0b232"  # Discord's blurple and greys
UP, DOWN = "#3ba55d", "#ed4245"
LABEL = 38  # characters of an article title on an axis

Draw = Callable[[Report], Figure]


def literal(text: str, limit: int = LABEL) -> str:
    """Text as matplotlib shows it literally, cut to ``limit`` characters."""
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")  # no unescaped "$": math mode never starts


def daily(report: Report) -> Figure:
    """Questions per day, stacked by outcome."""
    figure, axes = _figure(8, 3.6)
    days = [d.day for d in report.days]
    positions = range(len(days))
    answered = [d.outcomes["answered"] for d in report.days]
    declined = [d.outcomes["declined"] for d in report.days]
    other = [d.total - a - n for d, a, n in zip(report.days, answered, declined, strict=True)]
    axes.bar(positions, answered, color=ANSWERED, label="answered")
    axes.bar(positions, declined, bottom=answered, color=DECLINED, label="declined")
    below = [a + n for a, n in zip(answered, declined, strict=True)]
    axes.bar(positions, other, bottom=below, color=OTHER, label="refused / timed out / failed")
    step = max(1, len(days) // 10)  # at most about ten dates under the axis
    axes.set_xticks(list(positions)[::step], [day[5:] for day in days[::step]])
    axes.set_ylabel("questions")
    axes.set_title(f"Questions per day (last {report.since_days} days, UTC)")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(0, max([d.total for d in report.days] + [1]) * 1.1)
    _legend(axes)
    return figure


def confidence(report: Report) -> Figure:
    """How confident the best passage was, for questions answered and declined."""
    figure, axes = _figure(8, 3.6)
    lefts = [i / BINS for i in range(BINS)]
    answered, declined = report.confidence["answered"], report.confidence["declined"]
    width = 1 / BINS * 0.9
    axes.bar(lefts, declined, width=width, align="edge", color=DECLINED, label="declined")
    axes.bar(
        lefts, answered, width=width, align="edge", bottom=declined, color=ANSWERED,
        label="answered",
    )  # fmt: skip
    if report.threshold is not None:
        axes.axvline(report.threshold, color="#202225", linestyle="--", linewidth=1)
        axes.annotate(
            f"threshold {report.threshold:.2f}",
            (report.threshold, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=8,
        )
    axes.set_xlim(0, 1)
    axes.set_xlabel("confidence of the best passage")
    axes.set_ylabel("questions")
    axes.set_title("Confidence distribution")
    axes.yaxis.get_major_locator().set_params(integer=True)
    _legend(axes)
    return figure


def votes(report: Report) -> Figure:
    """👍 to the right and 👎 to the left, per article (the most voted on)."""
    articles = list(reversed(report.articles))  # the most voted on at the top
    figure, axes = _figure(8, 1.2 + 0.4 * max(1, len(articles)))
    names = [literal(a.title or a.key) for a in articles]
    rows = range(len(articles))
    axes.barh(rows, [a.up for a in articles], color=UP, label="up")
    axes.barh(rows, [-a.down for a in articles], color=DOWN, label="down")
    axes.set_yticks(list(rows), names)
    axes.axvline(0, color="#202225", linewidth=0.8)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.set_major_formatter(lambda value, _: f"{abs(value):g}")
    axes.set_xlabel("votes down (left) and up (right)")
    axes.set_title("Votes per article")
    _legend(axes)
    return figure


def png(draw: Draw, report: Report) -> bytes:
    """``draw(report)`` as PNG bytes."""
    figure = draw(report)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")  # emoji in titles
        FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def stats_chart(report: Report) -> bytes:
    """The one chart of ``/stats``: questions per day, or the votes when no question is logged."""
    return png(daily if report.days else votes, report)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    # Constrained layout makes room for the legend under the axes and for long labels.
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _legend(axes: Axes) -> None:
    """Under the plot in one row, never over a bar (constrained layout makes the room)."""
    axes.get_figure().legend(frameon=False, loc="outside lower center", ncols=3, fontsize=9)
