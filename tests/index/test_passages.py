"""Paragraphs into passages and sentences: nothing lost, nothing twice, offsets exact, and no
passage longer than the model reads."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from index import ArticleError
from index.articles.fields import Source, assemble
from index.passages import split_passages
from index.sentences import split_sentences


def words(texts: Sequence[str]) -> list[int]:
    """A stand-in tokenizer with the property the splitter relies on: counts add up."""
    return [len(text.split()) for text in texts]


def article(*paragraphs: str):
    return assemble(Source("a.md", "a.md", "a"), list(paragraphs), title="Title")


def covered(text: str, spans) -> str:
    return "".join("".join(text[s:e].split()) for s, e in spans)


def test_sentences_respect_abbreviations_numbers_and_quotes():
    text = (
        "Dr. Ames met Mr. J. Reyes at 3.30 p.m. on Monday. “Is it U.S. policy?” he asked. "
        "See No. 5 for details. The answer was no. It ended…  Then (in 2020) it began again!"
    )
    assert [s.of(text) for s in split_sentences(text)] == [
        "Dr. Ames met Mr. J. Reyes at 3.30 p.m. on Monday.",
        "“Is it U.S. policy?” he asked.",
        "See No. 5 for details.",
        "The answer was no.",
        "It ended…",
        "Then (in 2020) it began again!",
    ]


def test_a_paragraph_that_fits_is_one_passage():
    parsed = article("One sentence here. Another one there.", "Second paragraph, on its own.")

    drafts = split_passages(parsed, words, max_tokens=50, min_chars=10)

    assert [(d.paragraph, parsed.text[d.start : d.end]) for d in drafts] == [
        (1, "One sentence here. Another one there."),
        (2, "Second paragraph, on its own."),
    ]
    assert [s.of(parsed.text[drafts[0].start : drafts[0].end]) for s in drafts[0].sentences] == [
        "One sentence here.",
        "Another one there.",
    ]


def test_a_long_paragraph_is_cut_between_sentences():
    sentences = [f"Sentence number {n} has exactly seven words." for n in range(10)]
    parsed = article(" ".join(sentences))

    drafts = split_passages(parsed, words, max_tokens=20, min_chars=10)

    texts = [parsed.text[d.start : d.end] for d in drafts]
    assert texts == [" ".join(sentences[i : i + 2]) for i in range(0, 10, 2)]
    assert {d.paragraph for d in drafts} == {1}


def test_a_tiny_paragraph_joins_the_passage_before_it():
    parsed = article("The council met on Tuesday evening to vote.", "It passed.", "$$$")

    drafts = split_passages(parsed, words, max_tokens=50, min_chars=20)

    assert [parsed.text[d.start : d.end] for d in drafts] == [
        "The council met on Tuesday evening to vote.\n\nIt passed."
    ]


def test_real_tokenizer_keeps_every_passage_inside_the_window(embedder):
    long_paragraph = " ".join(
        f"In {1900 + n} the observatory catalogued {n * 37} new variable stars near Vega."
        for n in range(60)
    )
    parsed = article(long_paragraph)

    drafts = split_passages(parsed, embedder.count_tokens, max_tokens=embedder.max_tokens)

    sizes = embedder.count_tokens([parsed.text[d.start : d.end] for d in drafts])
    assert len(drafts) > 1
    assert max(sizes) <= embedder.max_tokens
    assert covered(parsed.text, [(d.start, d.end) for d in drafts]) == "".join(
        long_paragraph.split()
    )


prose = st.lists(
    st.one_of(
        st.text(st.sampled_from("abcdefghij ABC.!?,;“”\n0123456789"), min_size=1, max_size=80),
        st.sampled_from(["Mr.", "U.S.", "3.5", "e.g.", "…", "No. 7", "\n- item", "## Head\n"]),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(prose)
def test_sentences_cover_the_text_once_with_exact_offsets(text):
    spans = split_sentences(text)

    assert all(a.end <= b.start for a, b in pairwise(spans))
    assert all(s.of(text) == s.of(text).strip() and s.of(text) for s in spans)
    assert covered(text, [(s.start, s.end) for s in spans]) == "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(st.lists(prose, min_size=1, max_size=8), st.integers(3, 40), st.integers(0, 60))
def test_passages_cover_the_article_once_in_order(paragraphs, max_tokens, min_chars):
    try:
        parsed = article(*paragraphs)
    except ArticleError as error:  # nothing but white space: the reader reports it
        assert "no article text" in str(error)
        assert not "".join(paragraphs).strip(), paragraphs
        return

    drafts = split_passages(parsed, words, max_tokens=max_tokens, min_chars=min_chars)

    spans = [(d.start, d.end) for d in drafts]
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    with_letters = [
        s.of(parsed.text) for s in parsed.paragraphs if any(c.isalpha() for c in s.of(parsed.text))
    ]
    assert covered(parsed.text, spans) == "".join("".join(with_letters).split())
    for draft in drafts:
        text = parsed.text[draft.start : draft.end]
        assert [s.of(text) for s in draft.sentences] == [s.of(text) for s in split_sentences(text)]
        first = parsed.paragraphs[draft.paragraph - 1]
        assert first.start <= draft.start < first.end
