"""A question is about its names: a library that never mentions them cannot answer it.

"who does Russia have a defense pact with?" over a library about two other countries' defence
pact matches every word but the one that matters; it must be declined, and the same question
about a country the library knows must still be answered.
"""

from __future__ import annotations

import pytest

from index import EngineConfig, build, open_library
from index.lexical import Analyzer, LexicalIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("names")
    folder = root / "articles"
    folder.mkdir()
    (folder / "pact.md").write_text(
        "---\ntitle: Valdoria and Ostren Renew Their Defence Pact\n---\n\n"
        "The small coastal state of Valdoria has a mutual defence pact with the Republic of "
        "Ostren, signed in Lenhaven in 1997.\n\n"
        "Azerbaijan and Valdoria opened embassies in each other's capitals last spring.\n",
        encoding="utf-8",
    )
    (folder / "tram.md").write_text(
        "---\ntitle: Harbour Tram Approved\n---\n\n"
        "Brennick city council voted to build a tram line with fourteen stops.\n",
        encoding="utf-8",
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


def _subject(library, question: str) -> float:
    """The names' share for the best passage, as the retriever weighs it into the confidence."""
    query = library.embedder.encode_query(question)
    return library.snapshot.retriever.search(question, query, 1)[0].subject


def test_a_name_counts_anywhere_in_the_article_and_in_its_variants(library):
    # "Azerbaijani" is found as "Azerbaijan"; "Ostren" stands in the first paragraph only.
    question = "When did the Azerbaijani and Ostren partners of Valdoria meet?"

    assert library.search(question).best.article.title.startswith("Valdoria")
    assert _subject(library, question) == 1.0
    assert _subject(library, "When did the Azerbaijani and Prussian partners meet?") < 0.6


def test_a_name_in_the_title_alone_counts(library):
    # "Renew" stands only in the pact article's title, never in its passages.
    assert _subject(library, "Why did Valdoria and Ostren Renew the pact?") == 1.0


def test_names_are_capitalised_past_the_first_word_or_written_with_capitals_inside():
    names = Analyzer().names("Who does Russia want NATO, HBoV1 and COVID-19 to face in May on TV?")

    # Not calendar words, nor short capitals that may abbreviate what an article spells out.
    assert names == ["russia", "nato", "hbov1", "covid"]
    assert Analyzer().names("who does russia have a defense pact with?") == []


def test_a_name_is_found_in_the_variants_an_article_writes_it_in(tmp_path):
    LexicalIndex.build(["Russia signed the pact.", "Ostrenian ships docked at Ostren."], tmp_path)
    lexical = LexicalIndex.open(tmp_path)

    query = lexical.query("What did Russians, Ostren and Prussia sign?")
    found = [any(lexical.occurs_in(t, 0, 0) for t in name.ids) for name in query.names]

    assert found == [True, False, False]  # "Russians" is Russia's; Ostren is in passage 1 only
    assert [bool(name.ids) for name in query.names] == [True, True, False]  # no "Prussia"
    # Not a name's stem cut to its first letters: "Germany" is not "germ".
    LexicalIndex.build(["A germ spread.", "Dried ink."], tmp_path / "other")
    other = LexicalIndex.open(tmp_path / "other")
    assert [n.ids for n in other.query("Did Germany sign?").names] == [()]


def test_a_short_name_is_found_as_it_is(tmp_path):
    # "MERS" stems to three letters; a name is always looked up as it is, shortened or not.
    LexicalIndex.build(["MERS spread in camels.", "SARS spread in bats."], tmp_path)
    lexical = LexicalIndex.open(tmp_path)

    query = lexical.query("Where did MERS spread?")

    assert [any(lexical.occurs_in(t, 0, 0) for t in name.ids) for name in query.names] == [True]
