"""Building is linear in its input, whatever shape the text takes.

A library is whatever people copied together: an export that lost its line breaks is one
paragraph of a megabyte, a scan gives runs of dots or line breaks. Anything quadratic in the
length of a paragraph turns those into a build that never ends. Time is not asserted (machines
differ); how it grows is: the same shape sixteen times longer must take about sixteen times as
long, not the 256 times of a quadratic step, measured at both lengths in the same run, in
the processor time of this thread alone (the other processes of a loaded machine would
interrupt a long call more often than a short one).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from index.articles import read_articles
from index.passages import split_passages
from index.sentences import split_sentences

SHORT = 4_000  # characters
LONGER = 16  # the long text is this many times the short one
# Linear work grows LONGER times, quadratic LONGER**2 times; the bound lies halfway between
# them on a log scale, far from both (a quadratic step also has a linear part).
BOUND = math.sqrt(LONGER * LONGER**2)

# Each shape is repeated to the length measured. Prose exercises the abbreviation and number
# rules at every full stop; the others are runs a regular expression could rescan.
SHAPES = {
    "prose": "Dr. Ames met Mr. J. Reyes at 3.30 p.m. on Monday. “Is it U.S. policy?” he asked. ",
    "initials": "J. ",
    "full stops": ".",
    "ellipses": "…",
    "marks": "?!",
    "closing brackets": ".)",
    "quotes": '."',
    "line breaks": "\n",
    "blank lines with spaces": "\n \n",
    "spaces and tabs": " \t",
    "one long sentence": "word ",
    "one long word": "x",
}


def _seconds(call: Callable[[], object]) -> float:
    """The least processor time of a few calls (fewer when ``call`` is slow: it is then not
    linear, and one timing says so)."""
    best, spent = math.inf, 0.0
    for _ in range(7):
        started = time.thread_time()
        call()
        took = time.thread_time() - started
        best, spent = min(best, took), spent + took
        if spent > 0.5:
            break
    return best


def _growth(work: Callable[[str], object], unit: str) -> float:
    """How much longer ``work`` takes on ``LONGER`` times as much of ``unit``."""
    short, long = ("A " + unit * (length // len(unit)) for length in (SHORT, LONGER * SHORT))
    work(short)  # warm up: first calls compile and allocate
    return _seconds(lambda: work(long)) / _seconds(lambda: work(short))


def _words(texts: list[str]) -> list[int]:
    return [len(text.split()) for text in texts]


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_sentence_splitting_is_linear_in_the_text(unit):
    assert _growth(split_sentences, unit) < BOUND


@pytest.mark.parametrize("suffix", [".md", ".txt", ".json"])
@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_reading_and_splitting_one_long_paragraph_is_linear(tmp_path, suffix, unit):
    """From the file to passages: reader, cleaning, sentences, cutting to the window."""
    path = tmp_path / f"article{suffix}"

    def build(text: str) -> None:
        _write(path, text)
        for article in read_articles(path, tmp_path)[0]:
            split_passages(article, _words, max_tokens=50)

    assert _growth(build, unit) < BOUND


def _write(path: Path, paragraph: str) -> None:
    if path.suffix == ".json":
        path.write_text(json.dumps({"title": "Long", "paragraphs": [paragraph]}))
    else:
        path.write_text(f"Long\n\n{paragraph}\n" if path.suffix == ".txt" else paragraph)
