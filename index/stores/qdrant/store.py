"""The store interface (``index.stores.base``) over the modules beside it: where a library is
(its alias), opening a snapshot of it for readers, and the writes, each a call into
``builds`` or ``writing``.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index import layout
from index.config import EngineConfig
from index.manifest import Manifest
from index.records import Article
from index.retriever import Retriever
from index.stores.base import Content
from index.stores.qdrant import builds, writing
from index.stores.qdrant.builds import alias_of, manifest_of, missing, read_metadata, target
from index.stores.qdrant.catalog import QdrantCatalog, QdrantLexicon, read_stats
from index.stores.qdrant.connection import Connection, answering, connect
from index.stores.qdrant.points import Stats
from index.stores.qdrant.search import QdrantSource
from index.stores.qdrant.writing import QdrantCurrent

if TYPE_CHECKING:
    from index.embedder import Embedder


@dataclass(frozen=True, slots=True)
class QdrantVersion:
    collection: str
    generation: int

    @property
    def id(self) -> str:
        return f"{self.collection}#{self.generation}"


@dataclass(frozen=True, slots=True)
class QdrantSnapshot:
    """One state of a library in Qdrant: its collection (as the alias named it when opened)
    and its generation; the collection itself may change in place under it (adds)."""

    version: QdrantVersion
    manifest: Manifest
    store: QdrantCatalog
    retriever: Retriever
    location: str

    def size_bytes(self) -> int:
        return 0  # the server's to tell (its telemetry); nothing of it is on this machine

    def close(self) -> None:
        pass


class QdrantStore:
    """Libraries as Qdrant collections (the package's docstring)."""

    def current_id(self, config: EngineConfig) -> str | None:
        connection = connect(config.qdrant)
        alias = alias_of(config)
        with answering(connection):
            collection = target(connection, alias)
            if collection is None:
                return None
            return QdrantVersion(collection, read_stats(connection, collection).generation).id

    def manifest(self, config: EngineConfig) -> Manifest:
        connection = connect(config.qdrant)
        collection = self._resolve(connection, config)
        with answering(connection):
            return manifest_of(
                read_metadata(connection, collection), read_stats(connection, collection)
            )

    def open(self, config: EngineConfig, embedder: Embedder) -> QdrantSnapshot:
        connection, collection, metadata, stats = self._read(config)
        manifest = manifest_of(metadata, stats)
        manifest.check_model(config.model, embedder.dimension)
        catalog = QdrantCatalog(connection, collection, stats.next_passage)
        source = QdrantSource(connection, collection, catalog, manifest.dimension)
        lexicon = QdrantLexicon(connection, collection)
        retriever = Retriever(source, lexicon, catalog, config.retrieval)
        return QdrantSnapshot(
            QdrantVersion(collection, stats.generation),
            manifest,
            catalog,
            retriever,
            f"qdrant {connection.where}, collection {collection} (alias {alias_of(config)})",
        )

    def writing(self, config: EngineConfig) -> AbstractContextManager[object]:
        # One writer at a time: the lock of the writer's own folder (its embedding cache, its
        # copies of fetched articles, its feeds). Write from one host only.
        return layout.locked(config.index_dir)

    def current(self, config: EngineConfig, embedder: Embedder | None) -> QdrantCurrent:
        connection, collection, metadata, stats = self._read(config)
        manifest = manifest_of(metadata, stats)
        if embedder is not None:
            manifest.check_model(embedder.name, embedder.dimension)
        catalog = QdrantCatalog(connection, collection, stats.next_passage)
        return QdrantCurrent(connection, collection, metadata, stats, manifest, catalog)

    def write(self, config: EngineConfig, embedder: Embedder, content: Content) -> None:
        writing.build(config, embedder, content)

    def change(
        self,
        _config: EngineConfig,
        _embedder: Embedder,
        current: QdrantCurrent,
        content: Content,
        gone: Collection[Article],
    ) -> Manifest:
        return writing.change(current, content, gone)

    def merge_if_due(self, _config: EngineConfig, *, everything: bool = False) -> int:
        del everything
        return 0  # Qdrant's optimiser merges a collection's segments itself

    def drop(self, config: EngineConfig) -> bool:
        """Delete the library's alias and every collection written for it."""
        connection = connect(config.qdrant)
        with answering(connection):
            return builds.drop(connection, alias_of(config))

    def _read(self, config: EngineConfig) -> tuple[Connection, str, dict[str, Any], Stats]:
        """The connection, the collection the alias names, its metadata and statistics."""
        connection = connect(config.qdrant)
        collection = self._resolve(connection, config)
        with answering(connection):
            metadata = read_metadata(connection, collection)
            stats = read_stats(connection, collection)
        return connection, collection, metadata, stats

    def _resolve(self, connection: Connection, config: EngineConfig) -> str:
        alias = alias_of(config)
        with answering(connection):
            collection = target(connection, alias)
        if collection is None:
            raise missing(connection, alias)
        return collection


STORE = QdrantStore()
