"""Paragraphs into passages: the units that are embedded, retrieved and quoted.

A passage is a paragraph whenever the paragraph fits the model's window, because a paragraph
is what a reader quotes and what an author meant as one thought. A longer paragraph is cut
between sentences into pieces that each fit, so that no text falls past the window and is
silently ignored by the model. A paragraph too small to stand alone ("Advertisement", a
one-line aside) is merged into the passage before it when that one has room, and a fragment
with no letters at all is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.records import ParsedArticle, Span
from index.sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]
"""Word pieces per text, without special tokens. Word-piece tokenizers cut at white space
first, so the count of a run of sentences is the sum of theirs: counted once, summed after."""


@dataclass(frozen=True, slots=True)
class PassageDraft:
    """A passage before it is stored: offsets into the article's text, sentences into its own."""

    paragraph: int  # 1-based number of the paragraph it starts in
    start: int
    end: int
    sentences: tuple[Span, ...]


def split_passages(
    article: ParsedArticle, count_tokens: TokenCounter, max_tokens: int, min_chars: int = 40
) -> list[PassageDraft]:
    """The article's passages, in order; together they cover every paragraph's text."""
    text = article.text
    paragraphs = [
        (number, span)
        for number, span in enumerate(article.paragraphs, 1)
        if any(c.isalpha() for c in span.of(text))
    ]
    counts = count_tokens([span.of(text) for _, span in paragraphs])
    runs: list[list[int]] = []  # [first paragraph, start, end, tokens, last paragraph]
    for (number, span), tokens in zip(paragraphs, counts, strict=True):
        pieces = [(span.start, span.end, tokens)]
        if tokens > max_tokens:
            pieces = _pack(_sentences(text, span, count_tokens, max_tokens), max_tokens)
        for start, end, size in pieces:
            joins = runs and runs[-1][4] >= number - 1 and runs[-1][3] + size <= max_tokens
            if joins and end - start < min_chars:
                runs[-1][2:] = [end, runs[-1][3] + size, number]
            else:
                runs.append([number, start, end, size, number])
    return [
        PassageDraft(number, start, end, split_sentences(text[start:end]))
        for number, start, end, _, _ in runs
    ]


def _sentences(
    text: str, paragraph: Span, count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int, int]]:
    """The paragraph's sentences with their sizes, any that alone overflow cut between words."""
    spans = [
        (paragraph.start + s.start, paragraph.start + s.end)
        for s in split_sentences(paragraph.of(text))
    ]
    counts = count_tokens([text[start:end] for start, end in spans])
    units: list[tuple[int, int, int]] = []
    for (start, end), tokens in zip(spans, counts, strict=True):
        units += _words(text, start, end, tokens, count_tokens, max_tokens)
    return units


def _words(
    text: str, start: int, end: int, tokens: int, count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int, int]]:
    """A sentence too long for the window (a list run together, a table row) is halved at a
    space until each part fits."""
    if tokens <= max_tokens:
        return [(start, end, tokens)]
    middle = (start + end) // 2
    cut = text.rfind(" ", start, middle + 1)
    if cut <= start:
        cut = text.find(" ", middle, end)
    if cut <= start:  # one enormous "word": no place to cut without losing characters
        return [(start, end, tokens)]
    left = (start, start + len(text[start:cut].rstrip()))
    right = (end - len(text[cut:end].lstrip()), end)
    sizes = count_tokens([text[left[0] : left[1]], text[right[0] : right[1]]])
    return [
        *_words(text, *left, sizes[0], count_tokens, max_tokens),
        *_words(text, *right, sizes[1], count_tokens, max_tokens),
    ]


def _pack(units: list[tuple[int, int, int]], max_tokens: int) -> list[tuple[int, int, int]]:
    """Consecutive sentences grouped greedily into pieces that fit."""
    pieces: list[tuple[int, int, int]] = []
    for start, end, size in units:
        if pieces and pieces[-1][2] + size <= max_tokens:
            pieces[-1] = (pieces[-1][0], end, pieces[-1][2] + size)
        else:
            pieces.append((start, end, size))
    return pieces
