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

# Every pattern runs once over a paragraph that may be a megabyte of hostile text, so none may
# rescan: runs of punctuation and white space are taken possessively (``*+``, ``++``), and a
# candidate never starts inside a run it could only fail from again.
# Candidate ends: terminal punctuation, closing quotes/brackets, then white space.
_END = re.compile(r"""(?<![.!?…])[.!?…]++["'”’»)\]]*+(?=\s)""")
# What may open a sentence after the white space: a capital, a digit, a quote or bracket.
_OPENER = re.compile(r"""\s++(?=["'“‘«(\[]*+[A-Z0-9À-ÖØ-Þ\u0370-\u03ff\u0400-\u042f])""")
# A line break that ends a sentence without punctuation: before a bullet, or after a line
# that is not a sentence (headings, list items, captions). Group 1 is the line break.
_BREAK = re.compile(
    r"(?<!\s)[^\S\n]*+(\n)\s*+(?=[-*•]\s|\d+[.)]\s)"
    r"|(?<=[^.!?…,;:\s])[ \t]*+(\n)(?=\s*+[A-Z0-9\"“])"
)
# The word before a full stop, matched backwards in the reversed text: from the stop, it
# costs the word's length, where a forward search for "the word that ends here" rescans
# the text from its start for every full stop.
_WORD_BACKWARDS = re.compile(r"[\w.]+")


def split_sentences(text: str) -> tuple[Span, ...]:
    """Spans of the sentences of ``text``, in order, without their surrounding white space.

    Every non-space character of ``text`` lies in exactly one span. The work is linear in the
    length of ``text``, whatever it holds.
    """
    backwards = text[::-1]
    ends = {m.end() for m in _END.finditer(text) if _ends_sentence(text, backwards, m)}
    cuts = sorted(ends | _breaks(text))
    spans: list[Span] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _strip(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return tuple(spans)


def _breaks(text: str) -> set[int]:
    return {m.start(m.lastindex or 0) for m in _BREAK.finditer(text)}


def _ends_sentence(text: str, backwards: str, match: re.Match[str]) -> bool:
    """Does the candidate ``match`` end a sentence? ``backwards`` is ``text`` reversed."""
    opener = _OPENER.match(text, match.end())
    if not opener:
        return False
    if match.group() in (".", "…"):
        before = match.start()
        if text[before - 1 : before] == "\n":  # a stop wrapped onto the line after its word
            before -= 1
        word = _WORD_BACKWARDS.match(backwards, len(text) - before)
        following = text[opener.end() : opener.end() + 1]
        if word and _is_abbreviation(word.group()[::-1], following):
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
