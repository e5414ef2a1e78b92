"""Hybrid retrieval over one index version: which passages answer a question, and how surely.

Dense retrieval finds paraphrases, BM25 finds rare names and numbers; neither alone is good
enough (docs/retrieval.md has the measurements). Candidates from both are rescored with
features that mean the same thing in any library, whatever its size:

* the cosine of the question with the passage, and with the passage's best sentence (a
  question usually targets one sentence, and its vector is diluted in a long paragraph);
* lexical coverage: the share of the question's idf mass that the passage contains, counting
  the article's title as part of every passage (the title names the subject that the
  paragraph's sentences refer to as "it" or "she");
* the same coverage for the passage's best-covered sentence: the question's terms found
  together in one sentence are stronger evidence than the same terms scattered;
* and, as a bonus on top, how many of the question's adjacent terms stand together in one
  sentence as a phrase: "defense pact" is stronger evidence than "defense" and "pact" apart.

The relevance score is a weighted mean of the first four, in [0, 1], plus the phrase bonus of
at most 0.1. It ranks, but it is not shown:
the confidence is a probability-like function of two things that transfer across libraries
(see ``confidence``): how relevant the best passage is in absolute terms (is there an answer
at all?) and how far it stands above the runner-up (is it this passage rather than another?).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from index.config import RetrievalConfig
from index.lexical import LexicalQuery
from index.records import Passage
from index.stores.base import Candidates, CandidateSource, Lexicon, LibraryCatalog

# Relevance weights. The first four sum to 1, a weighted mean in [0, 1]: dense evidence
# (passage and best sentence) and lexical evidence (passage and best sentence) share it 70/30.
W_PASSAGE = 0.3
W_SENTENCE = 0.4
W_COVERAGE = 0.15
W_SENTENCE_COVERAGE = 0.15
# A bonus on top of the mean for the question's words standing together in one sentence, as a
# phrase ("defense pact") rather than anywhere in it. Added, not taken from the mean: taking it
# from the coverage weights lost what it gained (docs/retrieval.md).
W_PHRASE = 0.1
# Two question terms count as a phrase when they stand within this many terms of each other
# (stop words out): "defense pact", "pact of mutual defense".
PHRASE_WINDOW = 3

# The marked sentence maximises cosine + MARK_LEXICAL * its coverage of the question: both are
# in [0, 1] and count equally (the cosine alone marks a paraphrase of the question's topic,
# coverage alone the sentence that repeats the question's words).
MARK_LEXICAL = 1.0
# Weight of the question terms found only in the sentence before (see ``_mark_coverage``).
PREVIOUS_SENTENCE = 0.5

# Passages whose sentence terms are kept between questions (a few KB each).
_TERM_CACHE = 4096


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate passage after rescoring."""

    passage_id: int
    score: float  # confidence in [0, 1] (see ``confidence``)
    sentence: int  # index into the passage's sentences of the best-answering one
    relevance: float = 0.0  # the fused relevance that ranks the candidates
    subject: float = 1.0  # share of the question's names that its article holds (``_subject``)


def confidence(relevance: float, rivals: np.ndarray, config: RetrievalConfig) -> float:
    """How likely the passage is the right one, from two features that transfer across libraries.

    ``presence`` answers "does the library hold an answer at all": a logistic step around the
    relevance at which questions from outside and inside the library are equally frequent.
    ``distinct`` answers "is it this passage rather than one of its rivals", the best
    ``config.rivals`` passages: its share of a softmax over their relevances (a lesser passage
    is weighed against them all the same). For the best of two it is a logistic of the margin,
    and two passages that tie are each right about half the time; counting the next few too
    matters on long articles, where a paragraph's own siblings often tie with it three or four
    ways (docs/retrieval.md).
    The product is what users see; docs/retrieval.md shows it calibrated per band.
    """
    distinct = 1.0 / float(np.exp(config.margin_slope * (rivals - relevance)).sum())
    return presence(relevance, config) * distinct


def presence(relevance: float, config: RetrievalConfig) -> float:
    """How likely a passage this relevant comes from a question the library can answer."""
    return _sigmoid(config.presence_slope * (relevance - config.presence_center))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


class Retriever:
    """Ranks the passages of one library for a question: candidates from its store, rescored
    here the same way whichever store holds them (``stores``)."""

    def __init__(
        self,
        source: CandidateSource,
        lexical: Lexicon,
        store: LibraryCatalog,
        config: RetrievalConfig,
    ) -> None:
        self._source = source
        self._lexical = lexical
        self._store = store
        self._config = config
        # Term ids of each passage's sentences and of each article's title: a passage or an
        # article never changes under its id, so they are computed once per passage seen
        # (bounded) and per article.
        self._sentence_terms: OrderedDict[int, _SentenceTerms] = OrderedDict()
        self._title_terms: dict[int, frozenset[int]] = {}
        self._title_words: dict[int, frozenset[str]] = {}  # every term, indexed or not (names)
        self._ranges: dict[int, tuple[int, int]] = {}  # article id → its passage ids
        self._cache_lock = threading.Lock()  # searches run in several threads (the bot's)

    def search(self, question: str, query: np.ndarray, k: int) -> list[Scored]:
        """The ``k`` best passages for ``question`` (whose vector is ``query``), best first."""
        lexical_query = self._lexical.query(question)
        candidates = self._source.candidates(query, lexical_query, self._config.candidates)
        ids = candidates.ids
        if len(ids) == 0:
            return []
        passages = candidates.passages
        passage_cos = np.asarray(candidates.passage_vectors @ query, dtype=np.float64)
        sentence_cos = _sentence_cosines(candidates, query)
        weights = _query_weights(lexical_query)
        total = lexical_query.total_weight
        titles = self._titles(passages)
        found = _found(lexical_query, candidates, [titles[p.article_id] for p in passages])
        coverage = _share(found, lexical_query)
        phrase_bound = _pair_share(found, lexical_query)
        best_cos = np.array(
            [c.max() if len(c) else pc for c, pc in zip(sentence_cos, passage_cos, strict=True)]
        )
        # A sentence covers at most what its passage covers, so this bounds the relevance from
        # above: candidates are scored in the order of their bound, and scoring stops once the
        # k best scores beat every remaining bound. The result is exactly that of scoring all,
        # at a fraction of the sentence analysis (the costly part past a few thousand passages).
        bound = (
            W_PASSAGE * passage_cos
            + W_SENTENCE * best_cos
            + (W_COVERAGE + W_SENTENCE_COVERAGE) * coverage
            + W_PHRASE * phrase_bound
        )
        relevance = np.full(len(ids), -np.inf)
        marks = np.zeros(len(ids), dtype=np.int64)
        needed = max(k, self._config.rivals)  # confidences need the rivals' relevance
        scored: list[float] = []
        for i in np.argsort(-bound, kind="stable"):
            if len(scored) >= needed and sorted(scored)[-needed] >= bound[i]:
                break
            title = titles[passages[i].article_id]
            sentences, positions = self._terms_of(passages[i])
            per_sentence = np.array([_coverage(weights, s | title, total) for s in sentences])
            cos = sentence_cos[i]
            best_coverage = coverage[i]
            if len(cos):
                lexical = _mark_coverage(weights, sentences, title, total, per_sentence)
                marks[i] = int(np.argmax(cos + MARK_LEXICAL * lexical))
                best_coverage = float(per_sentence.max())
            phrase = max(_phrase(lexical_query, p) for p in positions)
            relevance[i] = (
                W_PASSAGE * passage_cos[i]
                + W_SENTENCE * best_cos[i]
                + W_COVERAGE * coverage[i]
                + W_SENTENCE_COVERAGE * best_coverage
                + W_PHRASE * phrase
            )
            scored.append(relevance[i])
        order = np.argsort(-relevance, kind="stable")
        rivals = relevance[order[: min(self._config.rivals, len(scored))]]
        best = order[: min(k, len(scored))]
        subjects = {
            article: self._subject(lexical_query, article)
            for article in {passages[i].article_id for i in best}
        }
        results = []
        for i in best:
            subject = subjects[passages[i].article_id]
            score = confidence(float(relevance[i]), rivals, self._config) * subject
            results.append(
                Scored(
                    int(ids[i]),
                    float(np.clip(score, 0.0, 1.0)),
                    int(marks[i]),
                    float(relevance[i]),
                    subject,
                )
            )
        return results

    def _subject(self, query: LexicalQuery, article_id: int) -> float:
        """The share of the question's names (idf-weighted) found in the article, title included.

        A question is about its names: "who does Russia have a defense pact with?" is not
        answered by a passage on another country's defence pact, however well the rest
        matches, and no passage scores can tell, since they reward the words that do match.
        A name the article lacks therefore scales the confidence down by its weight.
        """
        total = sum(name.weight for name in query.names)
        if total <= 0:
            return 1.0
        title = self._title_words.get(article_id, frozenset())
        first, last = self._article_range(article_id)
        found = sum(
            name.weight
            for name in query.names
            if name.spellings & title
            or any(self._lexical.occurs_in(t, first, last) for t in name.ids)
        )
        return found / total

    def _article_range(self, article_id: int) -> tuple[int, int]:
        with self._cache_lock:
            cached = self._ranges.get(article_id)
        if cached is None:
            cached = self._store.passage_range(article_id)
            with self._cache_lock:
                self._ranges[article_id] = cached
        return cached

    def _terms_of(self, passage: Passage) -> _SentenceTerms:
        with self._cache_lock:
            cached = self._sentence_terms.get(passage.id)
            if cached is not None:
                self._sentence_terms.move_to_end(passage.id)
                return cached
        positions = [self._lexical.positions(s.of(passage.text)) for s in passage.sentences] or [
            self._lexical.positions(passage.text)
        ]
        terms = ([frozenset(p) for p in positions], positions)
        with self._cache_lock:
            self._sentence_terms[passage.id] = terms
            if len(self._sentence_terms) > _TERM_CACHE:
                self._sentence_terms.popitem(last=False)
        return terms

    def _titles(self, passages: list[Passage]) -> dict[int, frozenset[int]]:
        missing = {p.article_id for p in passages} - self._title_terms.keys()
        if missing:
            for article in self._store.articles(missing):
                words = self._lexical.terms(article.title)
                self._title_words[article.id] = words
                self._title_terms[article.id] = self._lexical.known(words)
        return self._title_terms


# Per passage: each sentence's term ids, as a set and with where each stands in the sentence.
_SentenceTerms = tuple[list[frozenset[int]], list[dict[int, list[int]]]]


def _sentence_cosines(candidates: Candidates, query: np.ndarray) -> list[np.ndarray]:
    """For each candidate, the cosine of the question with each of its sentences."""
    counts = candidates.sentence_counts
    if not sum(counts):
        return [np.empty(0) for _ in counts]
    cos = candidates.sentence_vectors.astype(np.float32) @ query
    return np.split(cos.astype(np.float64), np.cumsum(counts)[:-1])


def _found(query: LexicalQuery, candidates: Candidates, titles: list[frozenset[int]]) -> np.ndarray:
    """Which of the question's terms each candidate holds, its article's title counted in: the
    store's answer from the postings of the question's few terms (without analysing the
    passages' text), and the titles'."""
    found = candidates.found.copy()  # passages × query terms
    terms = query.term_ids.tolist()
    for row, title in enumerate(titles):
        found[row] |= np.array([t in title for t in terms], dtype=bool)
    return found


def _share(found: np.ndarray, query: LexicalQuery) -> np.ndarray:
    """Each passage's coverage: the share of the question's idf mass among its terms."""
    if query.total_weight <= 0:
        return np.zeros(len(found))
    return (found @ query.weights) / query.total_weight


def _pair_share(found: np.ndarray, query: LexicalQuery) -> np.ndarray:
    """The share of the question's term pairs whose two terms each passage holds: a bound of
    its ``_phrase`` score (which also wants them close together in one sentence)."""
    if query.pair_weight <= 0:
        return np.zeros(len(found))
    column = {term: c for c, term in enumerate(query.term_ids.tolist())}
    share = np.zeros(len(found))
    for a, b, weight in query.pairs:
        if a in column and b in column:
            share += weight * (found[:, column[a]] & found[:, column[b]])
    return share / query.pair_weight


def _phrase(query: LexicalQuery, positions: dict[int, list[int]]) -> float:
    """The share of the question's adjacent term pairs (idf-weighted) that stand within
    ``PHRASE_WINDOW`` terms of each other in a sentence whose terms stand at ``positions``:
    "defense pact", "Treaty of Paris"."""
    if query.pair_weight <= 0:
        return 0.0
    found = sum(
        weight
        for a, b, weight in query.pairs
        if a in positions and b in positions and _near(positions[a], positions[b])
    )
    return found / query.pair_weight


def _near(first: list[int], second: list[int]) -> bool:
    """Whether a position of ``first`` and one of ``second`` (both ascending) are closer than
    ``PHRASE_WINDOW``: one merge-like pass, linear in the two lists, so a passage that repeats
    the question's words thousands of times costs what its length costs."""
    i = j = 0
    while i < len(first) and j < len(second):
        if abs(first[i] - second[j]) < PHRASE_WINDOW:
            return True
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return False


def _mark_coverage(
    weights: dict[int, float],
    sentences: list[frozenset[int]],
    title: frozenset[int],
    total: float,
    own: np.ndarray,
) -> np.ndarray:
    """Each sentence's coverage of the question, read with the sentence before it.

    "It was built in 1891" answers "when was the railway built?" only with the sentence
    before it naming the railway: terms found there (and not in the sentence itself) count
    at ``PREVIOUS_SENTENCE``, since that context is a reading, not a certainty.
    """
    context = np.zeros(len(sentences))
    for i in range(1, len(sentences)):
        before = sentences[i - 1] - sentences[i] - title
        context[i] = _coverage(weights, before, total)
    return own + PREVIOUS_SENTENCE * context


def _query_weights(query: LexicalQuery) -> dict[int, float]:
    return dict(zip(query.term_ids.tolist(), query.weights.tolist(), strict=True))


def _coverage(weights: dict[int, float], terms: frozenset[int], total: float) -> float:
    """Share of the question's idf mass (terms the library lacks included) found in ``terms``."""
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in terms) / total
