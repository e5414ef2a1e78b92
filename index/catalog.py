"""The articles and passages of a whole version: every segment's store under global ids.

A segment numbers its articles and passages from 0; the catalog places segment ``i`` at the
sum of the sizes of the segments before it (Lucene's doc base), so that a passage id is the
same everywhere: in the FAISS and BM25 results, the vector rows, the bot's "Show context".
An article lives in one segment, so its passages stay contiguous (``passage_range``).
Tombstoned articles (removed or replaced since their segment was written) are left out of
every listing; their passages are in ``deleted``, which the dense and lexical halves drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

import numpy as np

from index.errors import CitebotError
from index.layout import Version
from index.manifest import SegmentInfo
from index.records import Article, Passage
from index.store import Duplicate, PassageRow, Store


class Catalog:
    """Read-only access to a version's live articles and passages; shareable across threads."""

    def __init__(self, stores: Sequence[Store], infos: Sequence[SegmentInfo]) -> None:
        self.stores = list(stores)
        self.infos = list(infos)
        self.passage_offsets = _offsets(s.passages for s in infos)
        self.article_offsets = _offsets(s.articles for s in infos)
        self.sentence_offsets = _offsets(s.sentences for s in infos)
        self._dead_articles = [frozenset(s.deleted) for s in infos]
        # Per segment, the ascending local ids of tombstoned passages.
        self.deleted = [
            np.asarray(store.passage_ids(sorted(s.deleted)) if s.deleted else [], dtype=np.int64)
            for store, s in zip(self.stores, infos, strict=True)
        ]

    @classmethod
    def open(cls, version: Version, infos: Sequence[SegmentInfo]) -> Catalog:
        stores: list[Store] = []
        try:
            for info in infos:
                stores.append(Store(version.segment(info.name).store))
            return cls(stores, infos)
        except (CitebotError, OSError):
            for store in stores:
                store.close()
            raise

    def close(self) -> None:
        for store in self.stores:
            store.close()

    @property
    def size(self) -> int:
        """Passage ids run from 0 to ``size - 1`` (tombstoned ones included)."""
        return int(self.passage_offsets[-1]) + self.infos[-1].passages if self.infos else 0

    def segment_of(self, passage_id: int) -> int:
        return int(np.searchsorted(self.passage_offsets, passage_id, side="right")) - 1

    def article_segment(self, article_id: int) -> int:
        return int(np.searchsorted(self.article_offsets, article_id, side="right")) - 1

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by id, in the order asked."""
        found: dict[int, Passage] = {}
        for at, local in self._by_segment(ids, self.passage_offsets).items():
            for passage in self.stores[at].passages(local):
                found[passage.id + int(self.passage_offsets[at])] = self._moved(passage, at)
        return [found[int(i)] for i in ids]

    def sentence_rows(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        """For each passage id, the first global row and the number of its sentence vectors."""
        found: dict[int, tuple[int, int]] = {}
        for at, local in self._by_segment(ids, self.passage_offsets).items():
            base = int(self.sentence_offsets[at])
            for i, (row, count) in zip(local, self.stores[at].sentence_rows(local), strict=True):
                found[i + int(self.passage_offsets[at])] = (row + base, count)
        return [found[int(i)] for i in ids]

    def articles(self, ids: Iterable[int] | None = None) -> list[Article]:
        """Live articles by id (all of them, ordered by title, when ``ids`` is None)."""
        if ids is None:
            every = [
                self._article(a, at)
                for at, store in enumerate(self.stores)
                for a in store.articles()
                if a.id not in self._dead_articles[at]
            ]
            return sorted(every, key=lambda a: (a.title, a.key))
        out = []
        for at, local in self._by_segment(sorted(set(ids)), self.article_offsets).items():
            out += [self._article(a, at) for a in self.stores[at].articles(local)]
        return out

    def neighbours(
        self, passage: Passage, before: int, after: int
    ) -> tuple[list[Passage], list[Passage]]:
        """Passages of the same article just before and just after ``passage``."""
        at = self.segment_of(passage.id)
        local = self._moved(passage, at, -1)
        earlier, later = self.stores[at].neighbours(local, before, after)
        return [self._moved(p, at) for p in earlier], [self._moved(p, at) for p in later]

    def passage_range(self, article_id: int) -> tuple[int, int]:
        """The first and last passage id of an article (an article's passages are numbered
        together, in order, in its one segment)."""
        at = self.article_segment(article_id)
        first, last = self.stores[at].passage_range(article_id - int(self.article_offsets[at]))
        if first > last:
            return first, last
        offset = int(self.passage_offsets[at])
        return first + offset, last + offset

    def live(self) -> list[tuple[int, int, Article]]:
        """Every live article as (segment, its id there, the article with its global id)."""
        return [
            (at, a.id, self._article(a, at))
            for at, store in enumerate(self.stores)
            for a in store.articles()
            if a.id not in self._dead_articles[at]
        ]

    def holders(self, hashes: Sequence[str]) -> list[tuple[int, str, bool]]:
        """Live articles (global ids) holding a piece with one of these text hashes, and
        whether the piece is their passage (see ``Store.holders``)."""
        found = []
        for at, store in enumerate(self.stores):
            offset = int(self.article_offsets[at])
            found += [
                (a + offset, h, owned)
                for a, h, owned in store.holders(hashes)
                if a not in self._dead_articles[at]
            ]
        return found

    def article_rows(
        self, ids: Iterable[int]
    ) -> Iterator[tuple[Article, list[PassageRow], list[Duplicate]]]:
        """Articles (global ids) with their passages and duplicates as their segment stores
        them (segment ids), to write them again elsewhere."""
        for at, local in self._by_segment(sorted(set(ids)), self.article_offsets).items():
            for article, rows, duplicates in self.stores[at].article_rows(local):
                yield self._article(article, at), rows, duplicates

    def _by_segment(self, ids: Iterable[int], offsets: np.ndarray) -> dict[int, list[int]]:
        """Global ids grouped by segment, as that segment's own ids, in the order given."""
        grouped: dict[int, list[int]] = {}
        for i in ids:
            at = int(np.searchsorted(offsets, i, side="right")) - 1
            grouped.setdefault(at, []).append(int(i) - int(offsets[at]))
        return grouped

    def _moved(self, passage: Passage, at: int, sign: int = 1) -> Passage:
        """A passage of segment ``at`` with global ids (or, with ``sign`` -1, back)."""
        return replace(
            passage,
            id=passage.id + sign * int(self.passage_offsets[at]),
            article_id=passage.article_id + sign * int(self.article_offsets[at]),
        )

    def _article(self, article: Article, at: int) -> Article:
        return replace(article, id=article.id + int(self.article_offsets[at]))


def _offsets(sizes: Iterable[int]) -> np.ndarray:
    """Where each segment starts: the sum of the sizes before it."""
    sizes = list(sizes)
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else np.zeros(0)
