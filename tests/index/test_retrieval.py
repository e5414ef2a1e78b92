"""Retrieval: the right passage, the answering sentence marked, and knowing when to decline.

A small library of three articles is built once (through ``build_entries``, as ``citebot eval``
does) so that the tests exercise the real model, the real fusion and the real threshold.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from squad_sets import ARTICLES, IN_LIBRARY, OUT_OF_LIBRARY, write_out_of_library, write_squad

from index import EngineConfig, open_library
from index.evaluation import evaluate, load_squad
from index.lexical import LexicalIndex
from index.retriever import _phrase, confidence, presence
from index.writer import build_entries

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retrieval")
    return write_squad(root / "small.json", ARTICLES, [(q, a) for q, a, _ in IN_LIBRARY])


@pytest.fixture(scope="module")
def library(tmp_path_factory, embedder, squad_file):
    root = tmp_path_factory.mktemp("retrieval-index")
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    build_entries(load_squad(squad_file).entries, config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    yield library
    library.close()


@pytest.mark.parametrize(("question", "answer", "title"), IN_LIBRARY)
def test_answers_with_the_answering_sentence_marked(library, question, answer, title):
    reply = library.search(question)

    assert reply.answered
    assert reply.best.article.title.startswith(title)
    assert answer in reply.best.sentence_text


@pytest.mark.parametrize("question", OUT_OF_LIBRARY)
def test_declines_a_question_the_library_cannot_answer(library, question):
    reply = library.search(question)

    assert not reply.answered
    assert reply.alternatives == ()


def test_the_marked_sentence_is_not_simply_the_first(library):
    # The answer is in the last sentence; the first one shares the question's topic words.
    reply = library.search("How does the waggle dance tell the distance?")

    assert reply.best.sentence_text.startswith("The duration")


def test_evaluation_bands_rise_with_confidence(tmp_path, embedder, squad_file):
    config = EngineConfig(cache_dir=tmp_path / "cache")
    unanswerable = load_squad(write_out_of_library(tmp_path / "other.json")).questions

    result = evaluate(load_squad(squad_file), config, embedder=embedder, unanswerable=unanswerable)

    assert result.recall_at_1 == 1.0
    assert result.answered_answerable == 1.0
    assert result.declined_unanswerable == 1.0
    assert sum(b.questions + b.unanswerable for b in result.bands) == len(IN_LIBRARY) + len(
        OUT_OF_LIBRARY
    )
    rates = [b.right for b in result.bands]
    # On a set this clear-cut: every quote wrong at the bottom, every one right on top, and
    # never less right higher up (a constant rate, or a single band, must fail).
    assert rates[0] == 0.0 and rates[-1] == 1.0, result.bands
    assert rates == sorted(rates), result.bands


def test_confidence_grows_with_relevance_and_margin():
    config = EngineConfig().retrieval

    def alone(relevance: float, margin: float) -> float:
        return confidence(relevance, np.array([relevance, relevance - margin]), config)

    relevances = [0.2, 0.35, 0.4, 0.5, 0.7, 0.9]
    by_relevance = [alone(r, 0.1) for r in relevances]
    by_margin = [alone(0.6, m) for m in (0.0, 0.05, 0.1, 0.3)]

    # Strictly: a constant (or a function that saturates in the range that matters) must fail.
    assert all(a < b for a, b in pairwise(by_relevance)), by_relevance
    assert all(a < b for a, b in pairwise(by_margin)), by_margin
    assert alone(0.9, 0.0) <= 0.5  # a tie between two passages is a coin toss
    assert presence(config.presence_center, config) == pytest.approx(0.5)
    assert all(0.0 <= c <= 1.0 for c in by_relevance + by_margin)


def test_every_close_rival_takes_its_share_of_the_confidence():
    config = EngineConfig().retrieval
    best = 0.9

    shares = [
        confidence(
            best, np.array([best] + [best - 0.01] * ties + [best - 0.5] * (4 - ties)), config
        )
        for ties in range(5)
    ]

    # One passage far ahead is nearly sure; each sibling that ties with it takes a share.
    assert shares[0] > 0.95
    assert all(a > b for a, b in pairwise(shares)), shares
    assert shares[4] < 0.25  # five ways: about one in five
    # Rivals beyond the configured few do not count.
    many = np.array([best] + [best - 0.01] * 20)
    assert confidence(best, many[: config.rivals], config) == pytest.approx(shares[4])


def test_question_words_standing_together_count_as_a_phrase(tmp_path):
    LexicalIndex.build(
        ["The defence pact was signed in 1997.", "Talks on fishing quotas for the harbour."],
        tmp_path,
    )
    lexical = LexicalIndex.open(tmp_path)
    query = lexical.query("Who signed the defence pact?")

    def phrase(sentence: str) -> float:
        return _phrase(query, lexical.positions(sentence))

    assert phrase("Valdoria signed a defence pact with Ostren.") == pytest.approx(1.0)
    assert 0.0 < phrase("It is a pact of mutual defence.") < 1.0  # one pair of two, any order
    assert phrase("The pact was signed after long talks on the defence of the coast.") == 0.0
    assert phrase("Fishing quotas for the harbour.") == 0.0
