"""A build or an add killed while it embeds or while it publishes leaves the previous index
fully usable; the child's own progress events prove where each kill landed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from tests_paths import REPO

from index import EngineConfig, build, open_library

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


# The real command line in a child process, with two hooks that only watch: each progress
# event is appended to a marker file, and publishing waits HOLD seconds once the new version is
# complete, before the switch, so that a kill can be aimed at that moment.
CHILD = """
import contextlib, sys, time
from pathlib import Path
import cli.main, cli.sources
from index import layout

marker, hold, argv = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]

def note(line):
    with marker.open("a") as file:
        file.write(line + "\\n")

@contextlib.contextmanager
def progress_bar(console):
    yield lambda stage, done, total: note(f"{stage} {done} {total}")

publish = layout.publish
def publish_held(root, version):
    note(f"publishing {version.id}")
    time.sleep(hold)
    publish(root, version)
    note("published")

cli.main.progress_bar = cli.sources.progress_bar = progress_bar
layout.publish = publish_held
sys.exit(cli.main.main(argv))
"""


def _start(command: str, source, config, marker, hold: float) -> subprocess.Popen:
    env = {**os.environ, "CITEBOT_CACHE_DIR": str(config.cache_dir)}  # the exported model
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), str(hold), "index", command, str(source),
         "--index-dir", str(config.index_dir)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _events(marker) -> list[str]:
    return marker.read_text().splitlines() if marker.exists() else []


def _embedding_underway(events: list[str]) -> bool:
    """Some texts embedded, not all: the kill lands while the model is encoding."""
    counts = [tuple(map(int, e.split()[1:])) for e in events if e.startswith("embedding ")]
    return any(0 < done < total for done, total in counts)


def _publishing(events: list[str]) -> bool:
    """The new version is written in full and waits to be switched in."""
    return any(e.startswith("publishing ") for e in events)


def _wait_until(landed, process: subprocess.Popen, marker) -> None:
    deadline = time.monotonic() + 300
    while not landed(_events(marker)):
        if process.poll() is not None:
            pytest.fail(f"ended before the kill point: {_events(marker)} {process.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"never reached the kill point: {_events(marker)}")
        time.sleep(0.02)


# Where each kill lands, proven by the child's own progress events, and how it must end.
KILLS = [
    (_embedding_underway, signal.SIGKILL, -signal.SIGKILL),
    (_embedding_underway, signal.SIGINT, 130),
    (_publishing, signal.SIGKILL, -signal.SIGKILL),
]


@pytest.mark.parametrize(("command", "complete"), [("build", 120), ("add", 121)])
def test_a_kill_while_embedding_or_publishing_never_breaks_the_index(
    tmp_path, model_cache, embedder, write_markdown, command, complete
):
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=model_cache)
    first = tmp_path / "first"
    write_markdown(first, "tram.md", "Harbour tram", ["The harbour tram has fourteen stops."])
    build([first], config, embedder=embedder)
    big = tmp_path / "big"
    _big_library(big, 120)

    for attempt, (landed, kill, status) in enumerate(KILLS):
        marker = tmp_path / f"events-{attempt}"
        process = _start(command, big, config, marker, hold=120)
        _wait_until(landed, process, marker)
        process.send_signal(kill)

        assert process.wait(timeout=60) == status
        events = _events(marker)
        assert landed(events) and "published" not in events, events
        if landed is _embedding_underway:
            assert not any(e.startswith(("indexing", "publishing")) for e in events), events
        else:  # the unpublished version was complete: every file written, only the switch left
            unpublished = config.index_dir / "versions" / events[-1].split()[1]
            assert (unpublished / "manifest.json").is_file()
        library = open_library(config, embedder=embedder)  # never a half-written index
        assert {a.title for a in library.articles()} == {"Harbour tram"}
        answer = library.search("How many stops does the tram have?")
        assert "fourteen stops" in answer.best.passage.text

    marker = tmp_path / "events-complete"
    process = _start(command, big, config, marker, hold=0)
    assert process.wait(timeout=600) == 0, process.stderr.read().decode()
    assert "published" in _events(marker)
    library = open_library(config, embedder=embedder)
    assert len(library.articles()) == complete
