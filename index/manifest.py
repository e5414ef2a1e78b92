"""The manifest: what a version was built with, checked before anything else is trusted."""

from __future__ import annotations

import json
import typing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.errors import IndexIncompatible
from index.stored import read_object, value

FORMAT_VERSION = 1
"""Bump when a reader of the previous format could misread a new index."""


@dataclass(frozen=True, slots=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    backend: str
    articles: int
    passages: int
    sentences: int
    dense_index: str
    built_at: str

    @classmethod
    def now(cls, **fields: object) -> Manifest:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(format_version=FORMAT_VERSION, built_at=stamp, **fields)  # type: ignore[arg-type]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

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
        return cls(**{name: value(data, name, kind, path) for name, kind in _FIELDS.items()})

    def check_model(self, model: str, dimension: int | None = None) -> None:
        """Vectors from two models don't compare: refuse, and say both ways out."""
        if model != self.model or (dimension is not None and dimension != self.dimension):
            raise IndexIncompatible(
                f"The index was built with the model {self.model!r} but citebot is set to use "
                f"{model!r}. Set CITEBOT_EMBEDDING_MODEL={self.model} (or pass --model), or "
                "rebuild the index with `citebot index build DIR`."
            )


_FIELDS: dict[str, type] = typing.get_type_hints(Manifest)
