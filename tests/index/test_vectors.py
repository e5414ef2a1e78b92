"""Vector files read row by row give exactly the rows asked for, and refuse what is not theirs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import IndexUnavailable
from index.vectors import VectorFile


@pytest.fixture
def saved(tmp_path):
    array = np.random.default_rng(3).standard_normal((50, 8)).astype(np.float16)
    path = tmp_path / "vectors.npy"
    np.save(path, array, allow_pickle=False)
    return path, array


@pytest.mark.parametrize(
    "ids",
    [[0], [49], [0, 1, 2, 3], [4, 5, 9, 10, 11, 30, 49], [7, 3, 3, 40], []],
    ids=["first", "last", "one-run", "runs-and-gaps", "unsorted-repeated", "none"],
)
def test_rows_are_the_arrays_rows_in_the_order_asked(saved, ids):
    path, array = saved
    rows = VectorFile(path, *array.shape).rows(np.array(ids, dtype=np.int64))
    assert rows.dtype == array.dtype
    assert np.array_equal(rows, array[ids].reshape(-1, array.shape[1]))


def test_spans_follow_one_another(saved):
    path, array = saved
    rows = VectorFile(path, *array.shape).spans([(10, 3), (2, 0), (0, 2), (45, 5)])
    assert np.array_equal(rows, np.concatenate([array[10:13], array[0:2], array[45:50]]))


def test_a_file_deleted_after_opening_stays_readable(saved):
    path, array = saved
    vectors = VectorFile(path, *array.shape)
    path.unlink()  # a rebuild cleaning up the version a running bot still serves
    assert np.array_equal(vectors.rows([2, 3]), array[2:4])


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-10]), ["truncated"]),
        (lambda p: p.write_bytes(b"not numpy at all" * 20), ["damaged"]),
        (lambda p: np.save(p, np.zeros((50, 9), np.float16)), ["(50, 9)", "(50, 8)"]),
        (lambda p: np.save(p, np.asfortranarray(np.zeros((50, 8)))), ["row-major"]),
    ],
    ids=["cut-short", "not-npy", "other-shape", "fortran-order"],
)
def test_a_file_that_does_not_match_the_manifest_names_the_fix(saved, damage, words):
    path, array = saved
    damage(path)
    with pytest.raises(IndexUnavailable) as error:
        VectorFile(path, *array.shape)
    for word in [str(path), "citebot index build", *words]:
        assert word in str(error.value)


def test_reopening_many_times_leaks_no_descriptors(saved):
    """A bot that reloads the index every few minutes for weeks must not run out of files."""
    import gc

    def open_files() -> int:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())

    path, array = saved
    before = open_files()
    for _ in range(50):
        VectorFile(path, *array.shape).rows([1])
    gc.collect()
    assert open_files() <= before
