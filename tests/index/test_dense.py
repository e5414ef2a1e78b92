"""The FAISS half: a segment's tombstoned passages are passed over by the search itself."""

from __future__ import annotations

import numpy as np
import pytest

from index.dense import DenseIndex, Skip


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_search_skips_tombstones_and_still_gives_k_live_passages(tmp_path, kind) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    DenseIndex.build(vectors, tmp_path / "dense.faiss", kind)
    index = DenseIndex.open(tmp_path / "dense.faiss")
    assert index.kind == kind

    best, _ = index.search(vectors[5], 50)
    dead = best[:20].copy()
    live, scores = index.search(vectors[5], 50, Skip(dead))

    assert len(live) == 50
    assert not set(live.tolist()) & set(dead.tolist())
    assert set(best[20:].tolist()) <= set(live.tolist())  # the next best are still found
    assert np.all(np.diff(scores) <= 1e-6)  # best first
