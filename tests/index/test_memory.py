"""Memory stays flat however many questions are asked: nothing per question is kept."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from tests_paths import SAMPLES

from index import EngineConfig, build, open_library

pytestmark = pytest.mark.slow

WORDS = ("who", "when", "where", "why", "how", "tram", "pact", "bees", "starter", "chess")
TOPICS = ("harbour", "keeper", "reef", "lining", "varroa", "rook", "roof", "tree", "robot")


def resident_mib() -> float:
    """Resident set size from /proc: what the operating system charges the process."""
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * 4096 / 2**20


def questions(seed: int):
    rng = random.Random(seed)
    for n in itertools.count():
        yield f"{rng.choice(WORDS)} {rng.choice(TOPICS)} {rng.choice(TOPICS)} number {n}?"


def test_resident_memory_is_flat_across_thousands_of_questions(tmp_path, embedder):
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build([SAMPLES], config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    asked = questions(5)
    for question in itertools.islice(asked, 500):  # warm: allocator pools, caches filled
        library.search(question)
    before = resident_mib()

    for question in itertools.islice(asked, 1500):
        library.search(question)

    growth = resident_mib() - before
    assert growth < 8, f"resident memory grew {growth:.1f} MiB over 1,500 questions"
