"""The index directory on disk, and how a new version replaces the old one atomically.

::

    <index dir>/
        current -> versions/<id>     symlink, swapped with one rename(2)
        versions/<id>/               one complete, immutable index (see ``Version``)
            manifest.json            its segments and their tombstones
            segments/<name>/         one immutable segment (see ``SegmentFiles``)
        embeddings.sqlite3           vectors by text hash, shared by every version (the cache)
        sources/                     copies of articles from URLs, feeds and uploads (``sources``)
        feeds.sqlite3                the feeds the library follows
        .lock                        held by the one process that is writing

A reader resolves ``current`` once and reads only inside that version, so it sees the old index
or the new one, never a mix. A writer builds a whole version beside the others and swaps the
link last; a build killed at any moment leaves at most an unfinished folder that the next
writer removes. The previous version is kept, so a bot still reading it is not cut off.

A version is a list of segments (Lucene-style). A change writes only what changed: the new
version hard-links the files of the segments it keeps from the previous one (no copying, and
a segment's files live as long as any version naming them), writes one small segment for new
articles and tombstones for removed ones in its manifest. Since every version folder is
complete in itself, the switch, the cleanup of unfinished folders and the removal of old
versions work as they did when every version was written whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.errors import IndexBusy, IndexMissing, IndexUnavailable

CURRENT = "current"
VERSIONS = "versions"
CACHE = "embeddings.sqlite3"
SOURCES = "sources"
FEEDS = "feeds.sqlite3"
LOCK = ".lock"
KEEP_PREVIOUS = 1
INCOMPLETE = ".incomplete"
SEGMENTS = "segments"
# How ``new_version`` names a version: a writer deletes no folder that is not named so.
_VERSION_NAME = re.compile(r"\d{8}T\d{6}\.\d{6}-\d+")


@dataclass(frozen=True, slots=True)
class Version:
    """The files of one index version."""

    dir: Path

    @property
    def id(self) -> str:
        return self.dir.name

    manifest = property(lambda self: self.dir / "manifest.json")

    def segment(self, name: str) -> SegmentFiles:
        return SegmentFiles(self.dir / SEGMENTS / name)


@dataclass(frozen=True, slots=True)
class SegmentFiles:
    """The files of one segment: its passages' vectors, FAISS and BM25 indexes and store."""

    dir: Path

    store = property(lambda self: self.dir / "passages.sqlite3")
    passage_vectors = property(lambda self: self.dir / "passages.npy")
    sentence_vectors = property(lambda self: self.dir / "sentences.npy")
    dense = property(lambda self: self.dir / "dense.faiss")
    lexical = property(lambda self: self.dir / "lexical")


def link_segment(source: SegmentFiles, target: SegmentFiles) -> None:
    """Make ``target`` the same segment as ``source`` by hard links: instant at any size, and
    safe since no file of a segment is ever written again."""
    for path in sorted(source.dir.rglob("*")):
        destination = target.dir / path.relative_to(source.dir)
        if path.is_dir():
            destination.mkdir(parents=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


def new_segment_name() -> str:
    """A name no other segment of this index has: the time, the process and random bits (no
    counter kept in the module: the library holds no global state)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"s{stamp}-{os.getpid()}-{secrets.token_hex(4)}"


def current_version(root: Path) -> Version:
    """The version readers should use now, or ``IndexMissing`` saying how to build one."""
    link = root / CURRENT
    try:
        target = link.readlink()
    except FileNotFoundError:
        raise IndexMissing(
            f"No index at {root}: build one with `citebot index build DIR` "
            "(or point CITEBOT_INDEX_DIR at an existing index)."
        ) from None
    except OSError as error:
        raise IndexUnavailable(f"Cannot read the index link {link}: {error.strerror}.") from None
    version = Version(root / target)
    if not version.dir.is_dir():
        raise IndexMissing(
            f"The index at {root} points at {target}, which is gone: "
            "rebuild it with `citebot index build DIR`."
        )
    return version


def current_id(root: Path) -> str | None:
    """Cheap check for a rebuilt index: the name ``current`` points at, or None."""
    try:
        return (root / CURRENT).readlink().name
    except OSError:
        return None


def prepare(root: Path) -> Path:
    """Create the index directory, refusing a folder that holds something else; returns it."""
    _check_root(root)
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def writing(root: Path) -> Iterator[Path]:
    """Hold the writer's lock on ``root`` (creating it) and tidy up unfinished versions."""
    _check_root(root)
    (root / VERSIONS).mkdir(parents=True, exist_ok=True)
    with locked(root):
        _remove_stale(root)
        yield root


@contextlib.contextmanager
def locked(root: Path) -> Iterator[Path]:
    """Hold the writer's lock on ``root`` (creating the folder): one writer at a time, whichever
    store holds the library (a Qdrant library's writer keeps its cache and copies here)."""
    _check_root(root)
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"Another citebot process is writing the index at {root}; try again when it ends."
            ) from None
        yield root


def new_version(root: Path) -> Version:
    """An empty folder for a version being written; invisible to readers until ``publish``."""
    # Names sort in build order, which ``_remove_old`` relies on.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    path = root / VERSIONS / f"{stamp}-{os.getpid()}"
    path.mkdir()
    (path / INCOMPLETE).touch()
    return Version(path)


def publish(root: Path, version: Version) -> None:
    """Make ``version`` current with an atomic rename of a fresh symlink over ``current``."""
    _fsync_tree(version.dir)
    (version.dir / INCOMPLETE).unlink()
    link = root / f".{CURRENT}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(Path(VERSIONS) / version.id)
    link.replace(root / CURRENT)
    _fsync_dir(root)
    _remove_old(root, keep=version.id)


def _check_root(root: Path) -> None:
    """Refuse to turn a folder that holds something else into an index (we delete inside it)."""
    if not root.exists():
        return
    if not root.is_dir():
        raise IndexUnavailable(f"{root} is a file, not an index directory.")
    foreign = [
        p.name
        for p in root.iterdir()
        if p.name not in {CURRENT, VERSIONS, CACHE, LOCK, SOURCES, FEEDS}
        and not p.name.startswith(".")
        and not p.name.startswith((CACHE, FEEDS))  # SQLite's -wal / -shm / -journal companions
    ]
    if foreign:
        raise IndexUnavailable(
            f"{root} holds other files ({', '.join(sorted(foreign)[:3])}); "
            "choose an empty or new directory for the index."
        )
    versions = root / VERSIONS
    if versions.is_symlink() or (versions.exists() and not versions.is_dir()):
        raise IndexUnavailable(
            f"{versions} is a link or a file, not the index's own folder, and a build deletes "
            "old versions inside it: remove it, or choose a new directory for the index."
        )


def _remove_stale(root: Path) -> None:
    """Remove versions that a killed writer left unfinished."""
    for path in _own_versions(root):
        if (path / INCOMPLETE).is_file():
            shutil.rmtree(path, ignore_errors=True)
        elif not any(path.iterdir()):  # killed between its mkdir and its marker
            path.rmdir()


def _remove_old(root: Path, keep: str) -> None:
    """Keep the new version and the one before it (a running bot may still read it)."""
    finished = sorted(
        (
            p
            for p in _own_versions(root)
            if p.name != keep and p.joinpath("manifest.json").is_file()
        ),
        key=lambda p: p.name,
        reverse=True,
    )
    for path in finished[KEEP_PREVIOUS:]:
        shutil.rmtree(path, ignore_errors=True)


def _own_versions(root: Path) -> list[Path]:
    """The folders in ``versions`` that a writer made: named as ``new_version`` names them, and
    real folders, not links (``rmtree`` of a link's target would delete someone else's files).
    Anything else a person put there is left alone."""
    return [
        path
        for path in (root / VERSIONS).iterdir()
        if _VERSION_NAME.fullmatch(path.name) and path.is_dir() and not path.is_symlink()
    ]


def _fsync_tree(path: Path) -> None:
    for child in path.rglob("*"):
        if child.is_file():
            with child.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
