"""BM25 over the passages: the lexical half of retrieval.

bm25s builds the sparse matrix of precomputed term scores; we keep that matrix in plain ``.npy``
files (memory-mapped on open, no pickle) and score queries ourselves from its columns, because
we need more than the ranking: which query terms a passage matches, weighted by their rarity,
is a corpus-size-independent signal both for fusion and for knowing when nothing answers.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from index.stored import damaged, read_object, value

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(STOPWORDS_EN) | {
    "who",
    "whom",
    "what",
    "when",
    "where",
    "which",
    "why",
    "how",
    "does",
    "did",
    "do",
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "its",
    "from",
    "about",
    "many",
    "much",
}


# Capitalised in English without naming what a question is about.
_CALENDAR = frozenset(
    (
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december", "monday", "tuesday", "wednesday"),
        *("thursday", "friday", "saturday", "sunday"),
    )
)


class Analyzer:
    """Text → index terms: lower-case words, stop words out, English Snowball stems."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")

    def terms(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
        return self._stemmer.stemWords(words)

    def names(self, text: str) -> list[str]:
        """The terms of the words of ``text`` written as names: capitalised past the first
        word ("who does Russia …"), or with capitals inside ("NATO", "HBoV1").

        Without a tagger this misses names typed in lower case and takes some capitalised
        ordinary words for names; both only make the check of ``Retriever._subject`` looser or
        stricter by a word. Short capitals ("TV", "CM", "US") are left out: they abbreviate
        what an article may spell out ("television", "command module"), and so are calendar
        words, which are capitalised without naming a subject.
        """
        words = [m.group() for m in _WORD.finditer(text)]
        found = [
            w
            for at, w in enumerate(words)
            if w.lower() not in _STOP
            and w.lower() not in _CALENDAR
            and len(w) > 3
            and not w.isdigit()
            and ((at > 0 and w[0].isupper()) or sum(c.isupper() for c in w) > 1)
        ]
        return self._stemmer.stemWords([w.lower() for w in found])


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


class LexicalIndex:
    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        vocab: dict[str, int],
        num_docs: int,
    ) -> None:
        self._data = data
        self._indices = indices
        self._indptr = indptr
        self._vocab = vocab
        self.num_docs = num_docs
        self._analyzer = Analyzer()

    @classmethod
    def build(cls, texts: Iterable[str], directory: Path) -> None:
        """Index ``texts`` (passage i is text i) into ``directory``."""
        import bm25s

        analyzer = Analyzer()
        # An empty term list would make bm25s drop the row; the placeholder keeps ids aligned.
        corpus = [analyzer.terms(text) or [""] for text in texts]
        model = bm25s.BM25(k1=K1, b=B, method="lucene")
        model.index(corpus, show_progress=False)
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("data", "indices", "indptr"):
            np.save(directory / f"{name}.npy", model.scores[name], allow_pickle=False)
        meta = {"num_docs": len(corpus), "k1": K1, "b": B, "vocab": model.vocab_dict}
        (directory / "vocab.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def open(cls, directory: Path) -> LexicalIndex:
        """The index in ``directory``, checked as far as is cheap: every use trusts its shape."""
        meta = read_object(directory / "vocab.json")
        vocab = value(meta, "vocab", dict, directory / "vocab.json")
        num_docs = value(meta, "num_docs", int, directory / "vocab.json")
        try:
            data, indices, indptr = (
                np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in ("data", "indices", "indptr")
            )
        except (OSError, ValueError) as error:
            raise damaged(directory, type(error).__name__) from None
        fits = (
            data.ndim == indices.ndim == indptr.ndim == 1
            and data.dtype.kind == "f"
            and indices.dtype.kind in "iu"
            and indptr.dtype.kind in "iu"
            and len(indptr) > 0
            and indptr[0] == 0
            and indptr[-1] == len(indices) == len(data)
            # Every term a question can hold has a column (build's empty placeholder has none).
            and all(type(i) is int and 0 <= i < len(indptr) - 1 for t, i in vocab.items() if t)
        )
        if not fits:
            raise damaged(directory, "its arrays and vocabulary do not fit together")
        return cls(data, indices, indptr, vocab=vocab, num_docs=num_docs)

    def query(self, text: str) -> LexicalQuery:
        terms = self._analyzer.terms(text)
        idf: dict[str, float] = {}
        ids: list[int] = []
        weights: list[float] = []
        for term in dict.fromkeys(terms):
            term_id = self._vocab.get(term)
            df = 0 if term_id is None else int(self._indptr[term_id + 1] - self._indptr[term_id])
            idf[term] = math.log(1 + (self.num_docs - df + 0.5) / (df + 0.5))
            if term_id is not None:
                ids.append(term_id)
                weights.append(idf[term])
        # Each pair once: a question that repeats its words asks no more of every passage.
        adjacent = dict.fromkeys(
            (a, b, min(idf[a], idf[b])) for a, b in itertools.pairwise(terms) if a != b
        )
        pairs = tuple(
            (self._vocab[a], self._vocab[b], weight)
            for a, b, weight in adjacent
            if a in self._vocab and b in self._vocab
        )
        names = tuple(
            self._name(name, idf[name])
            for name in dict.fromkeys(self._analyzer.names(text))
            if name in idf
        )
        return LexicalQuery(
            np.array(ids, dtype=np.int64),
            np.array(weights),
            sum(idf.values()),
            pairs,
            sum(weight for _, _, weight in adjacent),
            names,
        )

    def _name(self, term: str, weight: float) -> Name:
        """``term`` and the terms it extends by one or two letters, of five letters or more:
        "Azerbaijani" is found where an article says "Azerbaijan", "Australian" where it says
        "Australia" (the stemmer leaves names alone), and "Germany" is not found as "germ"."""
        spellings = {term} | {term[:end] for end in range(max(5, len(term) - 2), len(term))}
        ids = tuple(self._vocab[t] for t in sorted(spellings) if t in self._vocab)
        return Name(frozenset(spellings), ids, weight)

    def terms(self, text: str) -> frozenset[str]:
        """The index terms of ``text``, known to the library or not (a title's, for names)."""
        return frozenset(self._analyzer.terms(text))

    def known(self, terms: frozenset[str]) -> frozenset[int]:
        """The ids of those of ``terms`` that passages of the library hold."""
        return frozenset(self._vocab[t] for t in terms if t in self._vocab)

    def occurs_in(self, term_id: int, first: int, last: int) -> bool:
        """Whether a passage with an id in ``[first, last]`` contains the term."""
        postings = self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]
        at = int(np.searchsorted(postings, first))
        return at < len(postings) and int(postings[at]) <= last

    def positions(self, text: str) -> dict[int, list[int]]:
        """Where each indexed term of ``text`` stands among its terms (stop words out)."""
        found: dict[int, list[int]] = {}
        for at, term in enumerate(self._analyzer.terms(text)):
            if (term_id := self._vocab.get(term)) is not None:
                found.setdefault(term_id, []).append(at)
        return found

    def scores(self, query: LexicalQuery) -> np.ndarray:
        """BM25 score of every passage (a dense array: one pass over the query terms' postings)."""
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for term_id in query.term_ids:
            begin, end = self._indptr[term_id], self._indptr[term_id + 1]
            scores[self._indices[begin:end]] += self._data[begin:end]
        return scores

    def contains(self, query: LexicalQuery, doc_ids: np.ndarray) -> np.ndarray:
        """Which of the query's terms each passage in ``doc_ids`` contains (passages × terms)."""
        found = np.zeros((len(doc_ids), len(query.term_ids)), dtype=bool)
        for column, term_id in enumerate(query.term_ids):
            postings = self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]
            found[:, column] = _contains(postings, doc_ids)
        return found


def _contains(postings: np.ndarray, doc_ids: np.ndarray) -> np.ndarray:
    """Which ``doc_ids`` are in ``postings`` (sorted, as bm25s writes each term's column)."""
    if len(postings) == 0:
        return np.zeros(len(doc_ids), dtype=bool)
    at = np.minimum(np.searchsorted(postings, doc_ids), len(postings) - 1)
    return postings[at] == doc_ids
