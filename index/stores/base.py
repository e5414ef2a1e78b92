"""What a store is: where one library's articles, passages, vectors and terms are kept.

A library is written and read through a ``LibraryStore``. Two exist: ``faiss``, the index
directory on this machine (the default), and ``qdrant``, collections in a Qdrant server that
several bot hosts share (``CITEBOT_STORE``). Everything else is the same code whichever holds
the library: reading and splitting articles, embedding, and the retriever's rescoring, marked
sentence and confidence. A store answers three questions for the retriever:

* ``CandidateSource.candidates``: which passages may answer (the dense and the BM25 nearest),
  with what the rescoring needs of each: its text, its vectors and which question terms it has;
* ``Lexicon``: the question's terms and weights, from the library's own statistics;
* ``LibraryCatalog``: articles and passages by id.

Passage ids are the library's: a build numbers passages from 0 in the order of the articles'
keys, in both stores, and an article's passages are numbered together.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.config import EngineConfig
from index.lexical import LexicalQuery
from index.manifest import Manifest
from index.records import Article, Passage
from index.store import Duplicate, PassageRow

if TYPE_CHECKING:
    from index.embedder import Embedder
    from index.retriever import Retriever


@dataclass(frozen=True, slots=True)
class Candidates:
    """The passages that may answer a question, with their evidence, in ascending id order."""

    ids: np.ndarray
    passages: list[Passage]
    passage_vectors: np.ndarray  # row i is passage ids[i]'s
    sentence_vectors: np.ndarray  # every candidate's sentence vectors, one after the other
    sentence_counts: list[int]  # how many of those rows each candidate has
    found: np.ndarray  # candidates × the question's terms: which terms each passage holds


class CandidateSource(Protocol):
    def candidates(self, query: np.ndarray, lexical: LexicalQuery, n: int) -> Candidates:
        """The union of the ``n`` passages nearest to ``query`` and the ``n`` best for BM25
        (those with a positive score), ids ascending."""
        ...


class Lexicon(Protocol):
    """Text into the library's terms, weighted with its statistics (``lexical``)."""

    def query(self, text: str) -> LexicalQuery: ...

    def terms(self, text: str) -> frozenset[str]: ...

    def known(self, terms: frozenset[str]) -> frozenset[int]: ...

    def positions(self, text: str) -> dict[int, list[int]]: ...

    def occurs_in(self, term_id: int, first: int, last: int) -> bool: ...


class LibraryCatalog(Protocol):
    """Articles and passages by the library's ids (``catalog.Catalog`` for FAISS)."""

    @property
    def size(self) -> int: ...

    def passages(self, ids: Sequence[int]) -> list[Passage]: ...

    def articles(self, ids: Iterable[int] | None = None) -> list[Article]: ...

    def neighbours(
        self, passage: Passage, before: int, after: int
    ) -> tuple[list[Passage], list[Passage]]: ...

    def passage_range(self, article_id: int) -> tuple[int, int]: ...

    # What a change reads (``writer``, ``owners``).
    def live(self) -> list[tuple[int, int, Article]]: ...

    def holders(self, hashes: Sequence[str]) -> list[tuple[int, str, bool]]: ...

    def article_rows(
        self, ids: Iterable[int]
    ) -> Iterator[tuple[Article, list[PassageRow], list[Duplicate]]]: ...

    def close(self) -> None: ...


class Version(Protocol):
    @property
    def id(self) -> str: ...


class Snapshot(Protocol):
    """One state of a library, opened for reading: what ``Library`` answers from."""

    version: Version
    manifest: Manifest
    store: LibraryCatalog
    retriever: Retriever

    @property
    def location(self) -> str:
        """Where the library is, for people (``index info``)."""
        ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...


class Current(Protocol):
    """The library a change starts from (``writer``): its manifest and catalog."""

    manifest: Manifest
    catalog: LibraryCatalog

    def __enter__(self) -> Current: ...

    def __exit__(self, *_: object) -> None: ...


@dataclass(frozen=True, slots=True)
class Content:
    """Articles and passages to write, numbered from 0 (``writer._number``), with the passage
    vectors (row i: passage i) and the sentence vectors (each passage's from its
    ``sentence_row``)."""

    articles: Sequence[Article]
    rows: Sequence[PassageRow]
    duplicates: Sequence[Duplicate]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


class LibraryStore(Protocol):
    """Where libraries are kept: ``stores.of(config)`` picks one by ``config.store``."""

    def current_id(self, config: EngineConfig) -> str | None:
        """A cheap check for a changed library: the id of its state now (None: no library)."""
        ...

    def manifest(self, config: EngineConfig) -> Manifest:
        """The current library's manifest, without the model or its indexes (health checks);
        ``IndexUnavailable`` saying what is wrong."""
        ...

    def open(self, config: EngineConfig, embedder: Embedder) -> Snapshot: ...

    def writing(self, config: EngineConfig) -> AbstractContextManager[object]:
        """Hold the writer's lock of the library (``IndexBusy`` when another process does)."""
        ...

    def current(self, config: EngineConfig, embedder: Embedder | None) -> Current: ...

    def write(self, config: EngineConfig, embedder: Embedder, content: Content) -> None:
        """Replace the library with ``content``, switching readers over atomically."""
        ...

    def change(
        self,
        config: EngineConfig,
        embedder: Embedder,
        current: Current,
        content: Content,
        gone: Collection[Article],
    ) -> Manifest:
        """Add ``content`` to the library and remove the articles ``gone``; the new manifest."""
        ...

    def merge_if_due(self, config: EngineConfig, *, everything: bool = False) -> int: ...

    def drop(self, config: EngineConfig) -> bool:
        """Delete the library (a server's, a throwaway evaluation's); False if there was none."""
        ...
