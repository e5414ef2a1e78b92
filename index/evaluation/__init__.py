"""Measuring retrieval, kept apart from the engine as sentence-transformers keeps its evaluators
apart from its models: each evaluator builds an index, asks through the same ``Library`` the bot
uses, and returns a typed result that the CLI prints and tests assert on.

* ``squad``: a SQuAD v1.1 file, one passage per paragraph; is the gold paragraph ranked first?
* ``files``: raw article files and (question, answer) pairs, end to end as users meet it: does
  the quoted passage hold the answer?
"""

from index.evaluation.files import (
    FileEvalResult,
    QuestionRow,
    details,
    evaluate_files,
    load_tsv,
)
from index.evaluation.metrics import Band, bands, percentile
from index.evaluation.squad import EvalResult, Question, QuestionSet, evaluate, load_squad

__all__ = [
    "Band",
    "EvalResult",
    "FileEvalResult",
    "Question",
    "QuestionRow",
    "QuestionSet",
    "bands",
    "details",
    "evaluate",
    "evaluate_files",
    "load_squad",
    "load_tsv",
    "percentile",
]
