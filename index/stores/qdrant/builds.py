"""A library's builds and its alias: their names, their creation with the cluster's settings,
the switch of the alias to a new build, and the deletion of those no reader needs.

A library is an alias (``<prefix>-shared``, ``<prefix>-<server id>``) naming the collection of
passages of its last build (``<alias>-<time>-<pid>``); beside it, the build's catalog
(``<collection>-catalog``).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any

from index.config import EngineConfig, QdrantConfig
from index.errors import IndexIncompatible, IndexMissing
from index.manifest import FORMAT_VERSION, Manifest
from index.stores.qdrant.connection import Connection, qdrant_models
from index.stores.qdrant.points import BM25, PASSAGE, SENTENCES, Stats

# A build's second collection, beside its passages': points without vectors.
CATALOG = "-catalog"

# What a collection's layout is; a reader refuses a collection written with another.
LAYOUT = 1


def alias_of(config: EngineConfig) -> str:
    """The alias readers open: ``<prefix>-shared``, or ``<prefix>-<server id>``."""
    owner = "shared" if config.server_id is None else str(config.server_id)
    return f"{config.qdrant.prefix}-{owner}"


def new_collection(alias: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{alias}-{stamp}-{os.getpid()}"


def catalog_of(collection: str) -> str:
    """The collection of articles, terms and statistics of the build whose passages are in
    ``collection``."""
    return collection + CATALOG


def target(connection: Connection, alias: str) -> str | None:
    """The collection ``alias`` names now, or None."""
    for found in connection.client.get_aliases().aliases:
        if found.alias_name == alias:
            return str(found.collection_name)
    return None


def missing(connection: Connection, alias: str) -> IndexMissing:
    return IndexMissing(
        f"No library {alias} in Qdrant at {connection.where}: build one with "
        "`citebot index build DIR` (with the same CITEBOT_STORE and CITEBOT_QDRANT_* settings)."
    )


def read_metadata(connection: Connection, collection: str) -> dict[str, Any]:
    """The build's metadata, refused unless the build is complete and of this layout."""
    info = connection.client.get_collection(collection)
    metadata = dict(getattr(info.config, "metadata", None) or {})
    if metadata.get("layout") != LAYOUT or not metadata.get("complete"):
        raise IndexIncompatible(
            f"The Qdrant collection {collection} at {connection.where} is not a complete "
            f"citebot library of this version (layout {metadata.get('layout')!r}): rebuild it "
            "with `citebot index build DIR`."
        )
    return metadata


def manifest_of(metadata: dict[str, Any], stats: Stats) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        model=str(metadata["model"]),
        dimension=int(metadata["dimension"]),
        backend=str(metadata["backend"]),
        articles=stats.articles,
        passages=stats.passages,
        sentences=stats.sentences,
        dense_index="qdrant",
        built_at=stats.changed_at or str(metadata.get("built_at", "")),
    )


def create(
    connection: Connection,
    collection: str,
    settings: QdrantConfig,
    dimension: int,
    metadata: dict[str, Any],
) -> None:
    """A build's two collections, empty, with the cluster's settings."""
    models = qdrant_models()
    quantization = None
    if settings.quantization:
        quantization = models.ScalarQuantization(
            scalar=models.ScalarQuantizationConfig(
                type=models.ScalarType.INT8, quantile=0.99, always_ram=True
            )
        )
    options: dict[str, Any] = {}
    if not connection.local:  # local mode ignores them
        options = {
            "shard_number": settings.shards,
            "replication_factor": settings.replicas,
            "on_disk_payload": settings.on_disk,
        }
    connection.client.create_collection(
        collection,
        vectors_config={
            # Only the searched vector is quantised: the sentences are read, not searched.
            PASSAGE: models.VectorParams(
                size=dimension,
                distance=models.Distance.DOT,
                on_disk=settings.on_disk,
                quantization_config=quantization,
            ),
            SENTENCES: models.VectorParams(
                size=dimension,
                distance=models.Distance.DOT,
                on_disk=settings.on_disk,
                datatype=models.Datatype.FLOAT16,
                multivector_config=models.MultiVectorConfig(
                    comparator=models.MultiVectorComparator.MAX_SIM
                ),
                hnsw_config=models.HnswConfigDiff(m=0),  # read for rescoring, never searched
            ),
        },
        sparse_vectors_config={
            BM25: models.SparseVectorParams(
                modifier=models.Modifier.IDF,
                index=models.SparseIndexParams(on_disk=settings.on_disk),
            )
        },
        metadata=metadata,
        **options,
    )
    # Articles, terms and the statistics: read by id, a few a question, and scrolled by a
    # change. Apart from the passages so that no search ever passes over them (local mode
    # scans every point of a collection).
    connection.client.create_collection(catalog_of(collection), vectors_config={}, **options)
    if not connection.local:  # local mode has no payload indexes (and warns)
        keyword, integer = models.PayloadSchemaType.KEYWORD, models.PayloadSchemaType.INTEGER
        for where, name, kind in (
            (collection, "text_hash", keyword),
            (collection, "article", integer),
            (catalog_of(collection), "kind", keyword),
            (catalog_of(collection), "duplicate_hashes", keyword),
        ):
            connection.client.create_payload_index(where, name, kind, wait=True)


def switch(connection: Connection, alias: str, collection: str) -> None:
    """Point ``alias`` at ``collection`` in one request, which Qdrant applies atomically. The
    previous build stays for readers still on it; older ones, and those a killed build left
    unfinished, go."""
    models = qdrant_models()
    previous = target(connection, alias)
    operations = [] if previous is None else [_unalias(models, alias)]
    operations.append(
        models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name=collection, alias_name=alias)
        )
    )
    connection.client.update_collection_aliases(change_aliases_operations=operations)
    for name in _builds(connection, alias):
        if name not in (collection, previous):
            _delete_build(connection, name)


def drop(connection: Connection, alias: str) -> bool:
    """Delete ``alias`` and every build written for it; whether there was any."""
    had = target(connection, alias) is not None
    if had:
        connection.client.update_collection_aliases(
            change_aliases_operations=[_unalias(qdrant_models(), alias)]
        )
    builds = _builds(connection, alias)
    for name in builds:
        _delete_build(connection, name)
    return had or bool(builds)


def _unalias(models: Any, alias: str) -> Any:
    return models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias))


def _builds(connection: Connection, alias: str) -> list[str]:
    """The builds written for ``alias`` (their passages' collections), oldest first; a build
    killed between its two collections counts too."""
    mine = re.compile(re.escape(alias) + r"-\d{8}T\d{12}-\d+")
    names = {c.name.removesuffix(CATALOG) for c in connection.client.get_collections().collections}
    return sorted(name for name in names if mine.fullmatch(name))


def _delete_build(connection: Connection, collection: str) -> None:
    for name in (collection, catalog_of(collection)):
        connection.client.delete_collection(name)
