"""BM25 from stored term frequencies scores as bm25s did, and as a rebuild would across
segments with tombstones."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index.analysis import Analyzer
from index.lexical import K1, B, LexicalIndex, LexicalSegment

TEXTS = [
    "The harbour tram has fourteen stops and a tram depot.",
    "",
    "The glacier lost eleven metres of ice; the glacier keeps melting.",
    "Trams run in Harbour City every ten minutes.",
    "Russia has a defense pact with Armenia.",
    "The ferry to the harbour leaves at noon.",
]
QUESTIONS = ["harbour tram stops", "glacier ice", "Russia defense pact", "tram", "ferry noon"]


def _bm25s_scores(texts: list[str], question: str) -> np.ndarray:
    analyzer = Analyzer()
    model = bm25s.BM25(k1=K1, b=B, method="lucene")
    model.index([analyzer.terms(t) or [""] for t in texts], show_progress=False)
    scores = np.zeros(len(texts), dtype=np.float32)
    for term in analyzer.terms(question):
        if (column := model.vocab_dict.get(term)) is not None:
            begin, end = model.scores["indptr"][column], model.scores["indptr"][column + 1]
            scores[model.scores["indices"][begin:end]] += model.scores["data"][begin:end]
    return scores


@pytest.mark.parametrize("question", QUESTIONS)
def test_one_segment_scores_as_bm25s_lucene(tmp_path, question):
    LexicalIndex.build(TEXTS, tmp_path)
    lexical = LexicalIndex.open(tmp_path)

    scores = lexical.scores(lexical.query(question))

    assert scores == pytest.approx(_bm25s_scores(TEXTS, question), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("question", QUESTIONS)
def test_segments_with_tombstones_score_as_one_rebuilt_index(tmp_path, question):
    """Three segments, two passages tombstoned: the live passages score as in one index of
    the live texts, and the query's weights are the same."""
    parts = [TEXTS[:3], ["A stale note about the tram and the glacier.", *TEXTS[3:5]], TEXTS[5:]]
    for n, part in enumerate(parts):
        LexicalSegment.build(part, tmp_path / str(n))
    segments = [LexicalSegment.open(tmp_path / str(n)) for n in range(len(parts))]
    deleted = [np.array([1]), np.array([0]), np.array([], dtype=np.int64)]  # "" and the note
    joined = LexicalIndex(segments, [0, 3, 6], deleted)
    live = [TEXTS[0], TEXTS[2], *TEXTS[3:]]
    LexicalIndex.build(live, tmp_path / "rebuilt")
    rebuilt = LexicalIndex.open(tmp_path / "rebuilt")

    query, expected = joined.query(question), rebuilt.query(question)
    scores = joined.scores(query)

    assert query.weights.tolist() == pytest.approx(expected.weights.tolist(), rel=1e-12)
    assert query.total_weight == pytest.approx(expected.total_weight, rel=1e-12)
    assert scores[[1, 3]].tolist() == [0.0, 0.0]  # tombstoned
    keep = [0, 2, 4, 5, 6]
    assert scores[keep] == pytest.approx(rebuilt.scores(expected), rel=1e-6)
    found = joined.contains(query, np.array(keep))
    assert found.tolist() == rebuilt.contains(expected, np.arange(len(live))).tolist()
