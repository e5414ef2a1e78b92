"""Measuring answers end to end, as users meet them: raw article files in, the quoted passage out.

A SQuAD-style evaluation indexes clean paragraphs and knows each question's gold paragraph;
real libraries are files whose metadata lines, captions and over-long paragraphs the readers
and the splitter must cope with, and whose gold "paragraph" may be cut in pieces. So this one
builds the index from the files exactly as ``index build`` does, asks every question exactly as
``ask`` does, and checks the one thing a user sees: does the quoted passage hold the answer?
"Holds" is a text test: the passage contains the answer's first ``KEY_CHARS`` characters, white
space collapsed and case folded, which no cutting or numbering of passages can fool (and which,
as a plain substring test, also finds a short answer such as "10" inside "2010"). Questions
whose answer is ``-`` are about something the library does not hold: they should be declined.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.articles.fields import clean
from index.config import EngineConfig
from index.embedder import Embedder
from index.errors import CitebotError, QuestionError
from index.evaluation.metrics import Band, bands, percentile
from index.evaluation.scratch import scratch_library
from index.library import Library
from index.records import BuildReport, SkippedFile
from index.writer import build

KEY_CHARS = 60  # the answer's first characters that the quoted passage must contain
TOP = 5  # "was it at least among the passages shown under Other sources"
ABSENT = "-"  # the answer of a question the library cannot answer


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question's outcome, for ``--details``: enough to see why it was lost."""

    question: str
    answer: str  # empty for a question the library cannot answer
    answered: bool
    confidence: float
    in_passage: bool  # answered, and the quoted passage holds the answer
    in_best: bool  # the best passage holds the answer, answered or not
    rank: int | None  # first of the top passages holding the answer (1-based), if any
    sentence_hit: bool  # the marked sentence of the best passage holds the answer
    latency_ms: float
    article: str | None = None  # key of the best passage's article
    paragraph: int | None = None
    sentence: str = ""  # the marked sentence of the best passage
    error: str | None = None  # the question was refused as it was asked


@dataclass(frozen=True, slots=True)
class FileEvalResult:
    questions: int
    articles: int
    passages: int
    skipped: tuple[SkippedFile, ...]
    answer_in_passage: float  # share answered with a passage that holds the answer
    declined: float  # share not answered (those refused as asked included)
    answer_in_top5: float  # share with the answer in one of the top passages
    sentence_hit: float  # share whose best passage's marked sentence holds the answer
    answer_in_best: float  # share whose best passage holds the answer, answered or not
    p50_ms: float
    p95_ms: float
    # Share of the questions the library cannot answer that were declined (None: none asked).
    declined_unanswerable: float | None = None
    refused: int = 0  # questions refused as they were asked (empty, too long…), of either kind
    bands: tuple[Band, ...] = field(default=())
    rows: tuple[QuestionRow, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The figures as one JSON object; per-question rows are ``--details``' business."""
        return {
            "answer_in_passage": self.answer_in_passage,
            "declined": self.declined,
            "answer_in_top5": self.answer_in_top5,
            "sentence_hit": self.sentence_hit,
            "answer_in_best": self.answer_in_best,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "questions": self.questions,
            "articles": self.articles,
            "passages": self.passages,
            "skipped": len(self.skipped),
            "declined_unanswerable": self.declined_unanswerable,
            "refused": self.refused,
            "bands": [asdict(b) for b in self.bands],
        }


def load_tsv(path: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs from a file of ``question<TAB>answer`` lines; the answer is
    empty for a question marked ``-``, which the library should decline.

    Blank lines and lines starting with ``#`` without a tab are passed over, so a set can carry
    notes; any other line without exactly one tab is an error naming its line, since a silently
    dropped question would change every share.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CitebotError(f"Cannot read the question file {path} ({error}).") from None
    pairs = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or (line.startswith("#") and "\t" not in line):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise CitebotError(
                f"{path}:{number}: expected a question, a tab and its answer on each line."
            )
        answer = parts[1].strip()
        pairs.append((parts[0].strip(), "" if answer == ABSENT else answer))
    if not pairs:
        raise CitebotError(f"{path} holds no questions.")
    return pairs


def evaluate_files(
    articles: Sequence[Path],
    questions: Sequence[tuple[str, str]],
    config: EngineConfig,
    *,
    index_dir: Path | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> FileEvalResult:
    """Build an index of ``articles`` (in ``index_dir``, or a temporary folder) and ask every
    question of ``questions`` against it."""
    embedder = embedder or Embedder(config)

    def index(scratch: EngineConfig, cache: Path | None) -> BuildReport:
        return build(articles, scratch, embedder=embedder, progress=progress, cache=cache)

    rows = []
    with scratch_library(config, embedder, index, index_dir=index_dir) as (library, report):
        for done, (question, answer) in enumerate(questions, 1):
            rows.append(_ask(library, question, answer))
            if progress:
                progress("asking", done, len(questions))
    return _summarise(rows, report.articles, report.passages, report.skipped)


def _ask(library: Library, question: str, answer: str) -> QuestionRow:
    key = answer_key(answer)
    started = time.perf_counter()
    try:
        reply = library.search(question)
    except QuestionError as error:
        return QuestionRow(
            question, answer, False, 0.0, False, False, None, False, 0.0, error=str(error)
        )
    latency = (time.perf_counter() - started) * 1000
    top = library.rank(question, TOP)  # the same ranking, with passages below the threshold
    rank = next((i for i, hit in enumerate(top, 1) if holds(hit.passage.text, key)), None)
    best = reply.best
    if best is None:
        return QuestionRow(question, answer, False, 0.0, False, False, rank, False, latency)
    in_best = holds(best.passage.text, key)
    return QuestionRow(
        question,
        answer,
        reply.answered,
        best.score,
        reply.answered and in_best,
        in_best,
        rank,
        holds(best.sentence_text, key),
        latency,
        article=best.article.key,
        paragraph=best.passage.paragraph,
        sentence=best.sentence_text,
    )


def _summarise(
    rows: Sequence[QuestionRow], articles: int, passages: int, skipped: tuple[SkippedFile, ...]
) -> FileEvalResult:
    """Shares over the answerable questions; declines of the others apart; calibration over
    both (a quote for a question the library cannot answer is wrong, whatever it says)."""
    known = [r for r in rows if r.answer]
    absent = [r for r in rows if not r.answer]
    n = max(len(known), 1)
    latencies = [r.latency_ms for r in rows if r.error is None]
    return FileEvalResult(
        questions=len(known),
        articles=articles,
        passages=passages,
        skipped=skipped,
        answer_in_passage=sum(r.in_passage for r in known) / n,
        declined=sum(not r.answered for r in known) / n,
        answer_in_top5=sum(r.rank is not None for r in known) / n,
        sentence_hit=sum(r.sentence_hit for r in known) / n,
        answer_in_best=sum(r.in_best for r in known) / n,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=percentile(latencies, 95),
        declined_unanswerable=(
            sum(not r.answered for r in absent) / len(absent) if absent else None
        ),
        refused=sum(r.error is not None for r in rows),
        bands=bands(
            [(r.confidence, r.in_best if r.answer else None) for r in rows if r.error is None]
        ),
        rows=tuple(rows),
    )


def answer_key(answer: str) -> str:
    """What a passage must contain to hold ``answer``: its first characters, normalised."""
    return normalise(answer)[:KEY_CHARS]


def holds(text: str, key: str) -> bool:
    return bool(key) and key in normalise(text)


def normalise(text: str) -> str:
    """Text as the readers clean an article's (``fields.clean``: composed Unicode, invisible
    characters gone, single spaces), case folded: the answer spans of a question set are copied
    from the raw file."""
    return clean(text).casefold()


def details(result: FileEvalResult) -> list[dict[str, Any]]:
    """The per-question rows as JSON-ready objects."""
    return [asdict(row) for row in result.rows]
