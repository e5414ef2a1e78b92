"""Hybrid retrieval over one index version: which passages answer a question, and how surely.

Dense retrieval finds paraphrases, BM25 finds rare names and numbers; neither alone is good
enough (docs/retrieval.md has the measurements). Candidates from both are rescored with
features that mean the same thing in any library, whatever its size:

* the cosine of the question with the passage, and with the passage's best sentence (a
  question usually targets one sentence, and its vector is diluted in a long paragraph);
* lexical coverage: the share of the question's idf mass that the passage contains.

The fused score is the confidence shown to users and compared with the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.config import RetrievalConfig
from index.dense import DenseIndex
from index.lexical import LexicalIndex
from index.store import Store

# Fusion weights (sum to 1, so the fused score stays in [0, 1] like its parts).
W_PASSAGE = 0.3
W_SENTENCE = 0.4
W_LEXICAL = 0.3


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate passage after rescoring."""

    passage_id: int
    score: float
    sentence: int  # index into the passage's sentences of the best-answering one


class Retriever:
    """Finds and ranks passages of one index version for a question."""

    def __init__(
        self,
        dense: DenseIndex,
        lexical: LexicalIndex,
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        store: Store,
        config: RetrievalConfig,
    ) -> None:
        self._dense = dense
        self._lexical = lexical
        self._passages = passage_vectors
        self._sentences = sentence_vectors
        self._store = store
        self._config = config

    def search(self, question: str, query: np.ndarray, k: int) -> list[Scored]:
        """The ``k`` best passages for ``question`` (whose vector is ``query``), best first."""
        n = self._config.candidates
        dense_ids, _ = self._dense.search(query, n)
        lexical_query = self._lexical.query(question)
        bm25 = self._lexical.scores(lexical_query)
        lexical_ids = _top(bm25, n)
        ids = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        if len(ids) == 0:
            return []
        passage_cos = self._passages[ids] @ query
        coverage = self._lexical.coverage(lexical_query, ids)
        best_sentence, sentence_cos = self._best_sentences(ids, query)
        fused = W_PASSAGE * passage_cos + W_SENTENCE * sentence_cos + W_LEXICAL * coverage
        order = np.argsort(-fused, kind="stable")[:k]
        return [
            Scored(int(ids[i]), float(np.clip(fused[i], 0.0, 1.0)), int(best_sentence[i]))
            for i in order
        ]

    def _best_sentences(self, ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each passage: which of its sentences is closest to the question, and how close."""
        spans = self._store.sentence_rows(ids.tolist())
        rows = np.concatenate([np.arange(first, first + count) for first, count in spans])
        cos = self._sentences[rows].astype(np.float32) @ query
        best = np.zeros(len(ids), dtype=np.int64)
        best_cos = np.zeros(len(ids), dtype=np.float32)
        offset = 0
        for i, (_, count) in enumerate(spans):
            if count:
                segment = cos[offset : offset + count]
                best[i] = int(np.argmax(segment))
                best_cos[i] = segment[best[i]]
            offset += count
        return best, best_cos


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest positive scores (unordered: the caller rescores them)."""
    if len(scores) == 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return top[scores[top] > 0]
