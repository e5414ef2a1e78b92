"""Vectors by text, kept across versions, so a rebuild only embeds what changed.

Keyed by the model's fingerprint and a hash of the exact text that was embedded. Writes go in
as each chunk is encoded and are committed at once, so a build killed half-way keeps what it
paid for and the next build resumes from there.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, hash)
) WITHOUT ROWID;
"""
LOOKUP_CHUNK = 500  # well under SQLite's limit on bound parameters
SAVE_CHUNK = 1024  # texts encoded between two commits: progress ticks and what a kill can lose


def text_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class VectorCache:
    def __init__(self, path: Path, model: str, dimension: int) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._model = model
        self._dimension = dimension

    def close(self) -> None:
        self._db.close()

    def vectors(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors of ``texts`` from the cache, encoding (and storing) the missing ones.

        Returns the vectors and how many distinct texts went through the model.
        """
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        found = self._lookup(set(hashes))
        missing: dict[bytes, list[int]] = {}
        for row, key in enumerate(hashes):
            if key in found:
                out[row] = found[key]
            else:
                missing.setdefault(key, []).append(row)
        if progress:
            progress(len(texts) - sum(map(len, missing.values())))
        # Longest first and in length-sorted chunks: batches inside a chunk carry little padding.
        keys = sorted(missing, key=lambda k: len(texts[missing[k][0]]), reverse=True)
        for begin in range(0, len(keys), SAVE_CHUNK):
            chunk = keys[begin : begin + SAVE_CHUNK]
            fresh = encode([texts[missing[k][0]] for k in chunk])
            for key, vector in zip(chunk, fresh, strict=True):
                out[missing[key]] = vector
            self._store(chunk, fresh)
            if progress:
                progress(sum(len(missing[k]) for k in chunk))
        return out, len(keys)

    def _lookup(self, keys: set[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        ordered = list(keys)
        for begin in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[begin : begin + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                (self._model, *chunk),
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self._dimension,):
                    found[key] = vector
        return found

    def _store(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, hash, vector) VALUES (?, ?, ?)",
                ((self._model, key, vec.tobytes()) for key, vec in zip(keys, vectors, strict=True)),
            )
