"""Finding article files and turning their bytes into text.

Libraries arrive as folders people copied together: hidden files, symlinks that loop, exports
in Latin-1 or UTF-16, a stray binary. Each of those is a reason reported for one file, never a
failed build.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from index.errors import ArticleError
from index.records import SkippedFile

SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})

# One article is at most a few hundred kilobytes; a bigger text file is a dump or a mistake and
# would stall the build. Record files (JSON, JSON Lines) hold many articles and may be larger.
MAX_ARTICLE_BYTES = 10 * 2**20
MAX_RECORDS_BYTES = 512 * 2**20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def discover(source: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Article files under ``source`` (or ``source`` itself), sorted, and the paths passed over.

    Hidden files and folders are ignored; files of other types are reported so that a user who
    expected a PDF to be read learns why it was not; a symlink back into a folder already
    walked is reported and not followed. A symlink that leads out of ``source`` is reported
    and not followed either: the folder given is all that is indexed, and a link to a secret
    elsewhere (a ``.env``, a key) must not end up quoted to a Discord server. A file named by
    the user (``source`` itself) is read wherever it is.
    """
    if not source.is_dir():
        if source.suffix.lower() in SUFFIXES:
            return [source], []
        return [], [SkippedFile(str(source), _unsupported(source))]
    root = source.resolve()
    found: list[Path] = []
    skipped: list[SkippedFile] = []
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(source, followlinks=True):
        here = Path(folder)
        stat = here.stat()
        if (stat.st_dev, stat.st_ino) in seen:
            skipped.append(SkippedFile(str(here), "symlink loop: folder already read"))
            dirs.clear()
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirs[:] = [d for d in sorted(dirs) if _kept(here / d, root, skipped)]
        for name in sorted(files):
            path = here / name
            if not _kept(path, root, skipped):
                continue
            if path.suffix.lower() in SUFFIXES:
                found.append(path)
            else:
                skipped.append(SkippedFile(str(path), _unsupported(path)))
    return found, skipped


def _kept(path: Path, root: Path, skipped: list[SkippedFile]) -> bool:
    """Whether the walk takes ``path``: not hidden, and not a link out of ``root`` (the real
    path of the folder given), which is reported in ``skipped``."""
    if path.name.startswith("."):
        return False
    if not path.is_symlink():
        return True
    try:
        inside = path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # RuntimeError: a loop of links (Python < 3.13)
        skipped.append(SkippedFile(str(path), "symbolic link to nothing, or a loop of links"))
        return False
    if not inside:
        skipped.append(SkippedFile(str(path), "symbolic link out of the folder: not followed"))
    return inside


def read_text(path: Path, *, large: bool = False) -> str:
    """The file's text, whatever its encoding; ``ArticleError`` for what is not text."""
    limit = MAX_RECORDS_BYTES if large else MAX_ARTICLE_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise ArticleError(
                f"too large ({size / 2**20:.1f} MiB; the limit is {limit // 2**20} MiB): "
                "split it into articles"
            )
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"cannot be read ({error.strerror or type(error).__name__})") from None
    return decode(data)


def decode(data: bytes) -> str:
    """Text from bytes: a byte-order mark decides, then UTF-8, then Windows-1252 / Latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise ArticleError(f"not valid {encoding.upper()} text") from None
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    sample = text[:8192]
    if sample and sum(ord(c) in _CONTROL for c in sample) > len(sample) // 100:
        raise ArticleError("binary file, not text")
    return text


def _unsupported(path: Path) -> str:
    kinds = ", ".join(sorted(SUFFIXES))
    return f"not an article format ({path.suffix or 'no suffix'}; citebot reads {kinds})"
