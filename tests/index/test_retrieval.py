"""Retrieval: the right passage, the answering sentence marked, and knowing when to decline.

A small library of three articles is built once (through ``build_entries``, as ``citebot eval``
does) so that the tests exercise the real model, the real fusion and the real threshold.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from index import EngineConfig, open_library
from index.evaluation import evaluate, load_squad
from index.lexical import LexicalIndex
from index.retriever import _phrase, confidence, presence
from index.writer import build_entries

pytestmark = pytest.mark.slow

ARTICLES = {
    "Honey bee": [
        "The honey bee lives in large colonies. A colony has a single queen, thousands of "
        "female workers and, in summer, a few hundred male drones. Workers gather nectar and "
        "pollen from flowers within a few kilometres of the hive.",
        "Bees communicate the location of food with the waggle dance. The angle of the dance "
        "relative to vertical gives the direction of the food relative to the sun. The "
        "duration of the waggle run tells the distance to the flowers.",
    ],
    "Mount Etna": [
        "Mount Etna is an active stratovolcano on the east coast of Sicily. It is the highest "
        "active volcano in Europe outside the Caucasus. Its height is about 3,357 metres, "
        "though it changes with every eruption.",
        "Etna erupts frequently. A major eruption in 1669 destroyed part of the city of "
        "Catania. The lava flows of that year reached the sea south of the city walls.",
    ],
    "Trans-Siberian Railway": [
        "The Trans-Siberian Railway connects Moscow with Vladivostok on the Pacific coast. "
        "It was built between 1891 and 1916 on the orders of Tsar Alexander III. The main "
        "line is 9,289 kilometres long.",
        "A journey over the whole line takes about seven days. The route crosses eight time "
        "zones and passes along the southern shore of Lake Baikal.",
    ],
}

IN_LIBRARY = [
    ("How many queens does a bee colony have?", "a single queen", "Honey bee"),
    ("What tells bees the distance to the flowers?", "duration of the waggle run", "Honey bee"),
    ("Which city did the 1669 eruption destroy?", "Catania", "Mount Etna"),
    ("What is the height of Etna?", "3,357 metres", "Mount Etna"),
    ("On whose orders was the railway to Vladivostok built?", "Alexander III", "Trans"),
    ("How long does the journey on the Trans-Siberian take?", "seven days", "Trans"),
]

OUT_OF_LIBRARY = [
    "Which team won the 1998 FIFA World Cup final?",
    "What is the boiling point of nitrogen in kelvin?",
    "Who wrote the novel Pride and Prejudice?",
    "What programming language did Guido van Rossum create?",
]


def _squad(path: Path, articles: dict[str, list[str]], questions: list[tuple[str, str]]) -> Path:
    """A SQuAD v1.1 file: ``questions`` are (question, answer) pairs placed by their answer."""
    data = []
    for title, paragraphs in articles.items():
        items = []
        for text in paragraphs:
            qas = [
                {"id": q, "question": q, "answers": [{"text": a, "answer_start": text.find(a)}]}
                for q, a in questions
                if a in text
            ]
            items.append({"context": text, "qas": qas})
        data.append({"title": title, "paragraphs": items})
    path.write_text(json.dumps({"data": data}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retrieval")
    return _squad(root / "small.json", ARTICLES, [(q, a) for q, a, _ in IN_LIBRARY])


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
    unanswerable = [q for q in _out_of_library_questions(tmp_path)]

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


def _out_of_library_questions(tmp_path: Path):
    other = {"Elsewhere": ["An unrelated paragraph that holds the answers " + "x" * 20 + "."]}
    path = _squad(tmp_path / "other.json", other, [(q, "unrelated") for q in OUT_OF_LIBRARY])
    return load_squad(path).questions


def test_confidence_grows_with_relevance_and_margin():
    config = EngineConfig().retrieval
    relevances = [0.2, 0.35, 0.4, 0.5, 0.7, 0.9]
    by_relevance = [confidence(r, 0.1, config) for r in relevances]
    by_margin = [confidence(0.6, m, config) for m in (-0.1, 0.0, 0.05, 0.1, 0.3)]

    # Strictly: a constant (or a function that saturates in the range that matters) must fail.
    assert all(a < b for a, b in pairwise(by_relevance)), by_relevance
    assert all(a < b for a, b in pairwise(by_margin)), by_margin
    assert confidence(0.9, 0.0, config) <= 0.5  # a tie between two passages is a coin toss
    assert presence(config.presence_center, config) == pytest.approx(0.5)
    assert all(0.0 <= c <= 1.0 for c in by_relevance + by_margin)


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
