"""The throwaway index every evaluation builds, asks and closes."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from index import stores
from index.config import EngineConfig
from index.embedder import Embedder
from index.library import Library, open_library

_Built = TypeVar("_Built")


@contextmanager
def scratch_library(
    config: EngineConfig,
    embedder: Embedder,
    build: Callable[[EngineConfig, Path | None], _Built],
    *,
    index_dir: Path | None = None,
) -> Iterator[tuple[Library, _Built]]:
    """The library ``build(config, cache)`` writes into ``index_dir`` (or a temporary folder
    that goes when the block ends), open until then.

    A temporary index keeps its vectors in the model cache (``cache``), so that evaluating the
    same texts again re-embeds nothing; an index of the caller's keeps its own. With the Qdrant
    store the library is always a collection of its own, deleted at the end (``index_dir``
    then only keeps the writer's files): an evaluation never overwrites a served library.
    """
    with tempfile.TemporaryDirectory(prefix="citebot-eval-") as scratch:
        # A library of the evaluation's own: built even on a host that only reads the served ones.
        config = _throwaway(
            replace(config, index_dir=index_dir or Path(scratch) / "index", read_only=False)
        )
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        cache = None if index_dir else config.cache_dir / "eval-embeddings.sqlite3"
        try:
            built = build(config, cache)
            library = open_library(config, embedder=embedder)
            try:
                yield library, built
            finally:
                library.close()
        finally:
            stores.of(config).drop(config)


def _throwaway(config: EngineConfig) -> EngineConfig:
    """``config`` with a library of its own in a store that keeps libraries outside the index
    folder (Qdrant: collections under a prefix no one else uses, dropped at the end)."""
    if config.store != "qdrant":
        return config
    prefix = f"{config.qdrant.prefix[:40]}-eval-{secrets.token_hex(4)}"
    return replace(config, qdrant=replace(config.qdrant, prefix=prefix))
