"""Merging segments: keeping their number small as adds pile up, and tombstones few.

Every add leaves one more segment, and every segment costs each question a FAISS search, a
BM25 lookup per term and a few SQLite queries. A merge rewrites some segments into one from
their stored rows and vectors (never through the model), leaving out tombstoned articles, and
publishes the result like any change; the articles, and so every answer, are the same.

The policy is Lucene's in small: segments are grouped in tiers by size (powers of ten of their
live passages); ``MERGE_FACTOR`` segments in one tier are merged into one of the next tier, so
a passage is rewritten about once per tier it climbs, a logarithmic cost over its life. Past
``MAX_SEGMENTS`` everything but the largest segment is merged, and a segment whose share of
tombstoned passages passes ``DELETED_SHARE`` is rewritten without them.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from index import layout, stores
from index.catalog import Catalog
from index.config import EngineConfig
from index.manifest import Manifest, SegmentInfo
from index.records import Article
from index.segments import write_segment
from index.store import Duplicate, PassageRow

log = logging.getLogger(__name__)

MERGE_FACTOR = 10
MAX_SEGMENTS = 12
DELETED_SHARE = 0.3


def due(segments: Sequence[SegmentInfo]) -> list[int]:
    """The positions of the segments the policy merges now (none, or at least one)."""
    chosen = {
        at
        for at, s in enumerate(segments)
        if s.passages and s.deleted_passages / s.passages > DELETED_SHARE
    }
    tiers: dict[int, list[int]] = {}
    for at, s in enumerate(segments):
        tiers.setdefault(int(math.log10(max(1, s.live_passages))), []).append(at)
    for members in tiers.values():
        if len(members) >= MERGE_FACTOR:
            chosen |= set(members)
    if len(segments) - len(chosen) + bool(chosen) > MAX_SEGMENTS:
        largest = max(range(len(segments)), key=lambda at: segments[at].live_passages)
        chosen |= set(range(len(segments))) - {largest}
    if len(chosen) == 1 and not segments[min(chosen)].deleted:
        return []
    return sorted(chosen)


def merge(config: EngineConfig, *, everything: bool = False) -> int:
    """Merge the segments the policy says are due (or, with ``everything``, all of them into
    one); returns how many segments were merged (0: nothing to do, or a store that merges its
    own, as Qdrant does)."""
    with stores.writing(config):
        return stores.of(config).merge_if_due(config, everything=everything)


def merge_if_due(config: EngineConfig, *, everything: bool = False) -> int:
    """``merge`` for a caller that already holds the writer's lock (``add``, ``remove``)."""
    version = layout.current_version(config.index_dir)
    manifest = Manifest.read(version.manifest)
    segments = manifest.segments
    chosen = list(range(len(segments))) if everything else due(segments)
    if everything and len(segments) == 1 and not segments[0].deleted:
        chosen = []
    if not chosen:
        return 0
    started = time.perf_counter()
    catalog = Catalog.open(version, segments)
    try:
        merged = layout.new_version(config.index_dir)
        files = merged.segment(layout.new_segment_name())
        segment = write_segment(files, *_gather(version, catalog, chosen), config.dense_index)
        kept = []
        for at, info in enumerate(segments):
            if at == chosen[0]:  # the merged segment takes the place of the first it holds
                kept.append(segment)
            elif at not in chosen:
                layout.link_segment(version.segment(info.name), merged.segment(info.name))
                kept.append(info)
        Manifest.of(
            kept, model=manifest.model, dimension=manifest.dimension, backend=manifest.backend
        ).write(merged.manifest)
        layout.publish(config.index_dir, merged)
    finally:
        catalog.close()
    log.info(
        "Merged %d segments into one in %.1f s (%d segments now)",
        len(chosen),
        time.perf_counter() - started,
        len(kept),
    )
    return len(chosen)


def _gather(
    version: layout.Version, catalog: Catalog, chosen: Sequence[int]
) -> tuple[list[Article], list[PassageRow], list[Duplicate], np.ndarray, np.ndarray]:
    """The live articles of the ``chosen`` segments, numbered anew, with their vectors."""
    articles: list[Article] = []
    rows: list[PassageRow] = []
    duplicates: list[Duplicate] = []
    passage_vectors, sentence_vectors = [], []
    sentence_row = 0
    for at in chosen:
        info = catalog.infos[at]
        files = version.segment(info.name)
        live = sorted(set(range(info.articles)) - set(info.deleted))
        passage_rows: list[int] = []
        sentence_rows: list[np.ndarray] = []
        for article, own, kept in catalog.stores[at].article_rows(live):
            number = len(articles)
            articles.append(replace(article, id=number))
            for row in own:
                count = len(row.passage.sentences)
                passage = replace(row.passage, id=len(rows), article_id=number)
                rows.append(PassageRow(passage, row.text_hash, sentence_row))
                passage_rows.append(row.passage.id)
                sentence_rows.append(np.arange(row.sentence_row, row.sentence_row + count))
                sentence_row += count
            duplicates += [replace(d, article_id=number) for d in kept]
        passages = np.load(files.passage_vectors, mmap_mode="r", allow_pickle=False)
        sentences = np.load(files.sentence_vectors, mmap_mode="r", allow_pickle=False)
        passage_vectors.append(passages[np.asarray(passage_rows, dtype=np.int64)])
        every = np.concatenate([np.empty(0, dtype=np.int64), *sentence_rows])
        sentence_vectors.append(sentences[every])
    return (
        articles,
        rows,
        duplicates,
        np.concatenate(passage_vectors),
        np.concatenate(sentence_vectors),
    )
