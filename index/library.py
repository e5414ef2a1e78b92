"""An open index: what front ends hold to answer questions.

A ``Library`` owns the embedding model and one ``Snapshot`` (a state of the library, opened
from its store: an index version, or a Qdrant collection). ``refresh`` swaps in a newer one
when the index was rebuilt or changed; a search already running keeps the snapshot it started
with, so nothing in flight is dropped or sees a mix of two versions.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from index import stores
from index.config import EngineConfig
from index.embedder import Embedder
from index.errors import CitebotError
from index.manifest import Manifest
from index.questions import clean_question
from index.records import Answer, Article, Hit, IndexInfo, Passage
from index.retriever import presence
from index.stores.base import LibraryCatalog, Snapshot

log = logging.getLogger(__name__)


class Library:
    """Answers questions from the current index version. Thread-safe."""

    def __init__(self, config: EngineConfig, embedder: Embedder, snapshot: Snapshot) -> None:
        self.config = config
        self.embedder = embedder
        self._snapshot = snapshot
        self._swap = threading.Lock()
        # The last refresh found no library where this one was (deleted): it keeps answering
        # from what it has open, and its owner (``LibraryPool``) may close it.
        self.deleted = False

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def search(self, question: str, *, threshold: float | None = None) -> Answer:
        """The best passage for ``question``, or a "not in the library" answer.

        The best passage is answered when its confidence reaches the threshold (the
        configuration's, unless a server set its own). Alternatives
        are judged on relevance alone (``present``): their confidence is low by construction,
        since they rank below the best, yet they may be relevant sources worth showing.
        """
        retrieval = self.config.retrieval
        question = clean_question(question, retrieval.max_question_chars)
        ranked = self._scored(question, 1 + retrieval.alternatives)
        if not ranked:
            return Answer(question, answered=False, best=None)
        (best, _, _), rest = ranked[0], ranked[1:]
        threshold = retrieval.threshold if threshold is None else threshold
        answered = best.score >= threshold
        alternatives = tuple(
            hit
            for hit, relevance, subject in rest
            if answered and presence(relevance, retrieval) * subject >= threshold
        )
        return Answer(question, answered, best, alternatives)

    def rank(self, question: str, k: int) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first, whatever their confidence."""
        return self._rank(clean_question(question, self.config.retrieval.max_question_chars), k)

    def _rank(self, question: str, k: int) -> list[Hit]:
        return [hit for hit, _, _ in self._scored(question, k)]

    def _scored(self, question: str, k: int) -> list[tuple[Hit, float, float]]:
        """Hits with the relevance that ranked them and the share of the question's names that
        their article holds (the confidence, which counts both, is in ``Hit.score``)."""
        snapshot = self._snapshot  # one version for the whole search, whatever refresh does
        query = self.embedder.encode_query(question)
        scored = snapshot.retriever.search(question, query, k)
        if not scored:
            return []
        passages = snapshot.store.passages([s.passage_id for s in scored])
        articles = {a.id: a for a in snapshot.store.articles(p.article_id for p in passages)}
        return [
            (
                Hit(p, articles[p.article_id], s.score, p.sentences[s.sentence]),
                s.relevance,
                s.subject,
            )
            for s, p in zip(scored, passages, strict=True)
        ]

    def articles(self) -> list[Article]:
        return self._snapshot.store.articles()

    def context(
        self, passage: Passage, before: int = 1, after: int = 1, *, article_key: str | None = None
    ) -> tuple[list[Passage], list[Passage]]:
        """The passages around ``passage`` in its article (for "Show context").

        A passage kept from an answer given before the index changed (a merge renumbers
        passages; a rebuild, everything) is found again by ``article_key`` and its place in
        the article; when its article is gone or changed, there is no context to show.
        """
        store = self._snapshot.store
        current = _same_passage(store, passage, article_key)
        if current is None:
            return [], []
        return store.neighbours(current, before, after)

    def info(self) -> IndexInfo:
        snapshot = self._snapshot
        manifest = snapshot.manifest
        return IndexInfo(
            path=snapshot.location,
            model=manifest.model,
            dimension=manifest.dimension,
            articles=manifest.articles,
            passages=manifest.passages,
            built_at=manifest.built_at,
            format_version=manifest.format_version,
            size_bytes=snapshot.size_bytes(),
            dense_index=manifest.dense_index,
            segments=len(manifest.segments),
        )

    def refresh(self) -> bool:
        """Open the index again if it was rebuilt; True when a new version was swapped in.

        A broken new version (or a store that cannot be reached) is logged and the current one
        kept: a running bot keeps serving.
        """
        with self._swap:
            store = stores.of(self.config)
            try:
                current = store.current_id(self.config)
                self.deleted = current is None
                if current in (None, self._snapshot.version.id):
                    return False
                fresh = store.open(self.config, self.embedder)
            except CitebotError as error:
                log.error("Keeping the index already open: %s", error)
                return False
            self._snapshot = fresh  # the old one closes when its last search lets go of it
            log.info(
                "Opened index version %s (%d passages)", fresh.version.id, fresh.manifest.passages
            )
            return True

    def close(self) -> None:
        self._snapshot.close()


def _same_passage(
    store: LibraryCatalog, passage: Passage, article_key: str | None
) -> Passage | None:
    """``passage`` as ``store`` numbers it now, or None when it is no longer there."""
    found: list[Passage] = []
    if 0 <= passage.id < store.size:
        with contextlib.suppress(KeyError):  # a store that deletes passages leaves holes
            found = store.passages([passage.id])
    same = found and (found[0].text, found[0].start) == (passage.text, passage.start)
    if same and store.articles([found[0].article_id]):  # and its article not removed since
        return found[0]
    article = next((a for a in store.articles() if a.key == article_key), None)
    if article is None:
        return None
    first, last = store.passage_range(article.id)
    return next(
        (
            p
            for p in store.passages(range(first, last + 1))
            if (p.text, p.start) == (passage.text, passage.start)
        ),
        None,
    )


def open_library(config: EngineConfig, *, embedder: Embedder | None = None) -> Library:
    """Open the library ``config`` names with its model; raises ``IndexUnavailable``."""
    store = stores.of(config)
    store.manifest(config).check_model(config.model)  # before the model loads
    embedder = embedder or Embedder(config)
    return Library(config, embedder, store.open(config, embedder))


def check_index(config: EngineConfig) -> Manifest:
    """What ``open_library`` checks first, without loading the model or the index files: the
    current version resolves and its manifest reads and names ``config.model``. For health
    checks; raises ``IndexUnavailable`` saying what is wrong."""
    manifest = stores.of(config).manifest(config)
    manifest.check_model(config.model)
    return manifest
