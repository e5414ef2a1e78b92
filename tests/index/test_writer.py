"""Building, adding, removing: what ends up searchable, what is re-embedded, what is reported."""

from __future__ import annotations

import numpy as np
import pytest
from segment_files import only_segment

from index import CitebotError, add, build, open_library, remove
from index.writer import TITLE_TOKENS, embedding_text, fit_titles

TRAM = [
    "The city council approved a new tram line that will link the harbour district to the "
    "university campus by the spring of 2027.",
    "The line will have fourteen stops and its trams will run every six minutes at peak hours.",
]
BEES = [
    "A cooperative of forty beekeepers in the valley pooled their hives to sell heather honey "
    "directly to shops in the capital.",
    "Members share one extraction room and split the income according to the number of frames "
    "each of them brings to the harvest.",
]
GLACIER = [
    "Researchers measured that the northern glacier lost eleven metres of thickness over the "
    "last decade, the fastest retreat recorded in the range.",
]


@pytest.fixture
def library_dir(tmp_path, write_markdown):
    folder = tmp_path / "articles"
    write_markdown(folder, "tram.md", "A tram for the harbour", TRAM, author="Ana Ruiz")
    write_markdown(folder, "bees.md", "Valley beekeepers join forces", BEES, author="Tom Ek")
    return folder


@pytest.mark.slow
def test_build_indexes_every_article_and_answers_from_it(library_dir, config, embedder):
    report = build([library_dir], config, embedder=embedder)

    assert (report.articles, report.passages) == (2, 4)
    assert set(report.added) == {"tram.md", "bees.md"}
    answer = open_library(config, embedder=embedder).search("How often will the trams run?")
    assert answer.answered
    assert answer.best.article.title == "A tram for the harbour"
    assert "every six minutes" in answer.best.sentence_text


@pytest.mark.slow
def test_rebuilding_an_unchanged_library_embeds_nothing(library_dir, config, embedder):
    build([library_dir], config, embedder=embedder)
    again = build([library_dir], config, embedder=embedder)

    assert again.embedded == 0
    assert again.added == ()
    assert again.unchanged == 2


@pytest.mark.slow
def test_add_embeds_only_the_new_article_and_keeps_the_others(
    library_dir, tmp_path, config, embedder, write_markdown
):
    build([library_dir], config, embedder=embedder)
    new = write_markdown(tmp_path / "more", "glacier.md", "The glacier retreats", GLACIER)

    report = add([new], config, embedder=embedder)

    # One passage and its one sentence: nothing of the other articles went through the model.
    assert report.embedded == 2
    assert report.articles == 3
    library = open_library(config, embedder=embedder)
    assert library.search("How much thickness did the glacier lose?").best.article.key == (
        "glacier.md"
    )
    assert library.search("Where will the tram line go?").best.article.key == "tram.md"


@pytest.mark.slow
def test_add_of_a_changed_file_replaces_the_article(library_dir, config, embedder, write_markdown):
    build([library_dir], config, embedder=embedder)
    changed = [TRAM[0], "Its trams will run every twelve minutes, even at peak hours."]
    path = write_markdown(library_dir, "tram.md", "A tram for the harbour", changed)

    report = add([path], config, embedder=embedder)

    assert report.articles == 2
    library = open_library(config, embedder=embedder)
    texts = [a.key for a in library.articles()]
    assert sorted(texts) == ["bees.md", "tram.md"]
    answer = library.search("How often will the trams run?")
    assert "twelve minutes" in answer.best.passage.text
    assert all("six minutes" not in h.passage.text for h in (answer.best, *answer.alternatives))


@pytest.mark.slow
def test_remove_by_key_drops_the_article(library_dir, config, embedder):
    build([library_dir], config, embedder=embedder)

    report = remove(["bees.md"], config, embedder=embedder)

    assert (report.articles, report.removed) == (1, ("bees.md",))
    assert [a.key for a in open_library(config, embedder=embedder).articles()] == ["tram.md"]


@pytest.mark.slow
def test_remove_of_an_unknown_article_changes_nothing(library_dir, config, embedder):
    build([library_dir], config, embedder=embedder)

    with pytest.raises(CitebotError, match=r"Not in the index: nope\.md"):
        remove(["nope.md"], config, embedder=embedder)
    assert len(open_library(config, embedder=embedder).articles()) == 2


@pytest.mark.slow
def test_bad_files_are_reported_and_skipped_while_the_rest_is_indexed(
    library_dir, config, embedder
):
    (library_dir / "empty.txt").write_text("")
    (library_dir / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (library_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\n\nSome text here.\n")

    report = build([library_dir], config, embedder=embedder)

    assert report.articles == 2
    reasons = {item.path.rsplit("/", 1)[-1]: item.reason for item in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.md"}
    assert "no article text" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "YAML" in reasons["broken.md"]


@pytest.mark.slow
def test_exact_duplicate_paragraphs_are_indexed_once(tmp_path, config, embedder, write_markdown):
    folder = tmp_path / "dup"
    shared = "Subscribe to our weekly newsletter to receive every story from the valley first."
    write_markdown(folder, "a.md", "First story", [TRAM[0], shared])
    write_markdown(folder, "b.md", "Second story", [BEES[0], shared])

    report = build([folder], config, embedder=embedder)

    assert report.passages == 3


# A title that takes most of the room the writer keeps for it in the model's window.
LONG_TITLE = "The harbour tram line, its fourteen stops and the council's long debate about them"


@pytest.mark.slow
def test_long_paragraph_is_split_without_losing_text(tmp_path, config, embedder, write_markdown):
    sentences = [
        f"Sentence number {i} talks about the harbour tram and its stops." for i in range(60)
    ]
    paragraph = " ".join(sentences)
    write_markdown(tmp_path / "long", "long.md", LONG_TITLE, [paragraph])

    report = build([tmp_path / "long"], config, embedder=embedder)

    library = open_library(config, embedder=embedder)
    passages = library.snapshot.store.passages(list(range(report.passages)))
    assert len(passages) > 1
    assert {p.paragraph for p in passages} == {1}
    assert " ".join(p.text for p in passages) == paragraph
    # The model reads each passage after its title (embedding_text): that whole text, not the
    # passage alone, must fit, or the end of the passage is cut off unseen.
    assert 15 <= embedder.count_tokens([LONG_TITLE])[0] <= TITLE_TOKENS
    read = embedder.count_tokens([embedding_text(LONG_TITLE, p.text) for p in passages])
    assert max(read) <= embedder.max_tokens


@pytest.mark.slow
def test_a_title_too_long_for_its_room_is_cut_so_the_passage_is_read_whole(
    tmp_path, config, embedder, write_markdown
):
    long_title = " ".join([LONG_TITLE] * 3)  # a paper's forty-word title
    paragraph = " ".join(f"Sentence {i} is about the harbour tram." for i in range(80))
    write_markdown(tmp_path / "long", "long.md", long_title, [paragraph])

    report = build([tmp_path / "long"], config, embedder=embedder)

    (fitted,) = fit_titles([long_title], embedder.count_tokens)
    assert embedder.count_tokens([long_title])[0] > TITLE_TOKENS  # or this proves nothing
    assert embedder.count_tokens([fitted])[0] <= TITLE_TOKENS
    assert long_title.startswith(fitted) and len(fitted.split()) >= 10  # cut at a word
    assert fit_titles([LONG_TITLE], embedder.count_tokens) == [LONG_TITLE]  # one that fits stays
    library = open_library(config, embedder=embedder)
    passages = library.snapshot.store.passages(list(range(report.passages)))
    texts = [embedding_text(fitted, p.text) for p in passages]
    assert max(embedder.count_tokens(texts)) <= embedder.max_tokens
    # What was embedded is the fitted title with the whole passage.
    stored = np.load(only_segment(library.snapshot.version).passage_vectors)
    assert np.allclose(stored, embedder.encode(texts), atol=1e-3)
