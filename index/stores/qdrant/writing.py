"""Writing a library: a new build of all of it (then the alias switched to it), or a change
in place (articles added and removed), with the terms' counts and the statistics kept true.

``add`` and ``remove`` change the build in place (upserts and deletes) and count the generation
up; readers notice it at their next ``refresh``. A passage's id is never reused within a build,
so what readers cached by id stays true.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from index.analysis import Analyzer
from index.config import EngineConfig
from index.lexical import K1, B
from index.manifest import Manifest
from index.records import Article
from index.store import Duplicate, PassageRow
from index.stores.base import Content
from index.stores.qdrant.builds import (
    LAYOUT,
    alias_of,
    catalog_of,
    create,
    manifest_of,
    new_collection,
    switch,
)
from index.stores.qdrant.catalog import QdrantCatalog
from index.stores.qdrant.connection import Connection, answering, connect, qdrant_models
from index.stores.qdrant.points import (
    ARTICLES,
    TERMS,
    Stats,
    article_point,
    passage_point,
    stats_point,
    term_index,
)

if TYPE_CHECKING:
    from index.embedder import Embedder

log = logging.getLogger(__name__)

# Points a write sends at once: a passage point is a few KB of vectors.
BATCH = 64


@dataclass(slots=True)
class QdrantCurrent:
    """The library a change starts from (``writer``)."""

    connection: Connection
    collection: str
    metadata: dict[str, Any]
    stats: Stats
    manifest: Manifest
    catalog: QdrantCatalog

    def __enter__(self) -> QdrantCurrent:
        return self

    def __exit__(self, *_: object) -> None:
        pass


@dataclass(slots=True)
class _Terms:
    """Changes to the terms' passage counts, applied to their points together."""

    delta: Counter[int] = field(default_factory=Counter)
    names: dict[int, str] = field(default_factory=dict)
    length: int = 0  # the passages' lengths together

    def add(self, terms: list[str], sign: int) -> None:
        self.length += sign * max(1, len(terms))
        for term in set(terms):
            index = term_index(term)
            self.delta[index] += sign
            self.names.setdefault(index, term)


def _write_points(connection: Connection, collection: str, points: Iterable[Any]) -> None:
    batch: list[Any] = []
    for point in points:
        batch.append(point)
        if len(batch) >= BATCH:
            connection.client.upsert(collection, batch, wait=True)
            batch = []
    if batch:
        connection.client.upsert(collection, batch, wait=True)


def _content_points(
    models: Any,
    content: Content,
    analyzer: Analyzer,
    terms: _Terms,
    average_length: float | None,
) -> tuple[list[Any], list[Any], float]:
    """The article and passage points of ``content`` (its ids as they will be stored), the
    term changes counted into ``terms``, and the average length the weights used (the
    content's own when ``average_length`` is None: a build)."""
    texts = [analyzer.terms(row.passage.text) for row in content.rows]
    if average_length is None:
        lengths = [max(1, len(t)) for t in texts]
        average_length = sum(lengths) / max(1, len(lengths))
    by_article: dict[int, list[PassageRow]] = {}
    for row in content.rows:
        by_article.setdefault(row.passage.article_id, []).append(row)
    duplicates: dict[int, list[Duplicate]] = {}
    for duplicate in content.duplicates:
        duplicates.setdefault(duplicate.article_id, []).append(duplicate)
    articles = {a.id: a for a in content.articles}
    article_points = []
    for article in content.articles:
        own = by_article.get(article.id, [])
        first, last = (own[0].passage.id, own[-1].passage.id) if own else (0, -1)
        article_points.append(
            article_point(models, article, first, last, duplicates.get(article.id, []))
        )
    passage_points = []
    for i, (row, words) in enumerate(zip(content.rows, texts, strict=True)):
        count = len(row.passage.sentences)
        sentences = content.sentence_vectors[row.sentence_row : row.sentence_row + count]
        terms.add(words, +1)
        passage_points.append(
            passage_point(
                models,
                row,
                articles[row.passage.article_id],
                content.passage_vectors[i],
                sentences,
                words,
                average_length,
            )
        )
    return article_points, passage_points, average_length


def _renumbered(content: Content, passages: int, articles: int) -> Content:
    """``content`` with its ids moved past those the collection has given."""
    return replace(
        content,
        articles=[replace(a, id=a.id + articles) for a in content.articles],
        rows=[
            replace(
                row,
                passage=replace(
                    row.passage,
                    id=row.passage.id + passages,
                    article_id=row.passage.article_id + articles,
                ),
            )
            for row in content.rows
        ],
        duplicates=[replace(d, article_id=d.article_id + articles) for d in content.duplicates],
    )


def _apply_terms(connection: Connection, collection: str, terms: _Terms, fresh: bool) -> None:
    """Count the terms' changes into their points in the catalog of the build whose passages
    are in ``collection`` (read first, unless the build is new)."""
    models = qdrant_models()
    collection = catalog_of(collection)
    indices = sorted(i for i, d in terms.delta.items() if d)
    counts: dict[int, int] = {}
    if not fresh:
        for begin in range(0, len(indices), 1024):
            chunk = [TERMS + i for i in indices[begin : begin + 1024]]
            for point in connection.client.retrieve(collection, chunk, with_payload=["df"]):
                counts[int(point.id) - TERMS] = int(point.payload["df"])
    _write_points(
        connection,
        collection,
        (
            models.PointStruct(
                id=TERMS + i,
                vector={},
                payload={
                    "kind": "term",
                    "term": terms.names[i],
                    "df": max(0, counts.get(i, 0) + terms.delta[i]),
                },
            )
            for i in indices
        ),
    )


def build(config: EngineConfig, embedder: Embedder, content: Content) -> None:
    """A new build of ``content`` (its two collections), then the alias switched to it in
    one request."""
    models = qdrant_models()
    connection = connect(config.qdrant)
    alias = alias_of(config)
    collection = new_collection(alias)
    terms = _Terms()
    articles, passages, average = _content_points(models, content, Analyzer(), terms, None)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    metadata = {
        "layout": LAYOUT,
        "complete": False,
        "model": embedder.name,
        "dimension": embedder.dimension,
        "backend": embedder.backend,
        "built_at": now,
        "k1": K1,
        "b": B,
        "average_length": average,
    }
    with answering(connection):
        create(connection, collection, config.qdrant, embedder.dimension, metadata)
        _write_points(connection, catalog_of(collection), articles)
        _write_points(connection, collection, passages)
        _apply_terms(connection, collection, terms, fresh=True)
        stats = Stats(
            passages=len(content.rows),
            length=terms.length,
            articles=len(content.articles),
            sentences=sum(len(r.passage.sentences) for r in content.rows),
            next_passage=len(content.rows),
            next_article=len(content.articles),
            generation=0,
            changed_at=now,
        )
        _write_points(connection, catalog_of(collection), [stats_point(models, stats)])
        connection.client.update_collection(collection, metadata={"complete": True})
        switch(connection, alias, collection)
    log.info("Switched %s to %s (%d passages)", alias, collection, len(content.rows))


def change(
    current: QdrantCurrent,
    content: Content,
    gone: Collection[Article],
) -> Manifest:
    """Upsert ``content``'s points and delete those of the articles ``gone``, in the live
    collection: new articles before their passages, removed passages before their
    articles, so a reader never finds a passage without its article.

    Not atomic: a search meanwhile may find some of the change (rebuilds are atomic). The
    ids are taken first, so a change killed midway leaves points no later change reuses:
    running it again replaces what it wrote (a rebuild starts clean)."""
    models = qdrant_models()
    connection = current.connection
    collection = current.collection
    stats = current.stats
    content = _renumbered(content, stats.next_passage, stats.next_article)
    terms = _Terms()
    analyzer = Analyzer()
    articles, passages, _ = _content_points(
        models, content, analyzer, terms, float(current.metadata["average_length"])
    )
    taken = replace(
        stats,
        next_passage=stats.next_passage + len(content.rows),
        next_article=stats.next_article + len(content.articles),
    )
    removed = removed_sentences = 0
    with answering(connection):
        _write_points(connection, catalog_of(collection), [stats_point(models, taken)])
        _write_points(connection, catalog_of(collection), articles)
        _write_points(connection, collection, passages)
        for article in gone:
            first, last = current.catalog.passage_range(article.id)
            ids = list(range(first, last + 1))
            for passage in current.catalog.passages(ids) if ids else []:
                terms.add(analyzer.terms(passage.text), -1)
                removed += 1
                removed_sentences += len(passage.sentences)
            own = [ARTICLES + article.id]
            for where, doomed in ((collection, ids), (catalog_of(collection), own)):
                if doomed:  # the passages, then their article
                    connection.client.delete(where, models.PointIdsList(points=doomed), wait=True)
        _apply_terms(connection, collection, terms, fresh=False)
        fresh = replace(
            taken,
            passages=stats.passages + len(content.rows) - removed,
            length=stats.length + terms.length,
            articles=stats.articles + len(content.articles) - len(gone),
            sentences=stats.sentences
            + sum(len(r.passage.sentences) for r in content.rows)
            - removed_sentences,
            generation=stats.generation + 1,
            changed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        _write_points(connection, catalog_of(collection), [stats_point(models, fresh)])
    return manifest_of(current.metadata, fresh)
