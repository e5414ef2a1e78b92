"""BM25 over the passages of every segment: the lexical half of retrieval.

Each segment stores raw term frequencies and passage lengths (``LexicalSegment``), not scores:
BM25's statistics (the number of passages, each term's document frequency, the average
passage length) belong to the whole library, and a segment written by one ``add`` must score
as if the library had been rebuilt. ``LexicalIndex`` joins the segments under one vocabulary
and scores a query's few terms at query time with the live statistics (passages removed by a
tombstone count nowhere), with bm25s's ``lucene`` formula. We score ourselves because we need
more than the ranking: which query terms a passage matches, weighted by their rarity, is a
corpus-size-independent signal both for fusion and for knowing when nothing answers.
"""

from __future__ import annotations

import array
import itertools
import json
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.analysis import Analyzer
from index.stored import damaged, read_object, value

K1 = 1.2
B = 0.75
_ARRAYS = ("indptr", "indices", "tf", "lengths")


@dataclass(frozen=True, slots=True)
class Name:
    """A name of a question ("Russia", "NATO") and the ways an article may write it."""

    spellings: frozenset[str]  # its term and the terms it extends ("azerbaijani", "azerbaijan")
    ids: tuple[int, ...]  # those of the spellings that passages of the library hold
    weight: float  # its idf


@dataclass(frozen=True, slots=True)
class LexicalQuery:
    """A question resolved against the vocabulary once, then used for every candidate."""

    term_ids: np.ndarray  # ids of the query's terms that occur in the library
    weights: np.ndarray  # their idf
    total_weight: float  # idf of every query term, including terms the library lacks
    # Adjacent terms of the query that both occur in the library: (id, id, the rarer term's
    # idf); and the weight of every adjacent pair, pairs with a term the library lacks included.
    pairs: tuple[tuple[int, int, float], ...] = ()
    pair_weight: float = 0.0
    # The question's names ("Russia", "NATO", "HBoV1"): what a question is about; see
    # ``Retriever._subject``.
    names: tuple[Name, ...] = ()


Lookup = Callable[[Collection[str]], tuple[int, dict[str, tuple[int, int]]]]
"""``lookup(terms)``: the library's number of live passages, and the id and the live document
frequency of each of ``terms`` that its vocabulary holds (a frequency of 0: only removed
passages held it)."""


def resolve_query(analyzer: Analyzer, text: str, lookup: Lookup) -> LexicalQuery:
    """``text`` as a query of the library whose statistics ``lookup`` reads: every store
    resolves a question the same way, so the same library gives the same weights whichever
    store holds it."""
    terms = analyzer.terms(text)
    distinct = list(dict.fromkeys(terms))
    asked = set(distinct)
    names = [name for name in dict.fromkeys(analyzer.names(text)) if name in asked]
    wanted = asked.union(*(_spellings(name) for name in names))
    num_docs, known = lookup(wanted)
    idf: dict[str, float] = {}
    live: dict[str, int] = {}
    for term in distinct:
        term_id, df = known.get(term, (None, 0))
        idf[term] = math.log(1 + (num_docs - df + 0.5) / (df + 0.5))
        if df and term_id is not None:  # a term only tombstoned passages held is gone
            live[term] = term_id
    # Each pair once: a question that repeats its words asks no more of every passage.
    adjacent = dict.fromkeys(
        (a, b, min(idf[a], idf[b])) for a, b in itertools.pairwise(terms) if a != b
    )
    pairs = tuple(
        (live[a], live[b], weight) for a, b, weight in adjacent if a in live and b in live
    )
    return LexicalQuery(
        np.array(list(live.values()), dtype=np.int64),
        np.array([idf[t] for t in live]),
        sum(idf.values()),
        pairs,
        sum(weight for _, _, weight in adjacent),
        tuple(_name(name, idf[name], known) for name in names),
    )


def _spellings(term: str) -> set[str]:
    """``term`` and the terms it extends by one or two letters, of five letters or more:
    "Azerbaijani" is found where an article says "Azerbaijan", "Australian" where it says
    "Australia" (the stemmer leaves names alone), and "Germany" is not found as "germ"."""
    return {term} | {term[:end] for end in range(max(5, len(term) - 2), len(term))}


def _name(term: str, weight: float, known: dict[str, tuple[int, int]]) -> Name:
    spellings = _spellings(term)
    ids = tuple(known[t][0] for t in sorted(spellings) if t in known and known[t][1])
    return Name(frozenset(spellings), ids, weight)


class LexicalSegment:
    """One segment's postings: for each term, the passages holding it (ascending local ids)
    and how often; and each passage's length in terms. Memory-mapped, no pickle."""

    def __init__(
        self,
        terms: list[str],
        indptr: np.ndarray,
        indices: np.ndarray,
        tf: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        self.terms = terms
        self.vocab = {term: i for i, term in enumerate(terms)}
        self.indptr = indptr
        self.indices = indices
        self.tf = tf
        self.lengths = lengths

    @property
    def num_docs(self) -> int:
        return len(self.lengths)

    def postings(self, term: int) -> np.ndarray:
        return self.indices[self.indptr[term] : self.indptr[term + 1]]

    @classmethod
    def build(cls, texts: Iterable[str], directory: Path) -> None:
        """Index ``texts`` (passage i is text i) into ``directory``."""
        analyzer = Analyzer()
        vocab: dict[str, int] = {}
        ids = array.array("q")  # every term of every passage: compact at a million passages
        sizes = array.array("q")
        for text in texts:
            terms = analyzer.terms(text)
            ids.extend(vocab.setdefault(t, len(vocab)) for t in terms)
            sizes.append(len(terms))
        docs = max(1, len(sizes))
        owner = np.repeat(np.arange(len(sizes), dtype=np.int64), np.frombuffer(sizes, np.int64))
        # One key per (term, passage): sorted, they are the postings in term order, passages
        # ascending within each term, and their counts are the term frequencies.
        keys, tf = np.unique(np.frombuffer(ids, np.int64) * docs + owner, return_counts=True)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // docs, minlength=len(vocab)), out=indptr[1:])
        arrays = {
            "indptr": indptr,
            "indices": (keys % docs).astype(np.int32),
            "tf": tf.astype(np.float32),
            # bm25s gave an empty passage one placeholder term: its length stays 1 so that the
            # average length, and so every score, is what it was.
            "lengths": np.maximum(np.frombuffer(sizes, np.int64), 1).astype(np.int32),
        }
        directory.mkdir(parents=True, exist_ok=True)
        for name, values in arrays.items():
            np.save(directory / f"{name}.npy", values, allow_pickle=False)
        meta = {"num_docs": len(sizes), "k1": K1, "b": B, "terms": list(vocab)}
        (directory / "terms.json").write_text(
            json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )

    @classmethod
    def open(cls, directory: Path) -> LexicalSegment:
        """The segment in ``directory``, checked as far as is cheap: every use trusts its shape."""
        meta_path = directory / "terms.json"
        meta = read_object(meta_path)
        terms = value(meta, "terms", list, meta_path)
        num_docs = value(meta, "num_docs", int, meta_path)
        try:
            indptr, indices, tf, lengths = (
                np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in _ARRAYS
            )
        except (OSError, ValueError) as error:
            raise damaged(directory, type(error).__name__) from None
        fits = (
            indptr.ndim == indices.ndim == tf.ndim == lengths.ndim == 1
            and all(type(t) is str for t in terms)
            and tf.dtype.kind == "f"
            and indices.dtype.kind in "iu"
            and indptr.dtype.kind in "iu"
            and lengths.dtype.kind in "iu"
            and len(indptr) == len(terms) + 1
            and indptr[0] == 0
            and indptr[-1] == len(indices) == len(tf)
            and len(lengths) == num_docs
        )
        if not fits:
            raise damaged(directory, "its arrays and vocabulary do not fit together")
        return cls(terms, indptr, indices, tf, lengths)


class LexicalIndex:
    """Every segment's postings under one vocabulary, scored with the live statistics.

    Passage ids are global: a segment's local id plus its offset. ``deleted`` holds, per
    segment, the ascending local ids of tombstoned passages: they count in no statistic and
    score nothing, so the scores are those of a library rebuilt without them.
    """

    def __init__(
        self,
        segments: Sequence[LexicalSegment],
        offsets: Sequence[int],
        deleted: Sequence[np.ndarray],
    ) -> None:
        self._segments = list(segments)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._deleted = [np.asarray(d, dtype=np.int64) for d in deleted]
        self._analyzer = Analyzer()
        # One vocabulary: the first segment's, then every other segment's new terms. A single
        # segment's own dict serves as is (opening a million passages copies nothing).
        if len(segments) == 1:
            self._vocab, self._terms = segments[0].vocab, segments[0].terms
        else:
            self._vocab, self._terms = {}, []
            for segment in segments:
                for term in segment.terms:
                    if term not in self._vocab:
                        self._vocab[term] = len(self._terms)
                        self._terms.append(term)
        self._places: dict[int, tuple[tuple[int, int], ...]] = {}
        self._size = int(self._offsets[-1]) + segments[-1].num_docs if segments else 0
        self.num_docs = self._size - sum(len(d) for d in self._deleted)
        length = sum(
            int(s.lengths.sum(dtype=np.int64)) - int(s.lengths[d].sum(dtype=np.int64))
            for s, d in zip(segments, self._deleted, strict=True)
        )
        self._average_length = length / max(1, self.num_docs)
        self._dead = np.concatenate(
            [np.empty(0, dtype=np.int64)]
            + [o + d for o, d in zip(self._offsets.tolist(), self._deleted, strict=True)]
        )

    @classmethod
    def build(cls, texts: Iterable[str], directory: Path) -> None:
        """Index ``texts`` as one segment in ``directory`` (see ``LexicalSegment.build``)."""
        LexicalSegment.build(texts, directory)

    @classmethod
    def open(cls, directory: Path) -> LexicalIndex:
        """The one segment in ``directory`` as a whole index."""
        return cls([LexicalSegment.open(directory)], [0], [np.empty(0, dtype=np.int64)])

    def query(self, text: str) -> LexicalQuery:
        return resolve_query(self._analyzer, text, self._lookup)

    def _lookup(self, terms: Collection[str]) -> tuple[int, dict[str, tuple[int, int]]]:
        """The live passages, and the id and live document frequency of each of ``terms``
        the vocabulary holds."""
        return self.num_docs, {
            term: (term_id, self._frequency(term_id))
            for term in terms
            if (term_id := self._vocab.get(term)) is not None
        }

    def terms(self, text: str) -> frozenset[str]:
        """The index terms of ``text``, known to the library or not (a title's, for names)."""
        return frozenset(self._analyzer.terms(text))

    def known(self, terms: frozenset[str]) -> frozenset[int]:
        """The ids of those of ``terms`` that the vocabulary holds. A term that only tombstoned
        passages held may be among them: no query term has its id, so it never matches."""
        return frozenset(self._vocab[t] for t in terms if t in self._vocab)

    def occurs_in(self, term_id: int, first: int, last: int) -> bool:
        """Whether a passage with an id in ``[first, last]`` (one article's, so one segment's)
        contains the term."""
        at = int(np.searchsorted(self._offsets, first, side="right")) - 1
        offset = int(self._offsets[at])
        for segment, local in self._where(term_id):
            if segment == at:
                postings = self._segments[at].postings(local)
                found = int(np.searchsorted(postings, first - offset))
                return found < len(postings) and int(postings[found]) <= last - offset
        return False

    def positions(self, text: str) -> dict[int, list[int]]:
        """Where each indexed term of ``text`` stands among its terms (stop words out)."""
        found: dict[int, list[int]] = {}
        for at, term in enumerate(self._analyzer.terms(text)):
            if (term_id := self._vocab.get(term)) is not None:
                found.setdefault(term_id, []).append(at)
        return found

    def scores(self, query: LexicalQuery) -> np.ndarray:
        """BM25 score of every passage (a dense array: one pass over the query terms' postings),
        bm25s's ``lucene`` variant with the live statistics; tombstoned passages score 0."""
        scores = np.zeros(self._size, dtype=np.float32)
        for term_id, idf in zip(query.term_ids.tolist(), query.weights.tolist(), strict=True):
            for at, local in self._where(term_id):
                segment = self._segments[at]
                begin, end = segment.indptr[local], segment.indptr[local + 1]
                docs = segment.indices[begin:end]
                tf = segment.tf[begin:end]
                norm = K1 * (1 - B + B * segment.lengths[docs] / self._average_length)
                scores[self._offsets[at] + docs] += idf * tf / (tf + norm)
        scores[self._dead] = 0.0
        return scores

    def contains(self, query: LexicalQuery, doc_ids: np.ndarray) -> np.ndarray:
        """Which of the query's terms each passage in ``doc_ids`` contains (passages × terms)."""
        doc_ids = np.asarray(doc_ids, dtype=np.int64)
        found = np.zeros((len(doc_ids), len(query.term_ids)), dtype=bool)
        owner = np.searchsorted(self._offsets, doc_ids, side="right") - 1
        for column, term_id in enumerate(query.term_ids.tolist()):
            for at, local in self._where(term_id):
                rows = owner == at
                if rows.any():
                    postings = self._segments[at].postings(local)
                    found[rows, column] = _contains(postings, doc_ids[rows] - self._offsets[at])
        return found

    def _where(self, term_id: int) -> tuple[tuple[int, int], ...]:
        """The segments holding the term, each with the term's local id there."""
        places = self._places.get(term_id)
        if places is None:
            term = self._terms[term_id]
            places = tuple(
                (at, local)
                for at, segment in enumerate(self._segments)
                if (local := segment.vocab.get(term)) is not None
            )
            self._places[term_id] = places  # one dict store: safe across searching threads
        return places

    def _frequency(self, term_id: int) -> int:
        """How many live passages hold the term."""
        count = 0
        for at, local in self._where(term_id):
            postings = self._segments[at].postings(local)
            count += len(postings)
            if len(self._deleted[at]):
                count -= int(_contains(postings, self._deleted[at]).sum())
        return count


def _contains(postings: np.ndarray, doc_ids: np.ndarray) -> np.ndarray:
    """Which ``doc_ids`` are in ``postings`` (ascending, as each term's postings are)."""
    if len(postings) == 0:
        return np.zeros(len(doc_ids), dtype=bool)
    at = np.minimum(np.searchsorted(postings, doc_ids), len(postings) - 1)
    return postings[at] == doc_ids
