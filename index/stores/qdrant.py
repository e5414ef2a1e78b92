"""The Qdrant store: each library a collection in a Qdrant server that every bot host reads.

``CITEBOT_STORE=qdrant`` with ``CITEBOT_QDRANT_URL`` (a server or cluster) or
``CITEBOT_QDRANT_PATH`` (qdrant-client's embedded local mode: one process, exact search; what
the tests use). The client is the optional extra ``pip install citebot[qdrant]``, imported
only here and only when this store is used.

A library is an **alias** (``<prefix>-shared``, ``<prefix>-<server id>``) naming the
collection of passages of its last build (``<alias>-<time>-<pid>``):

* a point per passage, its id the passage's: named vectors ``passage`` (the title + passage
  vector that FAISS indexes), ``sentences`` (its sentence vectors as one multivector, stored
  as float16 as the FAISS store keeps them, not indexed: they are read for rescoring), and
  ``bm25``, a sparse vector of the passage's terms weighted as BM25 weighs a term in a
  passage, ``tf / (tf + k1 (1 - b + b · length / average length))``, which Qdrant multiplies by
  each term's idf (``Modifier.IDF``): a sparse search is BM25, computed by the server. The
  payload is the passage (text, sentences, place in its article) with its article's
  attribution, so other services can read the collection without citebot.

Beside it, the build's **catalog** (``<collection>-catalog``) holds points without vectors: a
point per article (its attribution, its passage ids, and the pieces it keeps as duplicates of
other articles' passages), a point per term (how many passages hold it, which the rescoring's
idf needs: Qdrant's own is not exposed) and one of library statistics (passages, their total
length, the next free ids, a generation counted up by every change). Apart, so that no search
ever passes over them.

Candidates come from one hybrid query, server-side: the dense and the sparse nearest as two
prefetches, fused (their union), returned with their payloads and vectors. The rescoring,
marked sentence and confidence are the retriever's, as for the FAISS store.

Terms are 32-bit hashes of their text (Qdrant's sparse indices are 32-bit), as Qdrant's own
BM25 does: two terms of the library may share an index, which merges their counts (about one
pair in a library of 100,000 distinct terms, a hundred at a million).

``index build`` writes a new build and switches the alias to it in one request, which Qdrant
applies atomically: a reader resolves the alias once per snapshot and reads that build only,
so it sees the old library or the new one, never a mix; the previous build is kept for
readers still on it, older ones are deleted. ``add`` and ``remove`` change the build in place
(upserts and deletes) and count the generation up; readers notice it at their next
``refresh``. A passage's id is never reused within a build, so what readers cached by id
stays true.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index import layout
from index.analysis import Analyzer
from index.config import EngineConfig, QdrantConfig
from index.errors import (
    CitebotError,
    IndexIncompatible,
    IndexMissing,
    IndexUnavailable,
    shown,
)
from index.lexical import K1, B, LexicalQuery, resolve_query
from index.manifest import FORMAT_VERSION, Manifest
from index.records import Article, Passage, Span
from index.retriever import Retriever
from index.store import Duplicate, PassageRow
from index.stores.base import Candidates, Content

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

    from index.embedder import Embedder

log = logging.getLogger(__name__)

INSTALL = "pip install 'citebot[qdrant]'"

# Point ids: passages take theirs (from 0); articles, terms and the statistics live above.
ARTICLES = 1 << 40
TERMS = 1 << 41
LIBRARY = 1 << 42

PASSAGE = "passage"
SENTENCES = "sentences"
BM25 = "bm25"
# A build's second collection, beside its passages': points without vectors.
CATALOG = "-catalog"

# What a collection's layout is; a reader refuses a collection written with another.
LAYOUT = 1
# Points a write sends at once: a passage point is a few KB of vectors.
BATCH = 64
# Passages and articles a reader keeps (immutable under their ids), and articles' term sets.
_CACHED = 8192
# A graph search keeps this many candidates: the FAISS graph's efSearch (``dense``).
HNSW_EF = 512
# Candidates the quantised vectors preselect, per one kept after the full vectors rescore.
OVERSAMPLING = 2.0

_PASSAGE_FIELDS = ["id", "article", "paragraph", "text", "start", "end", "sentences"]


def _require() -> Any:
    """The ``qdrant_client`` module, or one line saying how to install it."""
    try:
        import qdrant_client  # the optional extra: imported only when this store is used
    except ImportError:
        raise CitebotError(
            f"CITEBOT_STORE=qdrant needs the Qdrant client: {INSTALL} (or set CITEBOT_STORE=faiss)."
        ) from None
    return qdrant_client


def _models() -> Any:
    return _require().models


@lru_cache(maxsize=1 << 16)
def term_index(term: str) -> int:
    """A term's sparse index: 32 bits of its hash, the same in every process."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big")


# --- The client -----------------------------------------------------------------------------


class _Serialized:
    """A local-mode client used by one call at a time: local mode keeps its points in numpy
    arrays and SQLite, and the bot searches from several threads while its librarian writes."""

    def __init__(self, client: QdrantClient) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: object, **kwargs: object) -> object:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@dataclass(frozen=True, slots=True)
class _Connection:
    client: Any  # QdrantClient, or _Serialized around a local one
    where: str  # for messages: the server's URL or the local folder
    local: bool


_connections: dict[tuple[str, str], _Connection] = {}
_connections_lock = threading.Lock()


@atexit.register
def _close_connections() -> None:
    """Close the clients before the interpreter tears their modules down (a local client's
    own ``__del__`` at that point fails noisily)."""
    with _connections_lock:
        for connection in _connections.values():
            with contextlib.suppress(Exception):
                connection.client.close()
        _connections.clear()


def connect(settings: QdrantConfig) -> _Connection:
    """The process's client for ``settings`` (one per server or folder: local mode's folder
    admits one client, and a server's connections are pooled)."""
    qdrant_client = _require()
    if settings.url and settings.path:
        raise CitebotError(
            "Set CITEBOT_QDRANT_URL (a Qdrant server) or CITEBOT_QDRANT_PATH (local mode), "
            "not both."
        )
    if not (settings.url or settings.path):
        raise CitebotError(
            "CITEBOT_STORE=qdrant needs CITEBOT_QDRANT_URL (a Qdrant server, e.g. "
            "http://localhost:6333) or CITEBOT_QDRANT_PATH (a folder, for local mode)."
        )
    if settings.url:
        key = ("url", settings.url)
    else:
        key = ("path", str(Path(str(settings.path)).resolve()))
    with _connections_lock:
        found = _connections.get(key)
        if found is not None:
            return found
        if settings.url:
            key_value = settings.api_key.get_secret_value() if settings.api_key else None
            # No version check at start: it warns on stderr when the server is down, and a
            # library's own layout is checked when it is opened.
            client = qdrant_client.QdrantClient(
                url=settings.url, api_key=key_value, timeout=30, check_compatibility=False
            )
            found = _Connection(client, settings.url, local=False)
        else:
            path = key[1]
            try:
                local = qdrant_client.QdrantClient(path=path, force_disable_check_same_thread=True)
            except RuntimeError:  # the folder is another process's
                raise IndexUnavailable(
                    f"Qdrant's local folder {path} is in use by another process: local mode "
                    "serves one process at a time; run a Qdrant server and set "
                    "CITEBOT_QDRANT_URL to share a library."
                ) from None
            found = _Connection(_Serialized(local), path, local=True)
        _connections[key] = found
        return found


@contextlib.contextmanager
def _answering(connection: _Connection) -> Iterator[None]:
    """Qdrant's errors as one line naming the server (``IndexUnavailable``)."""
    exceptions = _require().http.exceptions
    try:
        yield
    except exceptions.UnexpectedResponse as error:
        reason = _line((error.content or b"").decode("utf-8", "replace")) or _line(str(error))
        raise IndexUnavailable(
            f"Qdrant at {connection.where} answered {error.status_code}: {reason}"
        ) from None
    except exceptions.ApiException as error:
        raise IndexUnavailable(
            f"Cannot reach Qdrant at {connection.where}: {_line(str(error))}"
        ) from None
    except ValueError as error:  # local mode: a collection deleted under a reader
        if "not found" not in str(error):
            raise
        raise IndexUnavailable(f"Qdrant at {connection.where}: {_line(str(error))}") from None


def _line(text: str) -> str:
    """An error's text as one short line."""
    return shown(" ".join(text.split()))


# --- Names ----------------------------------------------------------------------------------


def alias_of(config: EngineConfig) -> str:
    """The alias readers open: ``<prefix>-shared``, or ``<prefix>-<server id>``."""
    owner = "shared" if config.server_id is None else str(config.server_id)
    return f"{config.qdrant.prefix}-{owner}"


def _new_collection(alias: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{alias}-{stamp}-{os.getpid()}"


def _catalog(collection: str) -> str:
    """The collection of articles, terms and statistics of the build whose passages are in
    ``collection``."""
    return collection + CATALOG


def _builds(connection: _Connection, alias: str) -> list[str]:
    """The builds written for ``alias`` (their passages' collections), oldest first; a build
    killed between its two collections counts too."""
    mine = re.compile(re.escape(alias) + r"-\d{8}T\d{12}-\d+")
    names = {c.name.removesuffix(CATALOG) for c in connection.client.get_collections().collections}
    return sorted(name for name in names if mine.fullmatch(name))


def _delete_build(connection: _Connection, collection: str) -> None:
    for name in (collection, _catalog(collection)):
        connection.client.delete_collection(name)


def _target(connection: _Connection, alias: str) -> str | None:
    """The collection ``alias`` names now, or None."""
    for found in connection.client.get_aliases().aliases:
        if found.alias_name == alias:
            return str(found.collection_name)
    return None


def _missing(connection: _Connection, alias: str) -> IndexMissing:
    return IndexMissing(
        f"No library {alias} in Qdrant at {connection.where}: build one with "
        "`citebot index build DIR` (with the same CITEBOT_STORE and CITEBOT_QDRANT_* settings)."
    )


# --- A library's statistics -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stats:
    """The library's counts, kept in its statistics point and changed by every write."""

    passages: int = 0  # live ones: BM25's number of documents
    length: int = 0  # their terms together (each at least 1, as bm25s counted them)
    articles: int = 0
    sentences: int = 0
    next_passage: int = 0  # ids are never given twice in one collection
    next_article: int = 0
    generation: int = 0
    changed_at: str = ""

    @classmethod
    def read(cls, payload: dict[str, Any] | None) -> Stats:
        if not payload:
            return cls()
        return cls(**{name: payload[name] for name in cls.__dataclass_fields__ if name in payload})

    def payload(self) -> dict[str, Any]:
        return {"kind": "library", **{n: getattr(self, n) for n in self.__dataclass_fields__}}


def _read_stats(connection: _Connection, collection: str) -> Stats:
    points = connection.client.retrieve(_catalog(collection), [LIBRARY], with_payload=True)
    return Stats.read(points[0].payload if points else None)


def _metadata(connection: _Connection, collection: str) -> dict[str, Any]:
    info = connection.client.get_collection(collection)
    metadata = dict(getattr(info.config, "metadata", None) or {})
    if metadata.get("layout") != LAYOUT or not metadata.get("complete"):
        raise IndexIncompatible(
            f"The Qdrant collection {collection} at {connection.where} is not a complete "
            f"citebot library of this version (layout {metadata.get('layout')!r}): rebuild it "
            "with `citebot index build DIR`."
        )
    return metadata


def _manifest(metadata: dict[str, Any], stats: Stats) -> Manifest:
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


# --- Reading --------------------------------------------------------------------------------


class _Lru(OrderedDict):
    """A bounded map, least recently used out first (callers hold a lock)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: object, value: object) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _ArticleRecord:
    article: Article
    first: int
    last: int
    duplicates: tuple[Duplicate, ...]


class QdrantCatalog:
    """Articles and passages of one build, by id. Thread-safe; what it has read it keeps
    (bounded): an article or a passage never changes under its id."""

    def __init__(self, connection: _Connection, collection: str, size: int) -> None:
        self._connection = connection
        self._collection = collection
        self._catalog = _catalog(collection)
        self._size = size
        self._passages: _Lru = _Lru(_CACHED)
        self._articles: _Lru = _Lru(_CACHED)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Passage ids run below this (some are gone: removed articles leave holes)."""
        return self._size

    def close(self) -> None:
        pass  # the connection is the process's

    def remember(self, passages: Iterable[Passage]) -> None:
        with self._lock:
            for passage in passages:
                self._passages.keep(passage.id, passage)

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by id, in the order asked; ``KeyError`` for one that is gone."""
        with self._lock:
            found = {i: self._passages[i] for i in ids if i in self._passages}
        missing = sorted({int(i) for i in ids} - found.keys())
        if missing:
            with _answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection, missing, with_payload=_PASSAGE_FIELDS
                )
            fetched = [_passage(p.payload) for p in points]
            self.remember(fetched)
            found |= {p.id: p for p in fetched}
        return [found[int(i)] for i in ids]

    def articles(self, ids: Iterable[int] | None = None) -> list[Article]:
        """Articles by id (all of them, ordered by title, when ``ids`` is None)."""
        if ids is None:
            records = [_article_record(p) for p in self._scroll(self._catalog, "article")]
            self._keep_articles(records)
            return sorted((r.article for r in records), key=lambda a: (a.title, a.key))
        return [r.article for r in self._records(sorted(set(ids)))]

    def neighbours(
        self, passage: Passage, before: int, after: int
    ) -> tuple[list[Passage], list[Passage]]:
        records = self._records([passage.article_id])
        if not records:
            return [], []
        first, last = records[0].first, records[0].last
        earlier = range(max(first, passage.id - before), passage.id)
        later = range(passage.id + 1, min(last, passage.id + after) + 1)
        return self.passages(list(earlier)), self.passages(list(later))

    def passage_range(self, article_id: int) -> tuple[int, int]:
        records = self._records([article_id])
        return (records[0].first, records[0].last) if records else (0, -1)

    def live(self) -> list[tuple[int, int, Article]]:
        return [(0, a.id, a) for a in self.articles()]

    def holders(self, hashes: Sequence[str]) -> list[tuple[int, str, bool]]:
        """Articles holding a piece with one of these text hashes, and whether it is their
        passage (rather than a duplicate of another article's)."""
        if not hashes:
            return []
        wanted = set(hashes)
        fields = ["article", "text_hash"]
        passages = self._scroll(self._collection, None, "text_hash", hashes, fields)
        found = [(int(p["article"]), str(p["text_hash"]), True) for p in passages]
        for payload in self._scroll(self._catalog, "article", "duplicate_hashes", hashes):
            record = _article_record(payload)
            found += [
                (record.article.id, d.text_hash, False)
                for d in record.duplicates
                if d.text_hash in wanted
            ]
        return found

    def article_rows(
        self, ids: Iterable[int]
    ) -> Iterator[tuple[Article, list[PassageRow], list[Duplicate]]]:
        for record in self._records(sorted(set(ids))):
            numbers = list(range(record.first, record.last + 1))
            with _answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection, numbers, with_payload=[*_PASSAGE_FIELDS, "text_hash"]
                )
            by_id = {int(p.payload["id"]): p.payload for p in points}
            rows = [
                PassageRow(_passage(by_id[i]), str(by_id[i]["text_hash"]), 0)
                for i in numbers
                if i in by_id
            ]
            yield record.article, rows, list(record.duplicates)

    def _records(self, ids: Sequence[int]) -> list[_ArticleRecord]:
        with self._lock:
            found = {i: self._articles[i] for i in ids if i in self._articles}
        missing = [i for i in ids if i not in found]
        if missing:
            with _answering(self._connection):
                points = self._connection.client.retrieve(
                    self._catalog, [ARTICLES + i for i in missing], with_payload=True
                )
            records = [_article_record(p.payload) for p in points]
            self._keep_articles(records)
            found |= {r.article.id: r for r in records}
        return [found[i] for i in ids if i in found]

    def _keep_articles(self, records: Iterable[_ArticleRecord]) -> None:
        with self._lock:
            for record in records:
                self._articles.keep(record.article.id, record)

    def _scroll(
        self,
        collection: str,
        kind: str | None,
        key: str | None = None,
        values: Sequence[str] = (),
        payload: list[str] | bool = True,
    ) -> Iterator[dict[str, Any]]:
        """The payloads of every point of ``collection`` (of ``kind``; whose ``key`` holds one
        of ``values``)."""
        models = _models()
        must = []
        if kind is not None:
            must.append(models.FieldCondition(key="kind", match=models.MatchValue(value=kind)))
        if key is not None:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(values))))
        offset = None
        while True:
            with _answering(self._connection):
                points, offset = self._connection.client.scroll(
                    collection,
                    scroll_filter=models.Filter(must=must),
                    limit=1024,
                    offset=offset,
                    with_payload=payload,
                )
            for point in points:
                yield point.payload
            if offset is None:
                return


class QdrantLexicon:
    """The library's terms and their statistics, read from its term points in the catalog
    (one request a question for the question's terms and the library's count of passages)."""

    def __init__(self, connection: _Connection, collection: str) -> None:
        self._connection = connection
        self._collection = collection
        self._analyzer = Analyzer()
        self._articles: _Lru = _Lru(1024)  # (first, last) passage ids → the terms they hold
        self._lock = threading.Lock()

    def query(self, text: str) -> LexicalQuery:
        return resolve_query(self._analyzer, text, self._lookup)

    def _lookup(self, terms: Collection[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        indices = {term: term_index(term) for term in terms}
        ids = [LIBRARY, *sorted({TERMS + i for i in indices.values()})]
        with _answering(self._connection):
            points = self._connection.client.retrieve(
                _catalog(self._collection), ids, with_payload=True
            )
        payloads = {int(p.id): p.payload for p in points}
        stats = Stats.read(payloads.get(LIBRARY))
        known = {
            term: (index, int(payloads[TERMS + index]["df"]))
            for term, index in indices.items()
            if TERMS + index in payloads
        }
        return stats.passages, known

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(self._analyzer.terms(text))

    def known(self, terms: frozenset[str]) -> frozenset[int]:
        """Every term's index: a term the library lacks is never among a question's live
        terms, so it matches nothing, as if it were left out."""
        return frozenset(term_index(t) for t in terms)

    def positions(self, text: str) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for at, term in enumerate(self._analyzer.terms(text)):
            found.setdefault(term_index(term), []).append(at)
        return found

    def occurs_in(self, term_id: int, first: int, last: int) -> bool:
        """Whether a passage with an id in ``[first, last]`` (one article's) holds the term:
        the article's passages' terms, read once and kept."""
        key = (first, last)
        with self._lock:
            held = self._articles.get(key)
        if held is None:
            with _answering(self._connection):
                points = self._connection.client.retrieve(
                    self._collection,
                    list(range(first, last + 1)),
                    with_payload=False,
                    with_vectors=[BM25],
                )
            held = frozenset(i for p in points for i in _sparse(p.vector).indices)
            with self._lock:
                self._articles.keep(key, held)
        return term_id in held


class QdrantSource:
    """Candidates from one hybrid query: the dense and the BM25 nearest, fused server-side,
    with the payloads and vectors the rescoring reads."""

    def __init__(
        self, connection: _Connection, collection: str, catalog: QdrantCatalog, dimension: int
    ) -> None:
        self._connection = connection
        self._collection = collection
        self._catalog = catalog
        self._dimension = dimension
        models = _models()
        # Local mode searches exactly and warns about search parameters; a server searches its
        # graph over the quantised vectors, then rescores with the full ones.
        self._params = None
        if not connection.local:
            self._params = models.SearchParams(
                hnsw_ef=HNSW_EF,
                quantization=models.QuantizationSearchParams(
                    rescore=True, oversampling=OVERSAMPLING
                ),
            )

    def candidates(self, query: np.ndarray, lexical: LexicalQuery, n: int) -> Candidates:
        models = _models()
        terms = sorted({int(t) for t in lexical.term_ids})  # two may share a hash
        prefetch = [
            models.Prefetch(query=query.tolist(), using=PASSAGE, limit=n, params=self._params)
        ]
        if terms:
            sparse = models.SparseVector(indices=terms, values=[1.0] * len(terms))
            prefetch.append(models.Prefetch(query=sparse, using=BM25, limit=n))
        with _answering(self._connection):
            found = self._connection.client.query_points(
                self._collection,
                prefetch=prefetch,
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=2 * n,
                with_payload=_PASSAGE_FIELDS,
                with_vectors=True,
            ).points
        found.sort(key=lambda p: int(p.id))
        passages = [_passage(p.payload) for p in found]
        self._catalog.remember(passages)
        vectors = [p.vector for p in found]
        sentences = [np.asarray(v.get(SENTENCES) or [], dtype=np.float32) for v in vectors]
        column = {term: c for c, term in enumerate(lexical.term_ids.tolist())}
        holds = np.zeros((len(found), len(column)), dtype=bool)
        for row, v in enumerate(vectors):
            for index in _sparse(v.get(BM25)).indices:
                if (c := column.get(int(index))) is not None:
                    holds[row, c] = True
        shape = (0, self._dimension)
        return Candidates(
            np.array([int(p.id) for p in found], dtype=np.int64),
            passages,
            np.asarray([v[PASSAGE] for v in vectors], dtype=np.float32).reshape(-1, shape[1]),
            np.concatenate([s.reshape(-1, shape[1]) for s in sentences])
            if sentences
            else np.empty(shape, dtype=np.float32),
            [len(s) for s in sentences],
            holds,
        )


def _sparse(vector: Any) -> Any:
    """A point's sparse vector, however the client gives it (a model or a mapping)."""
    if isinstance(vector, dict) and BM25 in vector:
        vector = vector[BM25]
    if vector is None:
        return _models().SparseVector(indices=[], values=[])
    if isinstance(vector, dict):
        return _models().SparseVector(**vector)
    return vector


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


@dataclass(slots=True)
class QdrantCurrent:
    """The library a change starts from (``writer``)."""

    connection: _Connection
    collection: str
    metadata: dict[str, Any]
    stats: Stats
    manifest: Manifest
    catalog: QdrantCatalog

    def __enter__(self) -> QdrantCurrent:
        return self

    def __exit__(self, *_: object) -> None:
        pass


# --- Writing --------------------------------------------------------------------------------


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


def _passage_point(
    models: Any,
    row: PassageRow,
    article: Article,
    vector: np.ndarray,
    sentences: np.ndarray,
    terms: list[str],
    average_length: float,
) -> Any:
    passage = row.passage
    tf = Counter(term_index(t) for t in terms)
    norm = K1 * (1 - B + B * max(1, len(terms)) / average_length)
    indices = sorted(tf)
    vectors: dict[str, Any] = {
        PASSAGE: vector.astype(np.float32).tolist(),
        BM25: models.SparseVector(
            indices=indices, values=[float(tf[i] / (tf[i] + norm)) for i in indices]
        ),
    }
    if len(sentences):
        # Kept as float16, as the FAISS store keeps them: the same cosines to the last bit.
        vectors[SENTENCES] = sentences.astype(np.float16).astype(np.float32).tolist()
    payload = {
        "kind": "passage",
        "id": passage.id,
        "article": passage.article_id,
        "paragraph": passage.paragraph,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "sentences": [[s.start, s.end] for s in passage.sentences],
        "text_hash": row.text_hash,
        # The attribution, for readers of the collection other than citebot.
        "key": article.key,
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "source": article.source,
        "url": article.url,
    }
    return models.PointStruct(id=passage.id, vector=vectors, payload=payload)


def _article_point(models: Any, article: Article, first: int, last: int, dups: list) -> Any:
    payload = {
        "kind": "article",
        "id": article.id,
        "key": article.key,
        "path": article.path,
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "source": article.source,
        "url": article.url,
        "content_hash": article.content_hash,
        "paragraph_count": article.paragraph_count,
        "passage_count": article.passage_count,
        "first": first,
        "last": last,
        "duplicates": [
            {
                "paragraph": d.paragraph,
                "start": d.start,
                "end": d.end,
                "text": d.text,
                "text_hash": d.text_hash,
                "sentences": [[s.start, s.end] for s in d.sentences],
            }
            for d in dups
        ],
        "duplicate_hashes": sorted({d.text_hash for d in dups}),
    }
    return models.PointStruct(id=ARTICLES + article.id, vector={}, payload=payload)


def _article_record(payload: dict[str, Any]) -> _ArticleRecord:
    article = Article(
        int(payload["id"]),
        str(payload["key"]),
        str(payload["path"]),
        str(payload["title"]),
        payload.get("author"),
        payload.get("date"),
        payload.get("source"),
        payload.get("url"),
        str(payload["content_hash"]),
        int(payload["paragraph_count"]),
        int(payload["passage_count"]),
    )
    duplicates = tuple(
        Duplicate(
            article.id,
            int(d["paragraph"]),
            int(d["start"]),
            int(d["end"]),
            str(d["text"]),
            str(d["text_hash"]),
            tuple(Span(int(s), int(e)) for s, e in d["sentences"]),
        )
        for d in payload.get("duplicates", ())
    )
    return _ArticleRecord(article, int(payload["first"]), int(payload["last"]), duplicates)


def _passage(payload: dict[str, Any]) -> Passage:
    return Passage(
        int(payload["id"]),
        int(payload["article"]),
        int(payload["paragraph"]),
        str(payload["text"]),
        int(payload["start"]),
        int(payload["end"]),
        tuple(Span(int(s), int(e)) for s, e in payload["sentences"]),
    )


def _write_points(connection: _Connection, collection: str, points: Iterable[Any]) -> None:
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
            _article_point(models, article, first, last, duplicates.get(article.id, []))
        )
    passage_points = []
    for i, (row, words) in enumerate(zip(content.rows, texts, strict=True)):
        count = len(row.passage.sentences)
        sentences = content.sentence_vectors[row.sentence_row : row.sentence_row + count]
        terms.add(words, +1)
        passage_points.append(
            _passage_point(
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


def _apply_terms(connection: _Connection, collection: str, terms: _Terms, fresh: bool) -> None:
    """Count the terms' changes into their points in the catalog of the build whose passages
    are in ``collection`` (read first, unless the build is new)."""
    models = _models()
    collection = _catalog(collection)
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


class QdrantStore:
    """Libraries as Qdrant collections (module docstring)."""

    def current_id(self, config: EngineConfig) -> str | None:
        connection = connect(config.qdrant)
        alias = alias_of(config)
        with _answering(connection):
            collection = _target(connection, alias)
            if collection is None:
                return None
            return QdrantVersion(collection, _read_stats(connection, collection).generation).id

    def manifest(self, config: EngineConfig) -> Manifest:
        connection = connect(config.qdrant)
        collection = self._resolve(connection, config)
        with _answering(connection):
            return _manifest(_metadata(connection, collection), _read_stats(connection, collection))

    def open(self, config: EngineConfig, embedder: Embedder) -> QdrantSnapshot:
        connection = connect(config.qdrant)
        collection = self._resolve(connection, config)
        with _answering(connection):
            metadata = _metadata(connection, collection)
            stats = _read_stats(connection, collection)
        manifest = _manifest(metadata, stats)
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
        connection = connect(config.qdrant)
        collection = self._resolve(connection, config)
        with _answering(connection):
            metadata = _metadata(connection, collection)
            stats = _read_stats(connection, collection)
        manifest = _manifest(metadata, stats)
        if embedder is not None:
            manifest.check_model(embedder.name, embedder.dimension)
        catalog = QdrantCatalog(connection, collection, stats.next_passage)
        return QdrantCurrent(connection, collection, metadata, stats, manifest, catalog)

    def write(self, config: EngineConfig, embedder: Embedder, content: Content) -> None:
        """A new build of ``content`` (its two collections), then the alias switched to it in
        one request."""
        models = _models()
        connection = connect(config.qdrant)
        alias = alias_of(config)
        collection = _new_collection(alias)
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
        with _answering(connection):
            self._create(connection, collection, config.qdrant, embedder.dimension, metadata)
            _write_points(connection, _catalog(collection), articles)
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
            _write_points(connection, _catalog(collection), [_stats_point(models, stats)])
            connection.client.update_collection(collection, metadata={"complete": True})
            previous = _target(connection, alias)
            switch = []
            if previous is not None:
                switch.append(
                    models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias))
                )
            switch.append(
                models.CreateAliasOperation(
                    create_alias=models.CreateAlias(collection_name=collection, alias_name=alias)
                )
            )
            connection.client.update_collection_aliases(change_aliases_operations=switch)
            # The previous build stays for readers still on it; older ones, and those a killed
            # build left unfinished, go.
            for name in _builds(connection, alias):
                if name not in (collection, previous):
                    _delete_build(connection, name)
        log.info("Switched %s to %s (%d passages)", alias, collection, len(content.rows))

    def change(
        self,
        _config: EngineConfig,
        _embedder: Embedder,
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
        models = _models()
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
        with _answering(connection):
            _write_points(connection, _catalog(collection), [_stats_point(models, taken)])
            _write_points(connection, _catalog(collection), articles)
            _write_points(connection, collection, passages)
            for article in gone:
                first, last = current.catalog.passage_range(article.id)
                ids = list(range(first, last + 1))
                for passage in current.catalog.passages(ids) if ids else []:
                    terms.add(analyzer.terms(passage.text), -1)
                    removed += 1
                    removed_sentences += len(passage.sentences)
                own = [ARTICLES + article.id]
                for where, doomed in ((collection, ids), (_catalog(collection), own)):
                    if doomed:  # the passages, then their article
                        connection.client.delete(
                            where, models.PointIdsList(points=doomed), wait=True
                        )
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
            _write_points(connection, _catalog(collection), [_stats_point(models, fresh)])
        return _manifest(current.metadata, fresh)

    def merge_if_due(self, _config: EngineConfig, *, everything: bool = False) -> int:
        del everything
        return 0  # Qdrant's optimiser merges a collection's segments itself

    def drop(self, config: EngineConfig) -> bool:
        """Delete the library's alias and every collection written for it."""
        connection = connect(config.qdrant)
        alias = alias_of(config)
        models = _models()
        with _answering(connection):
            had = _target(connection, alias) is not None
            if had:
                connection.client.update_collection_aliases(
                    change_aliases_operations=[
                        models.DeleteAliasOperation(
                            delete_alias=models.DeleteAlias(alias_name=alias)
                        )
                    ]
                )
            builds = _builds(connection, alias)
            for name in builds:
                _delete_build(connection, name)
        return had or bool(builds)

    def _resolve(self, connection: _Connection, config: EngineConfig) -> str:
        alias = alias_of(config)
        with _answering(connection):
            collection = _target(connection, alias)
        if collection is None:
            raise _missing(connection, alias)
        return collection

    def _create(
        self,
        connection: _Connection,
        collection: str,
        settings: QdrantConfig,
        dimension: int,
        metadata: dict[str, Any],
    ) -> None:
        models = _models()
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
        connection.client.create_collection(_catalog(collection), vectors_config={}, **options)
        if not connection.local:  # local mode has no payload indexes (and warns)
            keyword, integer = models.PayloadSchemaType.KEYWORD, models.PayloadSchemaType.INTEGER
            for where, name, kind in (
                (collection, "text_hash", keyword),
                (collection, "article", integer),
                (_catalog(collection), "kind", keyword),
                (_catalog(collection), "duplicate_hashes", keyword),
            ):
                connection.client.create_payload_index(where, name, kind, wait=True)


def _stats_point(models: Any, stats: Stats) -> Any:
    return models.PointStruct(id=LIBRARY, vector={}, payload=stats.payload())


STORE = QdrantStore()
