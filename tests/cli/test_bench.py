"""``citebot bench`` runs end to end on a small plan and prints every documented figure.

Below 50,000 passages the index is exact and its ANN recall is 1.0 by definition, which would
test nothing: the run forces the graph index (``CITEBOT_DENSE_INDEX=hnsw``) so that the recall
figure is measured, and a test of ``ann_recall`` itself shows that it does report misses.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests_paths import SQUAD, shared

from cli.main import main
from index.benchmark import ann_recall
from index.dense import DenseIndex

pytestmark = pytest.mark.slow

# The graph index over a few hundred passages should find nearly all of the exact top 10.
LEAST_RECALL = 0.9


def test_bench_json_has_every_figure(tmp_path, monkeypatch, capsys, model_cache, karabakh):
    squad = shared(SQUAD, "the SQuAD development set")
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("CITEBOT_DENSE_INDEX", "hnsw")
    args = ["bench", "--json", "--squad", str(squad), "--sizes", "20,300", "--queries", "8"]

    assert main([*args, "--real-passages", "40", "--article", str(karabakh), "--servers", "0"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["build_vs_encode"] > 0
    assert result["encode_per_s"] > 0 and result["build_per_s"] > 0
    paragraph = result["long_paragraph"]
    assert paragraph["chars"] >= 2**20
    assert paragraph["one_paragraph_s"] > 0 and paragraph["paragraphs_s"] > 0
    assert paragraph["one_paragraph_passages"] > 1  # cut to the window, not read as one
    assert set(result["sizes"]) == {"20", "300"}
    real, synthetic = result["sizes"]["20"], result["sizes"]["300"]
    assert not real["synthetic"] and synthetic["synthetic"]
    assert 300 < synthetic["passages"] < 400  # the library, and the real article added to it
    for figures in (real, synthetic):
        for key in ("p50_ms", "p99_ms", "encode_ms", "rss_mib"):
            assert figures[key] > 0, key
        assert figures["p50_ms"] >= figures["encode_ms"]  # the encoding is part of an answer
        assert figures["dense_index"] == "hnsw"  # measured, not the exact index's 1.0
        assert LEAST_RECALL <= figures["ann_recall@10"] <= 1.0
        # One real article added three times (each replacing the last), then a full merge.
        assert figures["add_s"] > 0 and len(figures["add_runs_s"]) == 3
        assert figures["add_embedded"] > 0  # the model's time was paid, not cached
        assert figures["segments"] == 2 and figures["merged_segments"] == 2
    assert result["concurrency"]["questions"] == 100
    assert result["concurrency"]["qps"] > 0
    assert "many_servers" not in result  # --servers 0 leaves the row out


def test_bench_many_servers_alone(monkeypatch, capsys, model_cache):
    squad = shared(SQUAD, "the SQuAD development set")
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("CITEBOT_OPEN_LIBRARIES", "3")
    args = ["bench", "--json", "--only-servers", "--squad", str(squad), "--queries", "30"]

    assert main([*args, "--servers", "8", "--server-passages", "25"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"machine", "many_servers"}
    servers = result["many_servers"]
    assert (servers["servers"], servers["passages"], servers["capacity"]) == (8, 25, 3)
    assert servers["questions"] == 30
    assert 0 < servers["found_open"] < 1  # 8 libraries through 3 places: some of each
    assert servers["open_libraries"] == 3  # never more than the bound
    assert servers["probes"] == 5  # the servers left closed after the questions
    for key in ("p50_ms", "p99_ms", "rss_mib", "private_mib", "start_rss_mib"):
        assert servers[key] > 0, key
    for key in ("closed_p50_ms", "closed_p99_ms", "open_p50_ms", "open_p99_ms", "encode_ms"):
        assert servers[key] > 0, key


@pytest.mark.parametrize("args", [["--only-servers", "--servers", "0"], ["--servers", "-1"]])
def test_bench_refuses_a_many_servers_row_of_nothing(cli_env, capsys, args):
    squad = shared(SQUAD, "the SQuAD development set")

    assert main(["bench", "--squad", str(squad), *args]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: --servers") and err.count("\n") == 1, err


class _Questions:
    """Stands in for the model: each question is a fixed random unit vector."""

    def __init__(self, dimension: int) -> None:
        self._rng = np.random.default_rng(1)
        self._dimension = dimension

    def encode_query(self, _question: str) -> np.ndarray:
        vector = self._rng.standard_normal(self._dimension).astype(np.float32)
        return vector / np.linalg.norm(vector)


def _unit_rows(rows: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_ann_recall_counts_the_exact_neighbours_the_graph_misses(tmp_path):
    vectors = _unit_rows(400, 32, seed=2)
    questions = [f"question {n}" for n in range(20)]
    DenseIndex.build(vectors, tmp_path / "good.faiss", "hnsw")
    # A graph over other vectors: its candidates are not the passages' nearest neighbours.
    DenseIndex.build(_unit_rows(400, 32, seed=3), tmp_path / "other.faiss", "hnsw")

    good = ann_recall(DenseIndex.open(tmp_path / "good.faiss"), vectors, _Questions(32), questions)
    other = ann_recall(
        DenseIndex.open(tmp_path / "other.faiss"), vectors, _Questions(32), questions
    )

    assert good >= LEAST_RECALL
    assert other < 0.5
