"""The catalog of a build: its articles, its terms' passage counts and its statistics, read by
id from the points beside its passages, and kept once read (an article or a passage never
changes under its id).

Qdrant's own idf is not exposed, so the rescoring's comes from the term points here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from index.analysis import Analyzer
from index.lexical import LexicalQuery, resolve_query
from index.records import Article, Passage
from index.store import Duplicate, PassageRow
from index.stores.qdrant.builds import catalog_of
from index.stores.qdrant.connection import Connection, answering, qdrant_models
from index.stores.qdrant.points import (
    ARTICLES,
    BM25,
    LIBRARY,
    PASSAGE_FIELDS,
    TERMS,
    ArticleRecord,
    Stats,
    article_record,
    passage_of,
    sparse_of,
    term_index,
)

# Passages and articles a reader keeps (immutable under their ids), and articles' term sets.
_CACHED = 8192


def read_stats(connection: Connection, collection: str) -> Stats:
    """The statistics of the build whose passages are in ``collection``."""
    points = connection.client.retrieve(catalog_of(collection), [LIBRARY], with_payload=True)
    return Stats.read(points[0].payload if points else None)


class _Lru(OrderedDict):
    """A bounded map, least recently used out first (callers hold a lock)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: object, value: object) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class QdrantCatalog:
    """Articles and passages of one build, by id. Thread-safe; what it has read it keeps
    (bounded): an article or a passage never changes under its id."""

    def __init__(self, connection: Connection, collection: str, size: int) -> None:
        self._connection = connection
        self._collection = collection
        self._catalog = catalog_of(collection)
        self._size = size
        self._passages: _Lru = _Lru(_CACHED)
        self._articles: _Lru = _Lru(_CACHED)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Passage ids run below this (some are gone: removed articles leave holes)."""
        return self._size

    def close(self) -> None:
        pass  # the connection is the process's

    def remember(self, passages: Iterable[Passage]) -> None:
        with self._lock:
            for passage in passages:
                self._passages.keep(passage.id, passage)

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by id, in the order asked; ``KeyError`` for one that is gone."""
        with self._lock:
            found = {i: self._passages[i] for i in ids if i in self._passages}
        missing = sorted({int(i) for i in ids} - found.keys())
        if missing:
            with answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection, missing, with_payload=PASSAGE_FIELDS
                )
            fetched = [passage_of(p.payload) for p in points]
            self.remember(fetched)
            found |= {p.id: p for p in fetched}
        return [found[int(i)] for i in ids]

    def articles(self, ids: Iterable[int] | None = None) -> list[Article]:
        """Articles by id (all of them, ordered by title, when ``ids`` is None)."""
        if ids is None:
            records = [article_record(p) for p in self._scroll(self._catalog, "article")]
            self._keep_articles(records)
            return sorted((r.article for r in records), key=lambda a: (a.title, a.key))
        return [r.article for r in self._records(sorted(set(ids)))]

    def neighbours(
        self, passage: Passage, before: int, after: int
    ) -> tuple[list[Passage], list[Passage]]:
        records = self._records([passage.article_id])
        if not records:
            return [], []
        first, last = records[0].first, records[0].last
        earlier = range(max(first, passage.id - before), passage.id)
        later = range(passage.id + 1, min(last, passage.id + after) + 1)
        return self.passages(list(earlier)), self.passages(list(later))

    def passage_range(self, article_id: int) -> tuple[int, int]:
        records = self._records([article_id])
        return (records[0].first, records[0].last) if records else (0, -1)

    def live(self) -> list[tuple[int, int, Article]]:
        return [(0, a.id, a) for a in self.articles()]

    def holders(self, hashes: Sequence[str]) -> list[tuple[int, str, bool]]:
        """Articles holding a piece with one of these text hashes, and whether it is their
        passage (rather than a duplicate of another article's)."""
        if not hashes:
            return []
        wanted = set(hashes)
        fields = ["article", "text_hash"]
        passages = self._scroll(self._collection, None, "text_hash", hashes, fields)
        found = [(int(p["article"]), str(p["text_hash"]), True) for p in passages]
        for payload in self._scroll(self._catalog, "article", "duplicate_hashes", hashes):
            record = article_record(payload)
            found += [
                (record.article.id, d.text_hash, False)
                for d in record.duplicates
                if d.text_hash in wanted
            ]
        return found

    def article_rows(
        self, ids: Iterable[int]
    ) -> Iterator[tuple[Article, list[PassageRow], list[Duplicate]]]:
        for record in self._records(sorted(set(ids))):
            numbers = list(range(record.first, record.last + 1))
            with answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection, numbers, with_payload=[*PASSAGE_FIELDS, "text_hash"]
                )
            by_id = {int(p.payload["id"]): p.payload for p in points}
            rows = [
                PassageRow(passage_of(by_id[i]), str(by_id[i]["text_hash"]), 0)
                for i in numbers
                if i in by_id
            ]
            yield record.article, rows, list(record.duplicates)

    def _records(self, ids: Sequence[int]) -> list[ArticleRecord]:
        with self._lock:
            found = {i: self._articles[i] for i in ids if i in self._articles}
        missing = [i for i in ids if i not in found]
        if missing:
            with answering(self._connection):
                points = self._connection.client.retrieve(
                    self._catalog, [ARTICLES + i for i in missing], with_payload=True
                )
            records = [article_record(p.payload) for p in points]
            self._keep_articles(records)
            found |= {r.article.id: r for r in records}
        return [found[i] for i in ids if i in found]

    def _keep_articles(self, records: Iterable[ArticleRecord]) -> None:
        with self._lock:
            for record in records:
                self._articles.keep(record.article.id, record)

    def _scroll(
        self,
        collection: str,
        kind: str | None,
        key: str | None = None,
        values: Sequence[str] = (),
        payload: list[str] | bool = True,
    ) -> Iterator[dict[str, Any]]:
        """The payloads of every point of ``collection`` (of ``kind``; whose ``key`` holds one
        of ``values``)."""
        models = qdrant_models()
        must = []
        if kind is not None:
            must.append(models.FieldCondition(key="kind", match=models.MatchValue(value=kind)))
        if key is not None:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(values))))
        offset = None
        while True:
            with answering(self._connection):
                points, offset = self._connection.client.scroll(
                    collection,
                    scroll_filter=models.Filter(must=must),
                    limit=1024,
                    offset=offset,
                    with_payload=payload,
                )
            for point in points:
                yield point.payload
            if offset is None:
                return


class QdrantLexicon:
    """The library's terms and their statistics, read from its term points in the catalog
    (one request a question for the question's terms and the library's count of passages)."""

    def __init__(self, connection: Connection, collection: str) -> None:
        self._connection = connection
        self._collection = collection
        self._analyzer = Analyzer()
        self._articles: _Lru = _Lru(1024)  # (first, last) passage ids → the terms they hold
        self._lock = threading.Lock()

    def query(self, text: str) -> LexicalQuery:
        return resolve_query(self._analyzer, text, self._lookup)

    def _lookup(self, terms: Collection[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        indices = {term: term_index(term) for term in terms}
        ids = [LIBRARY, *sorted({TERMS + i for i in indices.values()})]
        with answering(self._connection):
            points = self._connection.client.retrieve(
                catalog_of(self._collection), ids, with_payload=True
            )
        payloads = {int(p.id): p.payload for p in points}
        stats = Stats.read(payloads.get(LIBRARY))
        known = {
            term: (index, int(payloads[TERMS + index]["df"]))
            for term, index in indices.items()
            if TERMS + index in payloads
        }
        return stats.passages, known

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(self._analyzer.terms(text))

    def known(self, terms: frozenset[str]) -> frozenset[int]:
        """Every term's index: a term the library lacks is never among a question's live
        terms, so it matches nothing, as if it were left out."""
        return frozenset(term_index(t) for t in terms)

    def positions(self, text: str) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for at, term in enumerate(self._analyzer.terms(text)):
            found.setdefault(term_index(term), []).append(at)
        return found

    def occurs_in(self, term_id: int, first: int, last: int) -> bool:
        """Whether a passage with an id in ``[first, last]`` (one article's) holds the term:
        the article's passages' terms, read once and kept."""
        key = (first, last)
        with self._lock:
            held = self._articles.get(key)
        if held is None:
            with answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection,
                    list(range(first, last + 1)),
                    with_payload=False,
                    with_vectors=[BM25],
                )
            held = frozenset(i for p in points for i in sparse_of(p.vector).indices)
            with self._lock:
                self._articles.keep(key, held)
        return term_id in held
