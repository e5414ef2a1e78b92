"""Searching a build: candidates from one hybrid query, server-side, the dense and the BM25
nearest as two prefetches fused (their union), returned with the payloads and vectors the
retriever's rescoring reads, as it reads the FAISS store's.
"""

from __future__ import annotations

import numpy as np

from index.lexical import LexicalQuery
from index.stores.base import Candidates
from index.stores.qdrant.catalog import QdrantCatalog
from index.stores.qdrant.connection import Connection, answering, qdrant_models
from index.stores.qdrant.points import (
    BM25,
    PASSAGE,
    PASSAGE_FIELDS,
    SENTENCES,
    passage_of,
    sparse_of,
)

# A graph search keeps this many candidates: the FAISS graph's efSearch (``dense``).
HNSW_EF = 512
# Candidates the quantised vectors preselect, per one kept after the full vectors rescore.
OVERSAMPLING = 2.0


class QdrantSource:
    """Candidates from one hybrid query: the dense and the BM25 nearest, fused server-side,
    with the payloads and vectors the rescoring reads."""

    def __init__(
        self, connection: Connection, collection: str, catalog: QdrantCatalog, dimension: int
    ) -> None:
        self._connection = connection
        self._collection = collection
        self._catalog = catalog
        self._dimension = dimension
        models = qdrant_models()
        # Local mode searches exactly and warns about search parameters; a server searches its
        # graph over the quantised vectors, then rescores with the full ones.
        self._params = None
        if not connection.local:
            self._params = models.SearchParams(
                hnsw_ef=HNSW_EF,
                quantization=models.QuantizationSearchParams(
                    rescore=True, oversampling=OVERSAMPLING
                ),
            )

    def candidates(self, query: np.ndarray, lexical: LexicalQuery, n: int) -> Candidates:
        models = qdrant_models()
        terms = sorted({int(t) for t in lexical.term_ids})  # two may share a hash
        prefetch = [
            models.Prefetch(query=query.tolist(), using=PASSAGE, limit=n, params=self._params)
        ]
        if terms:
            sparse = models.SparseVector(indices=terms, values=[1.0] * len(terms))
            prefetch.append(models.Prefetch(query=sparse, using=BM25, limit=n))
        with answering(self._connection):
            found = self._connection.client.query_points(
                self._collection,
                prefetch=prefetch,
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=2 * n,
                with_payload=PASSAGE_FIELDS,
                with_vectors=True,
            ).points
        found.sort(key=lambda p: int(p.id))
        passages = [passage_of(p.payload) for p in found]
        self._catalog.remember(passages)
        vectors = [p.vector for p in found]
        sentences = [np.asarray(v.get(SENTENCES) or [], dtype=np.float32) for v in vectors]
        column = {term: c for c, term in enumerate(lexical.term_ids.tolist())}
        holds = np.zeros((len(found), len(column)), dtype=bool)
        for row, v in enumerate(vectors):
            for index in sparse_of(v.get(BM25)).indices:
                if (c := column.get(int(index))) is not None:
                    holds[row, c] = True
        shape = (0, self._dimension)
        return Candidates(
            np.array([int(p.id) for p in found], dtype=np.int64),
            passages,
            np.asarray([v[PASSAGE] for v in vectors], dtype=np.float32).reshape(-1, shape[1]),
            np.concatenate([s.reshape(-1, shape[1]) for s in sentences])
            if sentences
            else np.empty(shape, dtype=np.float32),
            [len(s) for s in sentences],
            holds,
        )
