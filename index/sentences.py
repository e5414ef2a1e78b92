"""Sentence boundaries, found by rule rather than by a model.

Sentences serve two purposes: a long paragraph is cut between them so that no text falls past
the model's window, and the answer marks the one that answers the question. Both need exact
character offsets and both run on every paragraph of a build, so this is a small, fast,
deterministic scanner. Its rule: a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any
closing quotes or brackets) followed by white space and something that can open a sentence;
a full stop after a known abbreviation, an initial or inside a number does not end one. A line
break before a list bullet or after a line without final punctuation (a heading, a list item)
ends one too.
"""

from __future__ import annotations

import re

from index.records import Span

# fmt: off
_ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "col", "lt", "sgt",
    "capt", "cmdr", "adm", "gov", "sen", "rep", "pres", "rev", "hon", "inc", "ltd", "co",
    "corp", "bros", "dept", "univ", "assn", "approx", "vs", "al", "ed", "eds", "jan", "feb",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "a.m", "p.m",
    "u.s", "u.k", "u.n", "e.u", "cf", "viz",
))
# Abbreviations only when a number follows: "No. 5", "ca. 1500" (but "the answer was no.").
_BEFORE_NUMBER = frozenset((
    "no", "nos", "vol", "vols", "fig", "figs", "p", "pp", "ca", "c", "art", "sec", "ch",
))
# fmt: on

# Candidate ends: terminal punctuation, closing quotes/brackets, then white space.
_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s)""")
# What may open a sentence after the white space: a capital, a digit, a quote or bracket.
_OPENER = re.compile(r"""\s+(?=["'“‘«(\[]*[A-Z0-9À-ÖØ-Þ\u0370-\u03ff\u0400-\u042f])""")
# A line break that ends a sentence without punctuation: before a bullet, or after a line
# that is not a sentence (headings, list items, captions).
_BREAK = re.compile(r"\n\s*(?=[-*•]\s|\d+[.)]\s)|(?<=[^.!?…,;:\s])[ \t]*\n(?=\s*[A-Z0-9\"“])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def split_sentences(text: str) -> tuple[Span, ...]:
    """Spans of the sentences of ``text``, in order, without their surrounding white space.

    Every non-space character of ``text`` lies in exactly one span.
    """
    cuts = sorted({m.end() for m in _END.finditer(text) if _ends_sentence(text, m)} | _breaks(text))
    spans: list[Span] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _strip(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return tuple(spans)


def _breaks(text: str) -> set[int]:
    return {m.start() for m in _BREAK.finditer(text)}


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    if not _OPENER.match(text, match.end()):
        return False
    if match.group().startswith((".", "…")) and len(match.group()) == 1:
        word = _WORD_BEFORE.search(text, 0, match.start())
        if word and _is_abbreviation(word.group(1), text[match.end() :].lstrip()[:1]):
            return False
    return True


def _is_abbreviation(word: str, following: str) -> bool:
    """``word`` precedes a lone full stop and ``following`` opens what comes next: is that
    stop part of the word?"""
    lowered = word.lower().strip(".")
    if lowered in _ABBREVIATIONS or (lowered in _BEFORE_NUMBER and following.isdigit()):
        return True
    # An initial ("J. Smith") or a dotted acronym ("U.S.A."); a one-letter word is usually one.
    return (len(lowered) == 1 and lowered.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", lowered))


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None
