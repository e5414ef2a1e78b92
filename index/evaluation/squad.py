"""Measuring retrieval on a SQuAD question set: is the gold paragraph ranked first, and when to
decline.

The throwaway index's passages are exactly the set's paragraphs, so a question's gold paragraph
is one passage and ranks are exact; ``files`` measures the same end to end from raw files.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.config import EngineConfig
from index.embedder import Embedder
from index.errors import CitebotError
from index.evaluation.metrics import Band, bands, percentile
from index.evaluation.scratch import scratch_library
from index.library import Library
from index.records import ArticleMeta
from index.sentences import split_sentences
from index.writer import Entry, Piece, build_entries


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answers: tuple[str, ...]
    gold: tuple[str, int]  # (article key, paragraph number)


@dataclass(frozen=True, slots=True)
class QuestionSet:
    entries: tuple[Entry, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class EvalResult:
    recall_at_1: float
    recall_at_5: float
    recall_at_20: float
    mrr: float
    sentence_hit: float
    p50_ms: float
    p95_ms: float
    questions: int
    passages: int
    answered_answerable: float
    declined_unanswerable: float | None = None
    bands: tuple[Band, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "recall@1": self.recall_at_1,
            "recall@5": self.recall_at_5,
            "recall@20": self.recall_at_20,
            "mrr": self.mrr,
            "sentence_hit": self.sentence_hit,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "questions": self.questions,
            "passages": self.passages,
            "answered_answerable": self.answered_answerable,
            "bands": [asdict(b) for b in self.bands],
        }
        if self.declined_unanswerable is not None:
            data["declined_unanswerable"] = self.declined_unanswerable
        return data


def load_squad(path: Path, articles: slice = slice(None)) -> QuestionSet:
    """A SQuAD v1.1 file as index entries (one passage per paragraph) and questions."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CitebotError(f"{path} is not a SQuAD v1.1 JSON file ({error}).") from None
    entries: list[Entry] = []
    questions: list[Question] = []
    for number, article in enumerate(data[articles]):
        key = f"{number:04d}"
        title = str(article.get("title", key)).replace("_", " ")
        pieces: list[Piece] = []
        start = 0
        for paragraph, item in enumerate(article["paragraphs"], 1):
            text = item["context"]
            pieces.append(Piece(paragraph, start, start + len(text), text, split_sentences(text)))
            start += len(text) + 2
            for qa in item["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", ()))
                questions.append(Question(qa["question"], answers, (key, paragraph)))
        entries.append(Entry(key, str(path), ArticleMeta(title), key, len(pieces), tuple(pieces)))
    return QuestionSet(tuple(entries), tuple(questions))


def evaluate(
    questions: QuestionSet,
    config: EngineConfig,
    *,
    unanswerable: Sequence[Question] = (),
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> EvalResult:
    """Index ``questions.entries`` in a temporary directory and ask every question."""
    embedder = embedder or Embedder(config)

    def index(scratch: EngineConfig, cache: Path | None) -> None:
        build_entries(questions.entries, scratch, embedder=embedder, progress=progress, cache=cache)

    with scratch_library(config, embedder, index) as (library, _):
        return _ask_all(library, questions.questions, unanswerable, progress)


def _ask_all(
    library: Library,
    questions: Sequence[Question],
    unanswerable: Sequence[Question],
    progress: Callable[[str, int, int], None] | None,
) -> EvalResult:
    store = library.snapshot.store
    keys = {a.id: a.key for a in store.articles()}
    threshold = library.config.retrieval.threshold
    ranks: list[int | None] = []
    sentence_hits = 0
    answered = 0
    latencies: list[float] = []
    top: list[tuple[float, bool | None]] = []
    total = len(questions) + len(unanswerable)
    for done, question in enumerate(questions, 1):
        started = time.perf_counter()
        hits = library.rank(question.text, 20)
        latencies.append((time.perf_counter() - started) * 1000)
        found = [(keys[h.passage.article_id], h.passage.paragraph) for h in hits]
        rank = found.index(question.gold) + 1 if question.gold in found else None
        ranks.append(rank)
        if hits:
            sentence_hits += any(a in hits[0].sentence_text for a in question.answers)
            answered += hits[0].score >= threshold
            top.append((hits[0].score, rank == 1))
        if progress:
            progress("asking", done, total)
    declined = None
    if unanswerable:
        refused = 0
        for done, question in enumerate(unanswerable, len(questions) + 1):
            hits = library.rank(question.text, 1)
            refused += not hits or hits[0].score < threshold
            if hits:
                top.append((hits[0].score, None))
            if progress:
                progress("asking", done, total)
        declined = refused / len(unanswerable)
    n = max(len(questions), 1)
    return EvalResult(
        recall_at_1=sum(r == 1 for r in ranks) / n,
        recall_at_5=sum(r is not None and r <= 5 for r in ranks) / n,
        recall_at_20=sum(r is not None for r in ranks) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
        sentence_hit=sentence_hits / n,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=percentile(latencies, 95),
        questions=len(questions),
        passages=library.snapshot.manifest.passages,
        answered_answerable=answered / n,
        declined_unanswerable=declined,
        bands=bands(top),
    )
