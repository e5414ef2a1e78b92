"""The embeds, rendered from records alone: what a reader sees, escaped and within limits."""

from __future__ import annotations

import pytest
from bot_helpers import make_hit, sentences_of

from bot import discord_limits as limits
from bot import render
from index import Answer, Article, IndexInfo, Passage
from insights import StoreConfig

TEXT = (
    "Armenia is a member of the CSTO. Russia has a defense pact with Armenia. "
    "The pact does not cover Karabakh."
)


def test_the_answer_quotes_the_passage_with_its_sentence_in_bold_and_attributes_it() -> None:
    hit = make_hit(TEXT, 1)
    embed = render.answer_embed(Answer("who?", True, hit))

    assert embed.title == "Why Russia stays out"
    assert embed.url == "https://example.com/a"
    assert embed.description == (
        "> Armenia is a member of the CSTO. **Russia has a defense pact with Armenia.** "
        "The pact does not cover Karabakh."
    )
    assert embed.fields[0].name == "Source"
    assert embed.fields[0].value == "Ann Reporter · 2020-10-07 · Example News · paragraph 2 of 7"
    assert embed.footer.text == "Confidence 83% (high)"


def test_missing_attribution_is_left_out_and_a_bad_url_is_not_linked() -> None:
    hit = make_hit(TEXT, url="javascript:alert(1)", author=None, source=None)
    embed = render.answer_embed(Answer("who?", True, hit))
    assert embed.url is None
    assert embed.fields[0].value == "2020-10-07 · paragraph 2 of 7"


def test_alternatives_are_pages_of_the_same_format() -> None:
    best, other = make_hit(TEXT, 1), make_hit("Turkey backs Azerbaijan. Drones help.", 0)
    answer = Answer("who?", True, best, (other,))
    embed = render.answer_embed(answer, page=1)
    assert embed.description == "> **Turkey backs Azerbaijan.** Drones help."
    assert embed.footer.text.endswith("source 2 of 2")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Use *stars* here.", r"Use \*stars\* here."),
        ("An _under_ score.", r"An \_under\_ score."),
        ("Some `code` here.", r"Some \`code\` here."),
        ("A back\\slash here.", r"A back\\slash here."),
        ("Click [here](https://evil/x) now.", r"Click \[here]\(https://evil/x) now."),
    ],
)
def test_article_markdown_cannot_format_the_reply(raw: str, shown: str) -> None:
    embed = render.answer_embed(Answer("q", True, make_hit(raw)))
    assert embed.description == f"> **{shown}**"


def test_article_text_cannot_start_a_line_of_its_own() -> None:
    hit = make_hit("It ends here.\n>>> Official notice from the bot.\n# Heading.", 0)
    description = render.answer_embed(Answer("q", True, hit)).description
    assert "\n" not in description  # one quoted line: no new quote, heading or list
    # Each sentence is escaped on its own, so a quote or heading mark that begins one is escaped.
    assert description == r"> **It ends here.** \>>> Official notice from the bot. \# Heading."


def test_two_masked_links_on_one_line_are_both_broken() -> None:
    text = "See [a](https://x.example) and [b](https://y.example) today."
    description = render.answer_embed(Answer("q", True, make_hit(text))).description
    assert "](" not in description


def test_mentions_in_article_text_cannot_ping() -> None:
    hit = make_hit("Hello @everyone and @here and <@123456789012345678> today.")
    description = render.answer_embed(Answer("q", True, hit)).description
    assert "@everyone" not in description
    assert "@here" not in description
    assert "<@123456789012345678>" not in description
    assert "@\u200beveryone" in description  # still readable
    # And should any slip through, what the bot sends with every reply lets nothing ping.
    assert render.NO_MENTIONS.to_dict() == {"parse": []}


def long_passage(sentences: int = 80) -> str:
    return " ".join(
        f"Sentence number {i} talks about the long history of the region." for i in range(sentences)
    )


@pytest.mark.parametrize(
    ("answer_index", "cut_before", "cut_after"),
    [(0, False, True), (40, True, True), (79, True, False)],
)
def test_a_5000_character_passage_is_cut_at_sentences_keeping_the_bold_one(
    answer_index: int, cut_before: bool, cut_after: bool
) -> None:
    text = long_passage()
    assert len(text) > 5000
    hit = make_hit(text, answer_index)
    embed = render.answer_embed(Answer("q", True, hit))

    assert len(embed.description) <= limits.DESCRIPTION
    assert len(embed) <= limits.EMBED_TOTAL
    assert f"**Sentence number {answer_index} talks" in embed.description
    body = embed.description.removeprefix("> ").replace("**", "")
    # Cut between sentences, marked with an ellipsis where text is missing, and only there.
    assert body.startswith("… Sentence number " if cut_before else "Sentence number 0 ")
    last = "Sentence number 79 talks about the long history of the region."
    assert body.endswith("region. …" if cut_after else last)
    assert body.count("…") == cut_before + cut_after


def test_a_single_sentence_longer_than_the_limit_is_cut_at_a_word_still_bold() -> None:
    text = "This one sentence never ends " + "and goes on " * 600 + "forever."
    description = render.answer_embed(Answer("q", True, make_hit(text))).description
    assert len(description) <= limits.DESCRIPTION
    assert description.startswith("> **This one sentence never ends")
    assert description.endswith("…**")


def test_the_whole_embed_fits_with_context_around_a_long_passage() -> None:
    hit = make_hit(long_passage(), 40)
    near = Passage(9, 1, 1, long_passage(30), 0, 0, sentences_of(long_passage(30)))
    embed = render.answer_embed(Answer("q", True, hit), context=([near], [near]))
    assert [f.name for f in embed.fields] == [
        "Source",
        "Before (paragraph 1)",
        "After (paragraph 1)",
    ]
    assert all(len(f.value) <= limits.FIELD_VALUE for f in embed.fields)
    assert len(embed) <= limits.EMBED_TOTAL
    assert "**Sentence number 40 talks" in embed.description


def test_no_answer_says_so_and_labels_the_closest_passage() -> None:
    closest = make_hit(TEXT, 1, score=0.31)
    embed = render.answer_embed(Answer("What is *the* @everyone capital?", False, closest))

    assert embed.title == "Not found in the library"
    assert "nothing in the library" in embed.description
    assert "What is \\*the\\* @\u200beveryone capital?" in embed.description
    assert embed.fields[0].name == "Closest passage (not a confident match)"
    assert "Russia has a defense pact" in embed.fields[0].value
    assert "**" not in embed.fields[0].value  # nothing presented as the answer
    assert embed.footer.text == "Confidence 31% (low)"


def test_no_answer_from_an_empty_library_has_no_closest_passage() -> None:
    embed = render.answer_embed(Answer("anything?", False, None))
    assert embed.fields == []


def test_sources_are_paged_ten_at_a_time() -> None:
    articles = [
        Article(i, f"k{i}", f"k{i}", f"Title _{i}_", "Au", None, None, None, "h", 1, 1)
        for i in range(23)
    ]
    first = render.sources_embed(articles, 0)
    last = render.sources_embed(articles, 2)
    assert first.description.splitlines()[0] == r"1. Title \_0\_ — Au"
    assert len(first.description.splitlines()) == 10
    assert last.description.splitlines() == [
        r"21. Title \_20\_ — Au",
        r"22. Title \_21\_ — Au",
        r"23. Title \_22\_ — Au",
    ]
    assert last.footer.text == "Page 3 of 3 · 23 articles"


def test_about_says_what_the_bot_is_and_what_it_knows() -> None:
    info = IndexInfo(
        "data/index", "all-MiniLM-L6-v2", 384, 12, 340, "2026-11-24T10:00:00", 1, 0, "flat"
    )
    embed = render.about_embed(info, 0.5, StoreConfig(), own_library=False)
    values = {f.name: f.value for f in embed.fields}
    assert values["Articles"] == "12"
    assert values["Passages"] == "340"
    assert values["Model"] == "all-MiniLM-L6-v2"
    assert values["Answers from"] == "50% confidence"
    assert values["Questions kept"].startswith("Off: questions are not logged.")
    logged = render.about_embed(
        info, 0.5, StoreConfig(log_questions=True, retention_days=14), own_library=False
    )
    kept = {f.name: f.value for f in logged.fields}["Questions kept"]
    assert kept.startswith("On: each question is kept with your user id")
    assert "for 14 days" in kept and "/forget" in kept
