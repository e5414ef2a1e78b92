"""The values that cross the library's boundary: what was parsed, what is stored, what is answered.

They are frozen dataclasses so that a search result handed to the bot cannot be changed under
another coroutine's feet, and plain data so that the CLI and the bot render them without
reaching back into the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into some text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """Attribution for an article, as read from its file. Missing fields are ``None``."""

    title: str
    author: str | None = None
    date: str | None = None  # ISO 8601 where the source date parses, else the source's own text
    source: str | None = None  # site or publication
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """One article read from a file: its metadata and its body split into paragraphs.

    ``key`` identifies the article inside the library (the file path relative to the library
    root, with ``#n`` for the n-th record of a JSON/JSONL file), so that ``index add`` of the
    same file replaces the article instead of duplicating it.
    """

    key: str
    path: str
    meta: ArticleMeta
    text: str
    paragraphs: tuple[Span, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class Article:
    """An article as stored in the index."""

    id: int
    key: str
    path: str
    title: str
    author: str | None
    date: str | None
    source: str | None
    url: str | None
    content_hash: str
    paragraph_count: int
    passage_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrievable unit: a paragraph, or a sentence-aligned piece of a long one.

    ``paragraph`` is 1-based within the article; ``start``/``end`` are offsets into the
    article's body text; ``sentences`` are spans into ``text``.
    """

    id: int
    article_id: int
    paragraph: int
    text: str
    start: int
    end: int
    sentences: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage that was found for a question, with the sentence that best answers it."""

    passage: Passage
    article: Article
    score: float  # confidence in [0, 1]; comparable across questions and libraries
    sentence: Span  # into passage.text

    @property
    def sentence_text(self) -> str:
        return self.sentence.of(self.passage.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passage": {
                "text": self.passage.text,
                "sentence": self.sentence_text,
                "paragraph": self.passage.paragraph,
                "score": round(self.score, 4),
            },
            "article": self.article.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to a question.

    ``best`` is the passage to quote when ``answered``; when not answered it is the closest
    passage (or ``None`` for an empty library), which a front end may show only labelled as such.
    """

    question: str
    answered: bool
    best: Hit | None
    alternatives: tuple[Hit, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        best = self.best.to_dict() if self.best else {"passage": None, "article": None}
        return {
            "answered": self.answered,
            "question": self.question,
            **best,
            "alternatives": [hit.to_dict() for hit in self.alternatives],
        }


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that could not be indexed, and why, in words meant for the user."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build, add or remove did: the summary the CLI prints at the end."""

    articles: int  # articles in the index afterwards
    passages: int
    added: tuple[str, ...] = ()  # keys of articles new or changed
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded: int = 0  # texts that went through the model (the rest came from the cache)
    skipped: tuple[SkippedFile, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What ``citebot index info`` and the bot's ``/about`` show."""

    path: str
    model: str
    dimension: int
    articles: int
    passages: int
    built_at: str
    format_version: int
    size_bytes: int
    dense_index: str
    segments: int = 1  # the immutable parts the index is made of (docs/scaling.md)
