"""Writing one segment: the immutable unit a version is made of.

A segment holds some articles with everything needed to answer from them: its passages'
vectors, their FAISS index, their term frequencies for BM25 and its SQLite store, all with the
segment's own ids (from 0). A full build writes one segment; ``add`` writes one for what it
adds; a merge writes one from several (``merge``). Nothing writes into a segment afterwards:
later versions only hard-link its files and tombstone its articles in their manifest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.config import DenseKind
from index.dense import DenseIndex
from index.layout import SegmentFiles
from index.lexical import LexicalSegment
from index.manifest import SegmentInfo
from index.records import Article
from index.store import Duplicate, PassageRow, StoreWriter


def write_segment(
    files: SegmentFiles,
    articles: Sequence[Article],
    rows: Sequence[PassageRow],
    duplicates: Sequence[Duplicate],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    dense_kind: DenseKind,
) -> SegmentInfo:
    """Write a segment of ``articles`` (ids from 0) and its passages into ``files.dir``."""
    files.dir.mkdir(parents=True)
    np.save(files.passage_vectors, passage_vectors.astype(np.float32), allow_pickle=False)
    np.save(files.sentence_vectors, sentence_vectors.astype(np.float16), allow_pickle=False)
    kind = DenseIndex.build(passage_vectors, files.dense, dense_kind if len(rows) else "flat")
    LexicalSegment.build((r.passage.text for r in rows), files.lexical)
    StoreWriter(files.store).write(articles, rows, duplicates)
    return SegmentInfo(
        name=files.dir.name,
        articles=len(articles),
        passages=len(rows),
        sentences=len(sentence_vectors),
        dense_index=kind,
    )
