"""``citebot bench`` runs end to end on a small plan and prints every documented figure."""

from __future__ import annotations

import json

import pytest
from tests_paths import SQUAD

from cli.main import main

pytestmark = pytest.mark.slow


def test_bench_json_has_every_figure(tmp_path, monkeypatch, capsys):
    if not SQUAD.is_file():
        pytest.skip(f"the SQuAD development set {SQUAD} is not here (../shared beside the repo)")
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(tmp_path / "cache"))
    args = ["bench", "--json", "--squad", str(SQUAD), "--sizes", "20,300", "--queries", "8"]

    assert main([*args, "--real-passages", "40"]) == 0

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
    assert synthetic["passages"] == 300
    for figures in (real, synthetic):
        for key in ("p50_ms", "p99_ms", "encode_ms", "rss_mib", "ann_recall@10"):
            assert figures[key] > 0, key
        assert figures["p50_ms"] >= figures["encode_ms"]  # the encoding is part of an answer
    assert result["concurrency"]["questions"] == 100
    assert result["concurrency"]["qps"] > 0
