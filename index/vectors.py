"""Vector files on disk, read a few rows at a time.

A question rescores about a hundred candidate passages and their sentences: a few hundred
scattered rows of files that reach gigabytes at a million passages. The rows are read with
``pread`` rather than through a memory map. Both are served from the kernel's page cache, which
every process reading the index shares; but a mapped page counts in the reader's resident
memory, and the kernel maps page-cache entries whole: a file written in one go sits in large
folios, so touching one row of a mapping maps up to megabytes around it. Read with ``pread``,
the bot's memory holds only the rows it asked for, and the cache stays warm after a build
(docs/benchmarks.md has the measurements).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.errors import IndexCorrupt

_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class VectorFile:
    """The rows of a 2-D ``.npy`` array, checked against the manifest's shape. Thread-safe."""

    def __init__(self, path: Path, rows: int, dimension: int) -> None:
        try:
            # The descriptor keeps the file readable if a rebuild deletes it under a running
            # bot. It is closed when the last search holding this file lets go of it, never
            # under one: a closed descriptor's number can be reused by another file.
            fd = os.open(path, os.O_RDONLY)
        except OSError as error:
            raise _damaged(path, type(error).__name__) from None
        weakref.finalize(self, os.close, fd)
        try:
            with open(fd, "rb", closefd=False) as file:
                read_header = _NPY_HEADERS.get(np.lib.format.read_magic(file))
                if read_header is None:
                    raise ValueError("unknown .npy version")
                shape, fortran, dtype = read_header(file)
                offset = file.tell()
            size = os.fstat(fd).st_size
        except (OSError, ValueError, TypeError) as error:
            raise _damaged(path, type(error).__name__) from None
        if fortran or dtype.hasobject:
            raise _damaged(path, "not a plain row-major array")
        if shape != (rows, dimension):
            raise IndexCorrupt(
                f"{path} holds {shape} vectors, the manifest says ({rows}, {dimension}): "
                "rebuild with `citebot index build DIR`."
            )
        self._row_bytes = dtype.itemsize * dimension
        if size < offset + rows * self._row_bytes:
            raise _damaged(path, "truncated")
        self._fd = fd
        self._dtype = dtype
        self._offset = offset
        self._dimension = dimension
        if hasattr(os, "posix_fadvise"):  # a few scattered rows a question: no read-ahead
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)

    def rows(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows ``ids``, in that order (``ids`` ascending reads runs of rows at once)."""
        return self.spans(_runs(np.asarray(ids, dtype=np.int64)))

    def spans(self, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The rows of each ``(first, count)`` span, one after the other."""
        chunks = [
            os.pread(self._fd, count * self._row_bytes, self._offset + first * self._row_bytes)
            for first, count in spans
            if count
        ]
        data = b"".join(chunks)
        return np.frombuffer(data, dtype=self._dtype).reshape(-1, self._dimension)


def _runs(ids: np.ndarray) -> list[tuple[int, int]]:
    """``ids`` as ``(first, count)`` runs of consecutive rows."""
    if len(ids) == 0:
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(ids)]])
    return [(int(ids[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def _damaged(path: Path, why: str) -> IndexCorrupt:
    return IndexCorrupt(f"{path} is damaged ({why}): rebuild with `citebot index build DIR`.")


class SegmentedVectors:
    """The vector files of every segment read as one, by global row (see ``catalog``)."""

    def __init__(self, files: Sequence[VectorFile], offsets: np.ndarray) -> None:
        self._files = list(files)
        self._offsets = np.asarray(offsets, dtype=np.int64)

    def rows(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows ``ids``, in that order."""
        ids = np.asarray(ids, dtype=np.int64)
        owner = np.searchsorted(self._offsets, ids, side="right") - 1
        if len(self._files) == 1 or len(ids) == 0:
            return self._files[0].rows(ids)
        parts = {
            int(at): self._files[at].rows(ids[owner == at] - self._offsets[at])
            for at in np.unique(owner)
        }
        out = np.empty((len(ids), parts[int(owner[0])].shape[1]), dtype=parts[int(owner[0])].dtype)
        for at, rows in parts.items():
            out[owner == at] = rows
        return out

    def spans(self, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The rows of each ``(first, count)`` span (one passage's: within one segment)."""
        if len(self._files) == 1:
            return self._files[0].spans(spans)
        chunks = []
        for first, count in spans:
            at = int(np.searchsorted(self._offsets, first, side="right")) - 1
            chunks.append(self._files[at].spans([(first - int(self._offsets[at]), count)]))
        return np.concatenate(chunks) if chunks else self._files[0].spans([])
