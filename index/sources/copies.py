"""The index's own copies of articles that came from outside any folder: web pages, feed items
and files uploaded in Discord.

``index build DIR`` replaces the library with what its folders hold; a page fetched last week
must survive that without the network (the page may be gone, or the bot may have none). So
each such article is kept, as the JSON record its reader made, under ``<index>/sources/``,
together with where it came from and who added it. A rebuild reads that folder like any other;
removing the article deletes its copy, or the next rebuild would bring it back.

One article a file, named so that the same URL always lands in the same file (adding a page
again replaces it) and the key shown to users (the file name) is the same whether the article
arrived through ``add`` or through a rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from index.errors import CitebotError, FetchError
from index.fetch import addresses
from index.layout import SOURCES

Kind = Literal["url", "feed", "upload"]
_KINDS: tuple[Kind, ...] = ("url", "feed", "upload")
_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 40
_MAX_ORIGIN_BYTES = 4096  # an origin is four short fields; anything longer was not written here


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an article came from, and who added it when."""

    kind: Kind
    location: str  # the URL asked for, the feed item's link, or the uploaded file's name
    added_by: str | None
    added_at: str  # ISO 8601, UTC

    @classmethod
    def now(cls, kind: Kind, location: str, added_by: str | None) -> Origin:
        return cls(kind, location, added_by, datetime.now(UTC).isoformat(timespec="seconds"))

    def describe(self) -> str:
        """One line for lists: "url https://… · added by cli:ana on 2026-11-26"."""
        who = f" by {self.added_by}" if self.added_by else ""
        return f"{self.kind} {self.location} · added{who} on {self.added_at[:10]}"


class Copies:
    """The copies folder of one index directory. Safe to use from several threads: every
    write goes to a temporary file first and replaces the copy with one rename."""

    def __init__(self, index_dir: Path) -> None:
        self.root = index_dir / SOURCES

    def path_for_url(self, url: str) -> Path:
        """Where the article fetched from ``url`` is kept (whether or not it is yet). The
        address is normalised as the fetcher takes it (host case, fragment, default port),
        so one page asked for under two spellings is one copy."""
        with contextlib.suppress(FetchError):
            url = addresses.parse(url).url
        host = urlsplit(url).hostname or "page"
        return self.root / f"web-{slug(host)}-{_digest(url)}.json"

    def path_for_upload(self, name: str, content: bytes, number: int = 1) -> Path:
        stem = Path(name).stem
        suffix = f"-{number}" if number > 1 else ""
        return self.root / f"upload-{slug(stem) or 'file'}-{_digest(content)}{suffix}.json"

    def has(self, url: str) -> bool:
        """Whether the page at ``url`` is kept already (a feed need not fetch it again)."""
        return self.path_for_url(url).is_file()

    def save(self, path: Path, record: Mapping[str, object], origin: Origin) -> Path:
        """Write ``record`` (a JSON article record) and its origin to ``path`` atomically."""
        if path.parent != self.root:
            raise CitebotError(f"{path} is not a copy of this index.")
        self.root.mkdir(parents=True, exist_ok=True)
        document = {"origin": asdict(origin), "articles": [dict(record)]}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        return path

    def owns(self, path: str | Path) -> bool:
        """Whether the article file at ``path`` is one of these copies."""
        return Path(path).parent.resolve() == self.root.resolve()

    def origin(self, path: str | Path) -> Origin | None:
        """The recorded origin of the copy at ``path``; None for files that are not copies."""
        if not self.owns(path):
            return None
        try:
            with Path(path).open("rb") as handle:
                head = handle.read(_MAX_ORIGIN_BYTES + 256)
            # The origin is written first: read it without parsing a long article.
            start = head.index(b'"origin": ') + len(b'"origin": ')
            found, _ = json.JSONDecoder().raw_decode(head[start:].decode("utf-8", "replace"))
            kind = found.get("kind")
            if kind not in _KINDS:
                return None
            return Origin(
                kind,
                str(found.get("location", "")),
                found.get("added_by") if isinstance(found.get("added_by"), str) else None,
                str(found.get("added_at", "")),
            )
        except (OSError, ValueError, AttributeError):
            return None

    def delete(self, paths: Iterable[str | Path]) -> None:
        """Delete the copies among ``paths``; other files are never touched."""
        for path in paths:
            if self.owns(path):
                with contextlib.suppress(FileNotFoundError):
                    Path(path).unlink()


def slug(text: str) -> str:
    """``text`` as a short file-name part: lower case, letters and digits, hyphens."""
    return _SLUG.sub("-", text.lower()).strip("-")[:_MAX_SLUG].strip("-")


def _digest(value: str | bytes) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()[:12]
