"""Every backend a user can choose loads offline and gives the default model's vectors."""

from __future__ import annotations

import numpy as np
import pytest

from index import Embedder, EngineConfig

pytestmark = pytest.mark.slow

TEXTS = [
    "The harbour tram will have fourteen stops in total.",
    "Rainfall in the valley doubled over the last decade.",
    "who does Russia have a defense pact with?",
]


@pytest.mark.parametrize(("backend", "least_cosine"), [("torch", 0.999), ("onnx-int8", 0.98)])
def test_backend_agrees_with_the_default(tmp_path, embedder, backend, least_cosine):
    other = Embedder(EngineConfig(cache_dir=tmp_path / "cache", backend=backend))
    again = Embedder(EngineConfig(cache_dir=tmp_path / "cache", backend=backend))  # cached export
    vectors = other.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    cosines = np.sum(vectors * embedder.encode(TEXTS), axis=1)
    assert cosines.min() >= least_cosine
    assert np.allclose(again.encode(TEXTS), vectors, atol=1e-5)


def test_a_shared_view_encodes_to_the_same_vectors(embedder):
    texts = [
        "Trams will run every six minutes at peak hours.",
        "A sourdough starter is flour and water that wild yeast ferments.",
        "The council approved a tram line to the harbour with fourteen stops on Tuesday.",
    ]
    view = embedder.sharing(1)
    assert view.batch_size == 1 and embedder.batch_size != 1
    assert view.model is embedder.model  # one model in the process
    np.testing.assert_allclose(view.encode(texts), embedder.encode(texts), atol=1e-5)
