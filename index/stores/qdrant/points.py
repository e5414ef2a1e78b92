"""What each point holds: a passage's, an article's, the statistics', written and read back in
one place so that the two agree.

Point ids: passages take theirs (from 0); articles, terms and the statistics live above.
Terms are 32-bit hashes of their text (Qdrant's sparse indices are 32-bit).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from index.lexical import K1, B
from index.records import Article, Passage, Span
from index.store import Duplicate, PassageRow
from index.stores.qdrant.connection import qdrant_models

ARTICLES = 1 << 40
TERMS = 1 << 41
LIBRARY = 1 << 42

# The passages' named vectors.
PASSAGE = "passage"
SENTENCES = "sentences"
BM25 = "bm25"

# The payload fields a passage is read back from.
PASSAGE_FIELDS = ["id", "article", "paragraph", "text", "start", "end", "sentences"]


@lru_cache(maxsize=1 << 16)
def term_index(term: str) -> int:
    """A term's sparse index: 32 bits of its hash, the same in every process."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big")


@dataclass(frozen=True, slots=True)
class Stats:
    """The library's counts, kept in its statistics point and changed by every write."""

    passages: int = 0  # live ones: BM25's number of documents
    length: int = 0  # their terms together (each at least 1, as bm25s counted them)
    articles: int = 0
    sentences: int = 0
    next_passage: int = 0  # ids are never given twice in one collection
    next_article: int = 0
    generation: int = 0
    changed_at: str = ""

    @classmethod
    def read(cls, payload: dict[str, Any] | None) -> Stats:
        if not payload:
            return cls()
        return cls(**{name: payload[name] for name in cls.__dataclass_fields__ if name in payload})

    def payload(self) -> dict[str, Any]:
        return {"kind": "library", **{n: getattr(self, n) for n in self.__dataclass_fields__}}


def stats_point(models: Any, stats: Stats) -> Any:
    return models.PointStruct(id=LIBRARY, vector={}, payload=stats.payload())


def passage_point(
    models: Any,
    row: PassageRow,
    article: Article,
    vector: np.ndarray,
    sentences: np.ndarray,
    terms: list[str],
    average_length: float,
) -> Any:
    passage = row.passage
    tf = Counter(term_index(t) for t in terms)
    norm = K1 * (1 - B + B * max(1, len(terms)) / average_length)
    indices = sorted(tf)
    vectors: dict[str, Any] = {
        PASSAGE: vector.astype(np.float32).tolist(),
        BM25: models.SparseVector(
            indices=indices, values=[float(tf[i] / (tf[i] + norm)) for i in indices]
        ),
    }
    if len(sentences):
        # Kept as float16, as the FAISS store keeps them: the same cosines to the last bit.
        vectors[SENTENCES] = sentences.astype(np.float16).astype(np.float32).tolist()
    payload = {
        "kind": "passage",
        "id": passage.id,
        "article": passage.article_id,
        "paragraph": passage.paragraph,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "sentences": [[s.start, s.end] for s in passage.sentences],
        "text_hash": row.text_hash,
        # The attribution, for readers of the collection other than citebot.
        "key": article.key,
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "source": article.source,
        "url": article.url,
    }
    return models.PointStruct(id=passage.id, vector=vectors, payload=payload)


def passage_of(payload: dict[str, Any]) -> Passage:
    return Passage(
        int(payload["id"]),
        int(payload["article"]),
        int(payload["paragraph"]),
        str(payload["text"]),
        int(payload["start"]),
        int(payload["end"]),
        _spans(payload["sentences"]),
    )


def sparse_of(vector: Any) -> Any:
    """A point's sparse vector, however the client gives it (a model or a mapping)."""
    if isinstance(vector, dict) and BM25 in vector:
        vector = vector[BM25]
    if vector is None:
        return qdrant_models().SparseVector(indices=[], values=[])
    if isinstance(vector, dict):
        return qdrant_models().SparseVector(**vector)
    return vector


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    article: Article
    first: int
    last: int
    duplicates: tuple[Duplicate, ...]


def article_point(models: Any, article: Article, first: int, last: int, dups: list) -> Any:
    payload = {
        "kind": "article",
        "id": article.id,
        "key": article.key,
        "path": article.path,
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "source": article.source,
        "url": article.url,
        "content_hash": article.content_hash,
        "paragraph_count": article.paragraph_count,
        "passage_count": article.passage_count,
        "first": first,
        "last": last,
        "duplicates": [
            {
                "paragraph": d.paragraph,
                "start": d.start,
                "end": d.end,
                "text": d.text,
                "text_hash": d.text_hash,
                "sentences": [[s.start, s.end] for s in d.sentences],
            }
            for d in dups
        ],
        "duplicate_hashes": sorted({d.text_hash for d in dups}),
    }
    return models.PointStruct(id=ARTICLES + article.id, vector={}, payload=payload)


def article_record(payload: dict[str, Any]) -> ArticleRecord:
    article = Article(
        int(payload["id"]),
        str(payload["key"]),
        str(payload["path"]),
        str(payload["title"]),
        payload.get("author"),
        payload.get("date"),
        payload.get("source"),
        payload.get("url"),
        str(payload["content_hash"]),
        int(payload["paragraph_count"]),
        int(payload["passage_count"]),
    )
    duplicates = tuple(
        Duplicate(
            article.id,
            int(d["paragraph"]),
            int(d["start"]),
            int(d["end"]),
            str(d["text"]),
            str(d["text_hash"]),
            _spans(d["sentences"]),
        )
        for d in payload.get("duplicates", ())
    )
    return ArticleRecord(article, int(payload["first"]), int(payload["last"]), duplicates)


def _spans(pairs: Iterable[Sequence[int]]) -> tuple[Span, ...]:
    """Sentence spans as a payload keeps them: ``[start, end]`` pairs."""
    return tuple(Span(int(s), int(e)) for s, e in pairs)
