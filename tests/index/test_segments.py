"""Changing an index by segments answers exactly as rebuilding it would.

A build writes one segment; ``add`` writes one more, ``remove`` only tombstones, and a merge
rewrites segments into one. Whatever the path, the same articles must give the same top
passages with the same confidences as one build of them all.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from segment_files import segments
from tests_paths import SAMPLE_QUESTIONS, SAMPLES

from index import EngineConfig, add, build, merge, open_library, remove
from index.layout import current_version

pytestmark = pytest.mark.slow

QUESTIONS = [case["question"] for case in json.loads(SAMPLE_QUESTIONS.read_text())] + [
    "What does the shared notice say about the harbour tram?",
    "Which committee met about the glacier in March?",
    "When will the museum reopen?",
]
SHARED = "The notice says the harbour tram committee will meet on the third Tuesday of March."
EXTRA = {
    "museum.md": ("Museum", ["The city museum will reopen in May after the roof repairs.", SHARED]),
    "glacier.md": (
        "Glacier",
        ["The glacier committee met in March about the melting ice.", SHARED],
    ),
}


def _articles(folder):
    """The sample articles and two of our own sharing a paragraph, as files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in SAMPLES.iterdir():
        shutil.copy(path, folder / path.name)
    for name, (title, paragraphs) in EXTRA.items():
        body = "\n\n".join(paragraphs)
        (folder / name).write_text(f"---\ntitle: {title}\n---\n\n{body}\n", encoding="utf-8")
    return sorted(folder.iterdir())


def _answers(config, embedder, candidates: int | None = None):
    """Every question's ranking: (article key, passage text) and confidence, best first."""
    if candidates:
        config = replace(config, retrieval=replace(config.retrieval, candidates=candidates))
    library = open_library(config, embedder=embedder)
    try:
        out = {}
        for question in QUESTIONS:
            hits = library.rank(question, 8)
            answer = library.search(question)
            out[question] = (
                [(h.article.key, h.passage.text) for h in hits],
                [h.score for h in hits],
                answer.answered,
                [(h.article.key, h.passage.text) for h in answer.alternatives],
            )
        return out, library.info()
    finally:
        library.close()


def _assert_same(got, want) -> None:
    for question, (passages, scores, answered, alternatives) in want.items():
        got_passages, got_scores, got_answered, got_alternatives = got[question]
        assert got_passages == passages, question
        assert got_scores == pytest.approx(scores, abs=1e-6), question
        assert (got_answered, got_alternatives) == (answered, alternatives), question


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, embedder):
    """One build of every article: what every other path must answer like."""
    root = tmp_path_factory.mktemp("rebuilt")
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    build([_articles(root / "articles")[0].parent], config, embedder=embedder)
    return config


def test_adds_and_a_remove_answer_as_a_rebuild_does(tmp_path, rebuilt, embedder, write_markdown):
    files = _articles(tmp_path / "articles")
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    stray = write_markdown(
        tmp_path / "other", "stray.md", "Stray", ["A stray cat sat on the tram."]
    )
    by_name = {f.name: f for f in files}
    first = [by_name[n] for n in ("chess.json", "glacier.md", "tram-line.txt", "sourdough.md")]
    build([*first, stray], config, embedder=embedder)
    add([by_name["museum.md"], by_name["defence-pact.md"]], config, embedder=embedder)
    remove(["stray.md"], config, embedder=embedder)
    rest = [f for f in files if f not in first and f.name not in ("museum.md", "defence-pact.md")]
    add(rest[:2], config, embedder=embedder)
    add(rest[2:], config, embedder=embedder)

    got, info = _answers(config, embedder)
    want, _ = _answers(rebuilt, embedder)
    assert info.segments == 4  # the build's, and one per add; the remove wrote none
    assert info.articles == _answers(rebuilt, embedder)[1].articles
    _assert_same(got, want)
    # With few candidates, which passages make the cut decides the answer: BM25 and the
    # dense search must pick the same ones as a rebuild (global statistics, tombstones out).
    _assert_same(_answers(config, embedder, candidates=3)[0], _answers(rebuilt, embedder, 3)[0])

    assert merge(config, everything=True) == 4
    merged, info = _answers(config, embedder)
    assert info.segments == 1
    _assert_same(merged, want)


def test_a_shared_paragraph_goes_to_the_first_article_by_key_whatever_the_order(
    tmp_path, embedder, write_markdown
):
    """A rebuild indexes a paragraph that two articles share once, under the first key: an
    add of an earlier key takes it over, and removing the owner gives it back."""
    folder = tmp_path / "articles"
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    files = {n: write_markdown(folder, n, t, p) for n, (t, p) in EXTRA.items()}
    tram = write_markdown(folder, "tram.md", "Tram", ["The harbour tram has fourteen stops."])
    build([files["museum.md"], tram], config, embedder=embedder)
    add([files["glacier.md"]], config, embedder=embedder)  # "glacier.md" < "museum.md"

    both = EngineConfig(index_dir=tmp_path / "both", cache_dir=tmp_path / "cache")
    build([folder], both, embedder=embedder)
    _assert_same(_answers(config, embedder)[0], _answers(both, embedder)[0])
    owner = open_library(config, embedder=embedder).search(QUESTIONS[-3]).best
    assert owner.article.key == "glacier.md" and owner.passage.text == SHARED

    remove(["glacier.md"], config, embedder=embedder)
    alone = EngineConfig(index_dir=tmp_path / "alone", cache_dir=tmp_path / "cache")
    build([files["museum.md"], tram], alone, embedder=embedder)
    _assert_same(_answers(config, embedder)[0], _answers(alone, embedder)[0])
    assert open_library(config, embedder=embedder).search(QUESTIONS[-3]).best.passage.text == SHARED


def test_adding_a_file_again_replaces_its_article(tmp_path, embedder, write_markdown):
    folder = tmp_path / "articles"
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    tram = write_markdown(folder, "tram.md", "Tram", ["The harbour tram has fourteen stops."])
    ferry = write_markdown(folder, "ferry.md", "Ferry", ["The ferry leaves every hour."])
    build([folder], config, embedder=embedder)
    write_markdown(folder, "tram.md", "Tram", ["The harbour tram has twenty stops now."])
    add([tram], config, embedder=embedder)

    library = open_library(config, embedder=embedder)
    assert sorted(a.key for a in library.articles()) == ["ferry.md", "tram.md"]
    texts = [h.passage.text for h in library.rank("How many stops has the tram?", 5)]
    assert texts[0] == "The harbour tram has twenty stops now."
    assert not any("fourteen" in t for t in texts)
    assert ferry.exists()

    fresh = EngineConfig(index_dir=tmp_path / "fresh", cache_dir=tmp_path / "cache")
    build([folder], fresh, embedder=embedder)
    _assert_same(_answers(config, embedder)[0], _answers(fresh, embedder)[0])


def test_a_remove_writes_only_tombstones(tmp_path, embedder, write_markdown):
    folder = tmp_path / "articles"
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    write_markdown(folder, "tram.md", "Tram", ["The harbour tram has fourteen stops."])
    write_markdown(folder, "ferry.md", "Ferry", ["The ferry leaves every hour."])
    for name in ("bridge", "museum", "harbour"):  # a removal leaves most of the segment live
        write_markdown(folder, f"{name}.md", name.title(), [f"The {name} opened in 1901."])
    build([folder], config, embedder=embedder)
    (before,) = segments(current_version(config.index_dir))

    report = remove(["ferry.md"], config, embedder=embedder)

    (after,) = segments(current_version(config.index_dir))
    assert report.embedded == 0 and report.articles == 4
    # The same segment, linked into the new version rather than copied or rewritten.
    assert after.store.stat().st_ino == before.store.stat().st_ino
    library = open_library(config, embedder=embedder)
    assert "ferry.md" not in [a.key for a in library.articles()]
    assert all(h.article.key != "ferry.md" for h in library.rank("When does the ferry leave?", 5))

    remove(["bridge.md"], config, embedder=embedder)  # 2 of 5 passages gone: rewritten
    (merged,) = segments(current_version(config.index_dir))
    assert merged.dir.name != after.dir.name
    library = open_library(config, embedder=embedder)
    assert sorted(a.key for a in library.articles()) == ["harbour.md", "museum.md", "tram.md"]


def test_the_policy_merges_small_segments_once_they_pile_up(tmp_path, embedder, write_markdown):
    from index.merge import MERGE_FACTOR

    folder = tmp_path / "articles"
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    build(
        [write_markdown(folder, "a0.md", "Report 0", ["Report zero on the harbour."])],
        config,
        embedder=embedder,
    )
    for n in range(1, MERGE_FACTOR):
        path = write_markdown(folder, f"a{n}.md", f"Report {n}", [f"Report {n} on the harbour."])
        add([path], config, embedder=embedder)

    library = open_library(config, embedder=embedder)
    assert library.info().segments < MERGE_FACTOR
    assert library.info().articles == MERGE_FACTOR


def test_context_of_an_answer_given_before_a_merge_is_found_again(
    tmp_path, embedder, write_markdown
):
    """A merge renumbers passages; "Show context" under an older answer must still show its
    own article's paragraphs, found by the article's key, not whatever now has those ids."""
    config = EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    folder = tmp_path / "articles"
    trams = [
        "The council approved a tram line to the harbour on Tuesday evening, after two years "
        "of debate about its route, its cost and the stops it would serve along the quays.",
        "Trams will run every six minutes at peak hours and every ten minutes in the evening, "
        "the transport office said, with the last tram leaving the harbour at midnight.",
        "Building starts in the spring and the first passengers are expected in 2028, once "
        "the tracks along the old railway embankment and the new depot are finished.",
    ]
    write_markdown(folder, "b.md", "Harbour trams", trams)
    write_markdown(folder, "a.md", "Sourdough", [
        "A sourdough starter is flour and water that wild yeast and bacteria ferment slowly "
        "over several days in a warm kitchen, until it bubbles and smells sour.",
        "Feed it every day with fresh flour and water to keep it active, or keep it in the "
        "refrigerator and feed it once a week when you bake less often.",
    ])  # fmt: skip
    build([folder], config, embedder=embedder)
    library = open_library(config, embedder=embedder)
    hit = library.search("How often will trams run at peak hours?").best
    assert hit is not None and hit.article.title == "Harbour trams"

    remove(["a.md"], config, embedder=embedder)
    merge(config, everything=True)  # the trams' passages are renumbered from 0
    assert library.refresh()
    moved = library.snapshot.store.passages(range(library.snapshot.store.size))
    assert hit.passage.id not in [p.id for p in moved if p.text == hit.passage.text]

    before, after = library.context(hit.passage, article_key=hit.article.key)
    assert [p.text for p in before] == trams[:1]
    assert [p.text for p in after] == trams[2:]
    library.close()
