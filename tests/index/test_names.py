"""A question is about its names: a library that never mentions them cannot answer it.

"who does Russia have a defense pact with?" over a library about two other countries' defence
pact matches every word but the one that matters; it must be declined, and the same question
about a country the library knows must still be answered.
"""

from __future__ import annotations

import pytest

from index import build, open_library
from index.lexical import Analyzer, LexicalIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library(tmp_path_factory, embedder):
    from conftest import _write_markdown

    from index import EngineConfig

    root = tmp_path_factory.mktemp("names")
    folder = root / "articles"
    _write_markdown(
        folder,
        "pact.md",
        "Valdoria and Ostren Renew Their Defence Pact",
        [
            "The small coastal state of Valdoria has a mutual defence pact with the Republic of "
            "Ostren, signed in Lenhaven in 1997.",
            "Azerbaijan and Valdoria opened embassies in each other's capitals last spring.",
        ],
    )
    _write_markdown(
        folder,
        "tram.md",
        "Harbour Tram Approved",
        ["Brennick city council voted to build a tram line with fourteen stops."],
    )
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    build([folder], config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    yield library
    library.close()


def test_a_question_about_a_name_the_library_lacks_is_declined(library):
    reply = library.search("who does Russia have a defense pact with?")

    assert not reply.answered
    assert reply.best.score == 0.0  # however well "defense pact" matched
    assert reply.alternatives == ()


def test_the_same_question_about_a_name_it_holds_is_answered(library):
    reply = library.search("who does Valdoria have a defense pact with?")

    assert reply.answered
    assert "Ostren" in reply.best.sentence_text


def test_a_name_counts_anywhere_in_the_article_and_in_its_variants(library):
    # "Azerbaijani" is found as "Azerbaijan"; "Ostren" stands in the first paragraph only.
    reply = library.search("When did the Azerbaijani and Ostren partners of Valdoria meet?")

    assert reply.best.article.title.startswith("Valdoria")
    assert reply.best.score > 0.0


def test_names_are_capitalised_past_the_first_word_or_written_with_capitals_inside():
    names = Analyzer().names("Who does Russia want NATO, HBoV1 and COVID-19 to face in May?")

    assert names == ["russia", "nato", "hbov1", "covid", "may"]
    assert Analyzer().names("who does russia have a defense pact with?") == []


def test_an_unknown_name_is_not_found_in_any_article(tmp_path):
    LexicalIndex.build(["Russia signed the pact.", "Russian ships docked."], tmp_path)
    lexical = LexicalIndex.open(tmp_path)

    query = lexical.query("What did Russians and Prussia sign?")
    found = {lexical.occurs_in(term, 0, 1) for term, _ in query.names}

    assert [term for term, _ in query.names if term < 0]  # Prussia: not a Russia variant
    assert found == {True, False}
