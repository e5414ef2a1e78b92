"""A build or an add killed at any moment leaves the previous index fully usable."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from index import build, open_library

pytestmark = pytest.mark.slow

WORDS = [
    "river",
    "harbour",
    "council",
    "tram",
    "glacier",
    "orchard",
    "bakery",
    "library",
    "violin",
    "festival",
    "bridge",
    "mountain",
    "lantern",
    "archive",
    "museum",
    "ferry",
    "vineyard",
    "quarry",
    "lighthouse",
    "observatory",
    "market",
]


def _big_library(folder, count: int) -> None:
    """Enough distinct text that encoding takes many seconds, so kills land mid-build."""
    rng = random.Random(7)
    folder.mkdir()
    for n in range(count):
        paragraphs = [
            " ".join(
                f"The {rng.choice(WORDS)} of district {n} reported {rng.randint(2, 999)} "
                f"{rng.choice(WORDS)}s in year {rng.randint(1900, 2030)}."
                for _ in range(4)
            )
            for _ in range(3)
        ]
        body = "\n\n".join(paragraphs)
        (folder / f"a{n:03d}.md").write_text(f"---\ntitle: Report {n}\n---\n\n{body}\n")


def _start(command: str, source, config) -> subprocess.Popen:
    env = {**os.environ, "CITEBOT_CACHE_DIR": str(config.cache_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "index", command, str(source), "--index-dir",
         str(config.index_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.parametrize(("command", "complete"), [("build", 120), ("add", 121)])
def test_kill_at_random_moments_never_breaks_the_index(
    tmp_path, config, embedder, write_markdown, command, complete
):
    first = tmp_path / "first"
    write_markdown(first, "tram.md", "Harbour tram", ["The harbour tram has fourteen stops."])
    build([first], config, embedder=embedder)
    big = tmp_path / "big"
    _big_library(big, 120)
    rng = random.Random(11 if command == "build" else 13)

    for attempt in range(4):
        process = _start(command, big, config)
        time.sleep(rng.uniform(1.5, 9.0))
        process.send_signal(signal.SIGKILL if attempt % 2 == 0 else signal.SIGINT)
        process.wait(timeout=60)

        library = open_library(config, embedder=embedder)  # never a half-written index
        titles = {a.title for a in library.articles()}
        assert titles == {"Harbour tram"} or len(titles) == complete, titles
        assert library.search("How many stops does the tram have?").best is not None

    process = _start(command, big, config)
    assert process.wait(timeout=600) == 0, process.stderr.read().decode()
    library = open_library(config, embedder=embedder)
    assert len(library.articles()) == complete
