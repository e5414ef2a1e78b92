"""The manifest: what a version was built with and which segments it is made of, checked
before anything else is trusted."""

from __future__ import annotations

import json
import re
import typing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import IndexIncompatible
from index.stored import damaged, read_object, value

FORMAT_VERSION = 2
"""Bump when a reader of the previous format could misread a new index. 2: segments, and BM25
stored as term frequencies rather than scores."""

_SEGMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One segment of a version: its folder's name, its sizes (its own ids run from 0), and
    its tombstones: the ids of its articles that were removed or replaced since it was written
    (their passages count nowhere, see ``catalog.Catalog``)."""

    name: str
    articles: int
    passages: int
    sentences: int
    dense_index: str
    deleted: tuple[int, ...] = ()
    deleted_passages: int = 0

    @property
    def live_passages(self) -> int:
        return self.passages - self.deleted_passages

    @classmethod
    def parse(cls, data: object, path: Path) -> SegmentInfo:
        if not isinstance(data, dict):
            raise damaged(path, "a segment that is not a JSON object")
        fields = {name: value(data, name, kind, path) for name, kind in _SEGMENT_FIELDS.items()}
        deleted = value(data, "deleted", list, path)
        fine = (
            _SEGMENT_NAME.fullmatch(fields["name"])
            and all(type(i) is int and 0 <= i < fields["articles"] for i in deleted)
            and len(set(deleted)) == len(deleted)
            and fields["deleted_passages"] <= fields["passages"]
        )
        if not fine:
            raise damaged(path, f"segment {str(fields['name'])[:40]!r} does not add up")
        return cls(**fields, deleted=tuple(deleted))


_SEGMENT_FIELDS: dict[str, type] = {
    "name": str,
    "articles": int,
    "passages": int,
    "sentences": int,
    "dense_index": str,
    "deleted_passages": int,
}


@dataclass(frozen=True, slots=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    backend: str
    articles: int  # live ones, every segment together
    passages: int
    sentences: int
    dense_index: str
    built_at: str
    segments: tuple[SegmentInfo, ...] = ()

    @classmethod
    def now(cls, **fields: Any) -> Manifest:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(format_version=FORMAT_VERSION, built_at=stamp, **fields)

    @classmethod
    def of(
        cls, segments: typing.Sequence[SegmentInfo], *, model: str, dimension: int, backend: str
    ) -> Manifest:
        """The manifest of a version made of ``segments``: counts are the live ones."""
        kinds = sorted({s.dense_index for s in segments}, key=["hnsw", "flat"].index)
        return cls.now(
            model=model,
            dimension=dimension,
            backend=backend,
            articles=sum(s.articles - len(s.deleted) for s in segments),
            passages=sum(s.live_passages for s in segments),
            sentences=sum(s.sentences for s in segments),
            dense_index="+".join(kinds) or "flat",
            segments=tuple(segments),
        )

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest at ``path``, every field of the type the writer gives it."""
        data = read_object(path)
        version = value(data, "format_version", int, path)
        if version > FORMAT_VERSION:
            raise IndexIncompatible(
                f"The index at {path.parent} was written by a newer citebot (format {version}, "
                f"this one reads {FORMAT_VERSION}): upgrade citebot or rebuild the index."
            )
        if version < FORMAT_VERSION:
            raise IndexIncompatible(
                f"The index at {path.parent} was written by an older citebot (format {version}, "
                f"this one reads {FORMAT_VERSION}): rebuild it with `citebot index build DIR`."
            )
        fields = {name: value(data, name, kind, path) for name, kind in _FIELDS.items()}
        segments = tuple(SegmentInfo.parse(s, path) for s in value(data, "segments", list, path))
        if not segments or len({s.name for s in segments}) < len(segments):
            raise damaged(path, "no segments, or one listed twice")
        return cls(**fields, segments=segments)

    def check_model(self, model: str, dimension: int | None = None) -> None:
        """Vectors from two models don't compare: refuse, and say both ways out."""
        if model != self.model or (dimension is not None and dimension != self.dimension):
            raise IndexIncompatible(
                f"The index was built with the model {self.model!r} but citebot is set to use "
                f"{model!r}. Set CITEBOT_EMBEDDING_MODEL={self.model} (or pass --model), or "
                "rebuild the index with `citebot index build DIR`."
            )


_FIELDS: dict[str, type] = {
    name: kind for name, kind in typing.get_type_hints(Manifest).items() if name != "segments"
}
