"""The default store: the library in its index directory, as FAISS, BM25 postings and SQLite.

The directory's layout, its versions and their atomic switch are ``layout``'s; a version's
segments are ``segments``', ``catalog``'s and ``merge``'s. This module joins them under the
store interface (``base``): candidates from every segment's FAISS index and BM25 postings, a
whole build written as one segment, a change as hard-linked segments, one new segment and
tombstones.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace

import numpy as np

from index import layout
from index.catalog import Catalog
from index.config import EngineConfig
from index.dense import DenseIndex, SegmentedDense
from index.embedder import Embedder
from index.errors import CitebotError
from index.lexical import LexicalIndex, LexicalQuery, LexicalSegment
from index.manifest import Manifest, SegmentInfo
from index.merge import merge_if_due
from index.records import Article
from index.retriever import Retriever
from index.segments import write_segment
from index.stored import damaged
from index.stores.base import Candidates, Content
from index.vectors import SegmentedVectors, VectorFile


class FaissSource:
    """Candidates from every segment's FAISS index and BM25 postings, with their vectors read
    row by row from the segments' vector files."""

    def __init__(
        self,
        dense: SegmentedDense,
        lexical: LexicalIndex,
        passage_vectors: SegmentedVectors,
        sentence_vectors: SegmentedVectors,
        store: Catalog,
    ) -> None:
        self._dense = dense
        self._lexical = lexical
        self._passages = passage_vectors
        self._sentences = sentence_vectors
        self._store = store

    def candidates(self, query: np.ndarray, lexical: LexicalQuery, n: int) -> Candidates:
        dense_ids, _ = self._dense.search(query, n)
        lexical_ids = _top(self._lexical.scores(lexical), n)
        ids = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        ids = ids[ids >= 0]  # FAISS pads with -1 when the library has fewer than n passages
        if len(ids) == 0:
            return Candidates(ids, [], np.empty(0), np.empty(0), [], np.empty(0))
        spans = self._store.sentence_rows(ids.tolist())
        counts = [count for _, count in spans]
        return Candidates(
            ids,
            self._store.passages(ids.tolist()),
            self._passages.rows(ids),
            self._sentences.spans(spans) if sum(counts) else np.empty(0),
            counts,
            self._lexical.contains(lexical, ids),
        )


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest positive scores (unordered: the caller rescores them)."""
    if len(scores) == 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return top[scores[top] > 0]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One index version, opened read-only: each of its segments' files, read as one library.

    Opening costs what the files' headers and the vocabularies cost, not the library's size:
    vectors are read by row, FAISS and BM25 arrays memory-mapped, SQLite opened immutable.
    """

    version: layout.Version
    manifest: Manifest
    store: Catalog
    retriever: Retriever
    location: str

    @classmethod
    def open(cls, version: layout.Version, config: EngineConfig, embedder: Embedder) -> Snapshot:
        manifest = Manifest.read(version.manifest)
        manifest.check_model(config.model, embedder.dimension)
        store = Catalog.open(version, manifest.segments)
        try:
            dense, lexical, passages, sentences = _halves(version, manifest, store)
            source = FaissSource(dense, lexical, passages, sentences, store)
            retriever = Retriever(source, lexical, store, config.retrieval)
        except CitebotError:
            store.close()
            raise
        return cls(version, manifest, store, retriever, str(config.index_dir))

    def size_bytes(self) -> int:
        return layout.tree_size(self.version.dir)

    def close(self) -> None:
        self.store.close()


def _halves(
    version: layout.Version, manifest: Manifest, store: Catalog
) -> tuple[SegmentedDense, LexicalIndex, SegmentedVectors, SegmentedVectors]:
    """The dense and lexical indexes and the vector files of every segment, joined."""
    dense, lexical, passages, sentences = [], [], [], []
    for info in manifest.segments:
        files = version.segment(info.name)
        passages.append(VectorFile(files.passage_vectors, info.passages, manifest.dimension))
        sentences.append(VectorFile(files.sentence_vectors, info.sentences, manifest.dimension))
        dense.append(DenseIndex.open(files.dense))
        lexical.append(LexicalSegment.open(files.lexical))
        if len(dense[-1]) != info.passages or lexical[-1].num_docs != info.passages:
            raise damaged(files.dir, "its indexes do not hold the passages the manifest lists")
    return (
        SegmentedDense(dense, store.passage_offsets, store.deleted),
        LexicalIndex(lexical, store.passage_offsets, store.deleted),
        SegmentedVectors(passages, store.passage_offsets),
        SegmentedVectors(sentences, store.sentence_offsets),
    )


@dataclass(slots=True)
class Current:
    """The version a change starts from: its manifest and its articles (no vectors, no
    indexes: a change reads only the few rows it needs)."""

    version: layout.Version
    manifest: Manifest
    catalog: Catalog

    def __enter__(self) -> Current:
        return self

    def __exit__(self, *_: object) -> None:
        self.catalog.close()


class FaissStore:
    """Libraries in index directories (``layout``): the default store."""

    def current_id(self, config: EngineConfig) -> str | None:
        return layout.current_id(config.index_dir)

    def manifest(self, config: EngineConfig) -> Manifest:
        return Manifest.read(layout.current_version(config.index_dir).manifest)

    def open(self, config: EngineConfig, embedder: Embedder) -> Snapshot:
        return Snapshot.open(layout.current_version(config.index_dir), config, embedder)

    def writing(self, config: EngineConfig) -> AbstractContextManager[object]:
        return layout.writing(config.index_dir)

    def current(self, config: EngineConfig, embedder: Embedder | None) -> Current:
        version = layout.current_version(config.index_dir)
        manifest = Manifest.read(version.manifest)
        if embedder is not None:
            manifest.check_model(embedder.name, embedder.dimension)
        return Current(version, manifest, Catalog.open(version, manifest.segments))

    def write(self, config: EngineConfig, embedder: Embedder, content: Content) -> None:
        """A whole new index of ``content``: one segment."""
        version = layout.new_version(config.index_dir)
        files = version.segment(layout.new_segment_name())
        segment = _write_segment(files, content, config)
        _publish(config, embedder, version, [segment])

    def change(
        self,
        config: EngineConfig,
        embedder: Embedder,
        current: Current,
        content: Content,
        gone: Collection[Article],
    ) -> Manifest:
        """A new version of ``current`` with ``content`` added and the articles ``gone`` (global
        ids) removed: its segments hard-linked, one new segment, tombstones."""
        catalog = current.catalog
        version = layout.new_version(config.index_dir)
        segments = []
        for at, info in enumerate(current.manifest.segments):
            offset = int(catalog.article_offsets[at])
            mine = [a for a in gone if catalog.article_segment(a.id) == at]
            deleted = set(info.deleted) | {a.id - offset for a in mine}
            if len(deleted) == info.articles:
                continue  # nothing of it is live: the new version leaves it out
            layout.link_segment(current.version.segment(info.name), version.segment(info.name))
            segments.append(
                replace(
                    info,
                    deleted=tuple(sorted(deleted)),
                    deleted_passages=info.deleted_passages + sum(a.passage_count for a in mine),
                )
            )
        if content.articles:
            files = version.segment(layout.new_segment_name())
            segments.append(_write_segment(files, content, config))
        _publish(config, embedder, version, segments)
        return Manifest.read(version.manifest)

    def merge_if_due(self, config: EngineConfig, *, everything: bool = False) -> int:
        return merge_if_due(config, everything=everything)

    def drop(self, _config: EngineConfig) -> bool:
        return False  # the index directory is the whole library: its owner deletes it


def _write_segment(
    files: layout.SegmentFiles, content: Content, config: EngineConfig
) -> SegmentInfo:
    return write_segment(
        files,
        content.articles,
        content.rows,
        content.duplicates,
        content.passage_vectors,
        content.sentence_vectors,
        config.dense_index,
    )


def _publish(
    config: EngineConfig,
    embedder: Embedder,
    version: layout.Version,
    segments: list[SegmentInfo],
) -> None:
    Manifest.of(
        segments, model=embedder.name, dimension=embedder.dimension, backend=embedder.backend
    ).write(version.manifest)
    layout.publish(config.index_dir, version)


STORE = FaissStore()
