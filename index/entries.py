"""An article ready to be written into a segment: attribution and pieces, no ids yet."""

from __future__ import annotations

from dataclasses import dataclass

from index.records import ArticleMeta, Span


@dataclass(frozen=True, slots=True)
class Piece:
    paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """An article ready to be written: its attribution and its passages."""

    key: str
    path: str
    meta: ArticleMeta
    content_hash: str
    paragraph_count: int
    pieces: tuple[Piece, ...]
