"""The Qdrant store (``CITEBOT_STORE=qdrant``) answers as the FAISS store does.

Run against qdrant-client's embedded local mode (``CITEBOT_QDRANT_PATH``): real collections,
aliases, sparse vectors with the IDF modifier and multivectors, in this process; no server can
run here. Local mode searches exactly and ignores shards, replicas, quantisation and on-disk
storage, so what these tests say about those is only that a server is asked for them.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from test_segments import EXTRA, QUESTIONS, _answers, _articles, _assert_same

from index import EngineConfig, add, build, open_library, remove
from index.config import QdrantConfig
from index.errors import CitebotError, IndexMissing, IndexUnavailable
from index.evaluation import evaluate
from index.evaluation.squad import Question, QuestionSet
from index.records import ArticleMeta
from index.sentences import split_sentences
from index.servers import delete_server, has_library
from index.stores import qdrant
from index.writer import Entry, Piece

pytestmark = pytest.mark.slow


def _qdrant(root, name="index", **settings) -> EngineConfig:
    return EngineConfig(
        index_dir=root / name,
        cache_dir=root / "cache",
        store="qdrant",
        qdrant=QdrantConfig(path=root / "qdrant", **settings),
    )


def _collections(config: EngineConfig) -> list[str]:
    """The builds in the store: their passages' collections (each has a catalog beside)."""
    client = qdrant.connect(config.qdrant).client
    names = {c.name for c in client.get_collections().collections}
    builds = sorted(n for n in names if not n.endswith(qdrant.CATALOG))
    assert names == {*builds, *(qdrant.catalog_of(n) for n in builds)}
    return builds


def _aliases(config: EngineConfig) -> dict[str, str]:
    client = qdrant.connect(config.qdrant).client
    return {a.alias_name: a.collection_name for a in client.get_aliases().aliases}


@pytest.fixture(scope="module")
def both(tmp_path_factory, embedder):
    """The sample library and two articles sharing a paragraph, built into each store."""
    root = tmp_path_factory.mktemp("both")
    folder = _articles(root / "articles")[0].parent
    faiss = EngineConfig(index_dir=root / "faiss", cache_dir=root / "cache")
    build([folder], faiss, embedder=embedder)
    in_qdrant = _qdrant(root)
    build([folder], in_qdrant, embedder=embedder)
    return faiss, in_qdrant


def test_the_same_questions_get_the_same_answers_from_both_stores(both, embedder):
    faiss, in_qdrant = both
    want, faiss_info = _answers(faiss, embedder)
    got, info = _answers(in_qdrant, embedder)

    _assert_same(got, want)
    # With three candidates from each side, which passages the dense and the BM25 search pick
    # decides the answer: Qdrant's hybrid query picks those FAISS and our BM25 pick.
    _assert_same(_answers(in_qdrant, embedder, 3)[0], _answers(faiss, embedder, 3)[0])
    assert (info.articles, info.passages) == (faiss_info.articles, faiss_info.passages)
    assert info.dense_index == "qdrant"
    assert "collection citebot-shared-" in info.path


def test_the_marked_sentence_and_the_context_are_the_same_too(both, embedder):
    faiss, in_qdrant = both
    for question in QUESTIONS:
        libraries = [open_library(c, embedder=embedder) for c in (faiss, in_qdrant)]
        answers = [library.search(question) for library in libraries]
        marked = [(a.best.sentence_text, a.best.passage.id) for a in answers]
        assert marked[0] == marked[1], question
        contexts = [lib.context(a.best.passage) for lib, a in zip(libraries, answers, strict=True)]
        assert [[p.text for p in side] for side in contexts[0]] == [
            [p.text for p in side] for side in contexts[1]
        ]


def test_adds_and_a_remove_answer_as_a_rebuild_does(tmp_path, both, embedder, write_markdown):
    """Upserts and deletes in the live collection leave it answering as one build of the
    same articles (a rebuild into either store: they agree, the test above)."""
    _, rebuilt = both
    files = _articles(tmp_path / "articles")
    config = _qdrant(tmp_path)
    stray = write_markdown(
        tmp_path / "other", "stray.md", "Stray", ["A stray cat sat on the tram."]
    )
    by_name = {f.name: f for f in files}
    first = [by_name[n] for n in ("chess.json", "glacier.md", "tram-line.txt", "sourdough.md")]
    build([*first, stray], config, embedder=embedder)
    built = _collections(config)
    add([by_name["museum.md"], by_name["defence-pact.md"]], config, embedder=embedder)
    remove(["stray.md"], config, embedder=embedder)
    rest = [f for f in files if f not in first and f.name not in ("museum.md", "defence-pact.md")]
    add(rest[:2], config, embedder=embedder)
    add(rest[2:], config, embedder=embedder)

    got, info = _answers(config, embedder)
    want, wanted = _answers(rebuilt, embedder)
    assert _collections(config) == built  # changed in place: no new collection
    assert (info.articles, info.passages) == (wanted.articles, wanted.passages)
    _assert_same(got, want)
    _assert_same(_answers(config, embedder, 3)[0], _answers(rebuilt, embedder, 3)[0])


def test_a_shared_paragraph_goes_to_the_first_article_by_key_whatever_the_order(
    tmp_path, embedder, write_markdown
):
    folder = tmp_path / "articles"
    config = _qdrant(tmp_path)
    files = {n: write_markdown(folder, n, t, p) for n, (t, p) in EXTRA.items()}
    tram = write_markdown(folder, "tram.md", "Tram", ["The harbour tram has fourteen stops."])
    build([files["museum.md"], tram], config, embedder=embedder)
    add([files["glacier.md"]], config, embedder=embedder)  # "glacier.md" < "museum.md"

    owner = open_library(config, embedder=embedder).search(QUESTIONS[-3]).best
    assert owner.article.key == "glacier.md"
    assert owner.passage.text == EXTRA["glacier.md"][1][1]

    remove(["glacier.md"], config, embedder=embedder)
    alone = _qdrant(tmp_path, "alone", prefix="alone")
    build([files["museum.md"], tram], alone, embedder=embedder)
    _assert_same(_answers(config, embedder)[0], _answers(alone, embedder)[0])
    assert open_library(config, embedder=embedder).search(QUESTIONS[-3]).best.article.key == (
        "museum.md"
    )


def test_a_rebuild_switches_the_alias_atomically_while_a_library_answers(
    tmp_path, embedder, write_markdown
):
    """A library that keeps answering (and refreshing) while the index is rebuilt again and
    again sees the old articles or the new ones in every answer, never some of each."""
    config = _qdrant(tmp_path)
    sides = {
        "old": [
            write_markdown(tmp_path / "old", "tram.md", "Tram", ["The tram has fourteen stops."]),
            write_markdown(tmp_path / "old", "ferry.md", "Ferry", ["The ferry leaves hourly."]),
        ],
        "new": [
            write_markdown(tmp_path / "new", "bus.md", "Bus", ["The bus runs every ten minutes."]),
            write_markdown(tmp_path / "new", "boat.md", "Boat", ["The boat sails at dawn."]),
        ],
    }
    keys = {side: {p.name for p in paths} for side, paths in sides.items()}
    build(sides["old"], config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    before = library.snapshot
    seen: list[frozenset[str]] = []
    versions: set[str] = set()
    done = threading.Event()
    failures: list[BaseException] = []

    def ask() -> None:
        try:
            while not done.is_set():
                library.refresh()
                versions.add(library.snapshot.version.id)
                hits = library.rank("How often does it run?", 4)
                seen.append(frozenset(h.article.key for h in hits))
        except BaseException as error:
            failures.append(error)

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        for side in ("new", "old", "new"):
            build(sides[side], config, embedder=embedder)
    finally:
        done.set()
        asker.join()

    assert not failures
    assert seen
    assert all(found <= keys["old"] or found <= keys["new"] for found in seen)
    library.refresh()
    assert {h.article.key for h in library.rank("How often does it run?", 4)} == keys["new"]
    assert len(versions) >= 2
    # The collection a build replaced is kept for readers still on it; older ones are gone.
    assert len(_collections(config)) == 2
    assert _aliases(config)["citebot-shared"] == library.snapshot.version.collection
    assert before.version.collection not in _collections(config)


def test_a_change_is_seen_at_the_next_refresh(tmp_path, embedder, write_markdown):
    config = _qdrant(tmp_path)
    tram = write_markdown(tmp_path / "a", "tram.md", "Tram", ["The tram has fourteen stops."])
    ferry = write_markdown(tmp_path / "a", "ferry.md", "Ferry", ["The ferry leaves hourly."])
    build([tram], config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    assert library.refresh() is False

    add([ferry], config, embedder=embedder)
    assert library.refresh() is True
    assert library.info().articles == 2
    assert library.search("When does the ferry leave?").best.article.key == "ferry.md"
    assert library.refresh() is False


def test_each_server_has_a_collection_of_its_own(tmp_path, embedder, write_markdown):
    shared = _qdrant(tmp_path)
    server = shared.for_server(4242)
    build(
        [write_markdown(tmp_path / "s", "tram.md", "Tram", ["The tram has fourteen stops."])],
        shared,
        embedder=embedder,
    )
    assert not has_library(server)
    with pytest.raises(IndexMissing, match="citebot-4242"):
        open_library(server, embedder=embedder)
    build(
        [write_markdown(tmp_path / "g", "ferry.md", "Ferry", ["The ferry leaves hourly."])],
        server,
        embedder=embedder,
    )

    assert has_library(server)
    assert set(_aliases(shared)) == {"citebot-shared", "citebot-4242"}
    assert [a.key for a in open_library(server, embedder=embedder).articles()] == ["ferry.md"]
    assert [a.key for a in open_library(shared, embedder=embedder).articles()] == ["tram.md"]

    assert delete_server(shared, 4242)
    assert set(_aliases(shared)) == {"citebot-shared"}
    assert not any(name.startswith("citebot-4242-") for name in _collections(shared))
    assert not has_library(server)


def test_an_evaluation_gets_the_same_figures_and_leaves_no_collection(tmp_path, embedder):
    texts = [
        ("Trams", "The council approved a tram line to the harbour with fourteen stops."),
        ("Ferries", "The ferry to the island leaves every hour from the north pier."),
        ("Bread", "A sourdough starter must be fed with flour and water every day."),
    ]
    entries = tuple(
        Entry(f"{n:04d}", "set.json", ArticleMeta(title), f"{n:04d}", 1, (_piece(text),))
        for n, (title, text) in enumerate(texts)
    )
    questions = (
        Question("How many stops does the harbour tram have?", ("fourteen",), ("0000", 1)),
        Question("How often does the ferry leave?", ("every hour",), ("0001", 1)),
        Question("What does a starter need every day?", ("flour and water",), ("0002", 1)),
    )
    asked = QuestionSet(entries, questions)
    faiss = evaluate(asked, EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    config = _qdrant(tmp_path)
    got = evaluate(asked, config, embedder=embedder)

    assert (got.recall_at_1, got.mrr, got.sentence_hit, got.answered_answerable) == (
        faiss.recall_at_1,
        faiss.mrr,
        faiss.sentence_hit,
        faiss.answered_answerable,
    )
    assert _collections(config) == []


def test_a_server_that_cannot_be_reached_is_one_line(tmp_path):
    config = EngineConfig(
        index_dir=tmp_path / "index", store="qdrant", qdrant=QdrantConfig(url="http://127.0.0.1:9")
    )
    with pytest.raises(IndexUnavailable) as error:
        open_library(config)
    assert str(error.value).startswith("Cannot reach Qdrant at http://127.0.0.1:9")
    assert "\n" not in str(error.value)


def _piece(text: str) -> Piece:
    return Piece(1, 0, len(text), text, split_sentences(text))


def test_the_settings_name_one_place_for_the_library(tmp_path):
    neither = EngineConfig(store="qdrant")
    both_places = replace(neither, qdrant=QdrantConfig(url="http://q:6333", path=tmp_path))
    with pytest.raises(CitebotError, match=r"CITEBOT_QDRANT_URL .* or CITEBOT_QDRANT_PATH"):
        open_library(neither)
    with pytest.raises(CitebotError, match="not both"):
        open_library(both_places)
