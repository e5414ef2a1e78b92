"""The FAISS index over passage vectors, its kind chosen by the library's size.

Vectors are L2-normalised, so inner product is cosine similarity. An exact flat index is the
best choice while a full scan stays fast; past ``HNSW_FROM`` passages a scan costs more than
the question's own encoding (6 ms at 100,000 passages on 2 cores, 150 MB read per question),
and a graph index answers in under a millisecond at a recall we measure (``citebot bench``).
The graph stores 8-bit scalar-quantised vectors (a quarter of the memory of float32: 1M
passages take about 0.65 GB with the graph) because the retriever rescores every candidate
with the exact vectors anyway: the graph only has to get the right passages into the
candidate list, not to order them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from index.config import DenseKind
from index.errors import IndexCorrupt

HNSW_FROM = 50_000
HNSW_LINKS = 32  # graph degree: recall vs. memory (32 links ≈ 256 bytes a vector)
HNSW_EF_BUILD = 80
HNSW_EF_SEARCH = 512  # candidates the graph search keeps: recall at 1M (citebot bench)
SQ_TRAINING = 50_000  # vectors the 8-bit quantiser learns its ranges from


def choose(count: int, kind: DenseKind = "auto") -> Literal["flat", "hnsw"]:
    if kind != "auto":
        return kind
    return "hnsw" if count >= HNSW_FROM else "flat"


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, path: Path, kind: DenseKind = "auto") -> str:
        """Write an index of ``vectors`` (row i is passage i) to ``path``; returns its kind."""
        chosen = choose(len(vectors), kind)
        dimension = vectors.shape[1]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if chosen == "hnsw":
            index = faiss.IndexHNSWSQ(
                dimension, faiss.ScalarQuantizer.QT_8bit, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT
            )
            index.hnsw.efConstruction = HNSW_EF_BUILD
            # The quantiser learns each dimension's range; a sample shows it as well as all.
            index.train(vectors[:: max(1, len(vectors) // SQ_TRAINING)])
        else:
            index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        faiss.write_index(index, str(path))
        return chosen

    @classmethod
    def open(cls, path: Path) -> DenseIndex:
        try:
            flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
            return cls(faiss.read_index(str(path), flags))
        except RuntimeError as error:
            reason = str(error).strip().splitlines()[-1][:120] if str(error) else "unreadable"
            raise IndexCorrupt(
                f"{path} is damaged ({reason}): rebuild the index with `citebot index build DIR`."
            ) from None

    def search(
        self, query: np.ndarray, k: int, skip: Skip | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosine scores of the ``k`` nearest passages not in ``skip`` (fewer if the
        library is small)."""
        k = min(k, self._index.ntotal)
        if k == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        params = None
        if skip is not None:
            params = (
                faiss.SearchParametersHNSW(sel=skip.selector, efSearch=HNSW_EF_SEARCH)
                if isinstance(self._index, faiss.IndexHNSW)
                else faiss.SearchParameters(sel=skip.selector)
            )
        scores, ids = self._index.search(query.reshape(1, -1), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]


class Skip:
    """Ids a search passes over (a segment's tombstoned passages), as a FAISS selector: the
    search itself leaves them out, so it asks for ``k`` and gets ``k`` live passages however
    many are tombstoned (asking for ``k`` plus their number made a question's cost grow with
    the tombstones: 6 ms instead of 1 at 29% of 40,000)."""

    def __init__(self, ids: np.ndarray) -> None:
        self._ids = np.ascontiguousarray(ids, dtype=np.int64)  # FAISS keeps a pointer to it
        self._batch = faiss.IDSelectorBatch(len(self._ids), faiss.swig_ptr(self._ids))
        self.selector = faiss.IDSelectorNot(self._batch)


class SegmentedDense:
    """Every segment's FAISS index searched as one library's.

    Each segment gives its own ``k`` best live passages (its tombstoned ones passed over by the
    search itself, ``Skip``); the best ``k`` of all are then those
    of one index over the live passages, exactly so for flat segments. The retriever rescores
    the candidates with the exact vectors, so the answer is the same as long as they are.
    """

    def __init__(
        self, indexes: Sequence[DenseIndex], offsets: np.ndarray, deleted: Sequence[np.ndarray]
    ) -> None:
        skips = [Skip(dead) if len(dead) else None for dead in deleted]
        self._parts = list(zip(indexes, np.asarray(offsets).tolist(), skips, strict=True))

    @property
    def kind(self) -> str:
        """The largest segment's kind: the one an exact scan would miss answers through."""
        return max((index for index, _, _ in self._parts), key=len).kind

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Global ids and cosine scores of the ``k`` nearest live passages, best first."""
        found_ids, found_scores = [], []
        for index, offset, skip in self._parts:
            ids, scores = index.search(query, k, skip)
            found_ids.append(ids.astype(np.int64) + offset)
            found_scores.append(scores)
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        best = np.argsort(-scores, kind="stable")[:k]
        return ids[best], scores[best]
