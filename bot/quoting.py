"""A passage as a one-line block quote within a size limit, its answering sentence in bold.

The quote starts from the answering sentence and grows outward a whole sentence at a time,
alternating sides, while it fits; a side stops at its first sentence that does not. Each
sentence is looked at once and escaping sees only what is kept (plus one sentence's worth per
side that did not fit), so the work follows the limit, not the passage: a one-paragraph article
of megabytes quotes as fast as a short one. An ellipsis marks text left out at either end; only
a bold sentence longer than the limit on its own is cut inside, at a word.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from bot.markup import ELLIPSIS, escape, plain, shown
from index import Span

QUOTE = "> "
BOLD = "**"
# Everything the quote adds around the text: its mark, an ellipsis at each end, the bold marks.
_FRAME = len(QUOTE) + 2 * len(f"{ELLIPSIS} ") + 2 * len(BOLD)


def quote(text: str, sentences: Iterable[Span], limit: int, bold: Span | None = None) -> str:
    """``text`` as a block quote of at most ``limit`` characters, the ``bold`` span in bold.

    Without ``bold`` the quote keeps the beginning. Spans are stored data and not trusted:
    any spans, in any order, inside the text or not, give a quote.
    """
    bounds, anchor, has_bold = _pieces(len(text), sentences, bold)
    if len(bounds) < 2:
        return f"{QUOTE}{ELLIPSIS}"
    last_piece = len(bounds) - 2
    room = limit - _FRAME
    middle = shown(text[bounds[anchor] : bounds[anchor + 1]], room)
    room -= len(middle)
    kept = {anchor: f"{BOLD}{middle}{BOLD}" if has_bold and middle else middle}
    first = last = anchor
    # Sides (True: before the anchor) that reached the passage's edge or a sentence too long.
    done = {side for side, edge in ((True, 0), (False, last_piece)) if anchor == edge}
    for index in _outward(anchor, last_piece):
        if len(done) == 2:
            break
        side = index < anchor
        if side in done:
            continue
        escaped = escape(plain(text[bounds[index] : bounds[index + 1]], room))
        if len(escaped) >= room:  # with the space that joins it, it would not fit
            done.add(side)
            continue
        kept[index] = escaped
        room -= (len(escaped) + 1) if escaped else 0
        first, last = min(first, index), max(last, index)
        if index in (0, last_piece):
            done.add(side)
    body = " ".join(kept[index] for index in range(first, last + 1) if kept[index])
    if not body:
        return f"{QUOTE}{ELLIPSIS}"
    before = f"{ELLIPSIS} " if first > 0 else ""
    after = f" {ELLIPSIS}" if last < last_piece else ""
    return f"{QUOTE}{before}{body}{after}"


def _pieces(
    length: int, sentences: Iterable[Span], bold: Span | None
) -> tuple[list[int], int, bool]:
    """Where the text is cut into pieces, a sentence each (with the space after it) and the
    bold span one piece of its own; which piece is the bold one (else 0); whether there is one.

    Only where sentences start counts, and a start outside the text is ignored: spans that
    overlap, run backwards or past the end still cut the text into pieces that cover it once.
    """
    cuts = {span.start for span in sentences if 0 < span.start < length}
    start, end = (max(bold.start, 0), min(bold.end, length)) if bold else (0, 0)
    has_bold = start < end
    if has_bold:
        cuts = {cut for cut in cuts if not start < cut < end} | {start, end}
    bounds = sorted(cuts | {0, length}) if length else [0]
    return bounds, bisect.bisect_left(bounds, start) if has_bold else 0, has_bold


def _outward(anchor: int, last: int) -> Iterator[int]:
    """Piece indexes around ``anchor``, nearest first, before then after at each distance."""
    for distance in range(1, max(anchor, last - anchor) + 1):
        for index in (anchor - distance, anchor + distance):
            if 0 <= index <= last:
                yield index
