"""Articles as the web writes them: broken links, Discord markup, invisible characters and
megabyte paragraphs. Each is shown as plain text within Discord's limits, quickly, and never
costs the user the answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import discord
import pytest
from bot_helpers import make_hit

from bot import discord_limits as limits
from bot import render
from index import Answer, Article, Hit, Passage, Span

MALFORMED_URLS = [
    "http://[::1",  # urlparse: "Invalid IPv6 URL"
    "https://example.com\uff1a443/story",  # a full-width colon: invalid under NFKC
    "http://example.com:99999/story",  # a port out of range
    "https://exa mple.com/story",
    "https://example.com/a)b",  # would end a masked link early
    "https://discord.com@evil.example/login",  # a user name hides where the link goes
]


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_a_malformed_url_leaves_the_answer_and_the_sources_page_unlinked(url: str) -> None:
    hit = make_hit("Russia has a defense pact with Armenia.", url=url)

    embed = render.answer_embed(Answer("who?", True, hit))
    sources = render.sources_embed([hit.article], 0)

    assert embed.url is None
    assert embed.title == "Why Russia stays out"
    assert sources.description == "1. Why Russia stays out — Ann Reporter · 2020-10-07"


def test_a_link_with_letters_outside_ascii_is_kept_percent_encoded() -> None:
    hit = make_hit("Cologne has a cathedral.", url="https://de.wikipedia.org/wiki/Köln")
    assert render.answer_embed(Answer("q", True, hit)).url == (
        "https://de.wikipedia.org/wiki/K%C3%B6ln"
    )


def test_an_at_sign_in_a_link_is_encoded_so_it_cannot_read_as_a_mention() -> None:
    hit = make_hit("Cologne has a cathedral.", url="https://example.com/@everyone/@here")
    encoded = "https://example.com/%40everyone/%40here"
    assert render.answer_embed(Answer("q", True, hit)).url == encoded
    assert f"]({encoded})" in render.sources_embed([hit.article], 0).description


def test_text_holding_the_old_bold_markers_still_bolds_exactly_the_answer() -> None:
    # The renderer once marked the answer with these private-use characters while escaping.
    text = "Before \ue001 this. Russia \ue000has a pact\ue001 with Armenia. After \ue000 that."
    description = render.answer_embed(Answer("q", True, make_hit(text, 1))).description
    assert description.count("**") == 2
    assert "**Russia \ue000has a pact\ue001 with Armenia.**" in description


@pytest.mark.parametrize(
    "markup",
    [
        "<#123456789012345678>",  # a channel link
        "</ask:123456789012345678>",  # a clickable slash command
        "<t:1700000000:R>",  # a live timestamp
        "<:party:123456789012345678>",  # a custom emoji
        "<id:customize>",  # a server guide link
    ],
)
def test_discord_markup_in_article_text_and_questions_shows_as_text(markup: str) -> None:
    hit = make_hit(f"See {markup} for details.", title=f"Title {markup}", author=markup)
    answered = render.answer_embed(Answer("q", True, hit))
    declined = render.answer_embed(Answer(f"what is {markup}?", False, hit))
    for text in (*texts_of(answered), *texts_of(declined)):
        assert markup not in text
    assert f"<\u200b{markup[1:]}" in answered.description  # still readable


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_overrides_are_dropped_from_article_text_and_questions() -> None:
    hit = make_hit(f"Pay {BIDI[4]}gnp{BIDI[2]} now.", title=f"A{BIDI}B", source=f"x{BIDI}")
    answered = render.answer_embed(Answer("q", True, hit))
    declined = render.answer_embed(Answer(f"why {BIDI} so?", False, hit))
    for text in (*texts_of(answered), *texts_of(declined)):
        assert not set(text) & set(BIDI), text
    assert answered.title == "AB"
    assert answered.description == "> **Pay gnp now.**"


def texts_of(embed: discord.Embed) -> Iterator[str]:
    """Every piece of an embed a reader sees."""
    yield from (embed.title or "", embed.description or "", embed.footer.text or "")
    for field in embed.fields:
        yield from (field.name or "", field.value or "")


# --- bounded work ---------------------------------------------------------------------------

TWO_MB = 2_000_000
SENTENCE = "The council met again on Tuesday and argued about *the* budget_line. "


def megabyte_passages() -> dict[str, tuple[str, tuple[Span, ...], Span]]:
    """Passages of about 2 MB: text, sentence spans, the answering sentence."""
    many = SENTENCE * (TWO_MB // len(SENTENCE))
    spans = tuple(Span(i, i + len(SENTENCE) - 1) for i in range(0, len(many), len(SENTENCE)))
    one = "word " * (TWO_MB // 5)
    stars = "*_`~|" * (TWO_MB // 5)
    spaced = "a" + " " * TWO_MB + "b. c."
    return {
        "many sentences, answer in the middle": (many, spans, spans[len(spans) // 2]),
        "many sentences, answer last": (many, spans, spans[-1]),
        "one sentence": (one, (Span(0, len(one)),), Span(0, len(one))),
        "no sentences, no answer span": (one, (), Span(0, 0)),
        "markdown only": (stars, (Span(0, len(stars)),), Span(0, len(stars))),
        "a megabyte of whitespace": (
            spaced,
            (Span(0, len(spaced) - 3),),
            Span(len(spaced) - 2, len(spaced)),
        ),
    }


PASSAGES = megabyte_passages()


@pytest.fixture
def escaped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text given to discord.py's Markdown escaper while the test runs.

    It fails the render as soon as the escaper has seen more than an embed can hold several
    times over, so a render that escapes the whole passage fails at once instead of taking
    seconds per sentence.
    """
    seen: list[int] = []
    real = discord.utils.escape_markdown
    bound = 4 * limits.EMBED_TOTAL

    def counting(text: str, **options: Any) -> str:
        seen.append(len(text))
        assert sum(seen) <= bound, f"escaped {sum(seen):,} characters for one reply"
        return real(text, **options)

    monkeypatch.setattr(discord.utils, "escape_markdown", counting)
    return seen


@pytest.mark.parametrize("name", PASSAGES)
def test_a_megabyte_passage_renders_fast_escaping_only_what_fits(
    name: str, escaped: list[int]
) -> None:
    text, spans, bold = PASSAGES[name]
    passage = Passage(1, 1, 1, text, 0, len(text), spans)
    hit = Hit(passage, make_hit("Short.", title="T" * 10_000).article, 0.9, bold)

    started = time.perf_counter()
    answered = render.answer_embed(Answer("q", True, hit))
    in_context = render.answer_embed(Answer("q", True, hit), context=([passage], [passage]))
    declined = render.answer_embed(Answer("q", False, hit))
    seconds = time.perf_counter() - started

    assert seconds < 1.0
    assert sum(escaped) <= 4 * limits.EMBED_TOTAL  # about what three embeds can show
    for embed in (answered, in_context, declined):
        assert len(embed) <= limits.EMBED_TOTAL
        assert len(embed.description) <= limits.DESCRIPTION


def test_a_long_list_of_huge_titles_pages_fast(escaped: list[int]) -> None:
    articles = [
        Article(i, f"k{i}", f"k{i}", "*" * 200_000, "_" * 100_000, None, None, None, "h", 1, 1)
        for i in range(50)
    ]
    started = time.perf_counter()
    pages = [render.sources_embed(articles, page) for page in range(5)]
    assert time.perf_counter() - started < 1.0
    assert all(len(page.description) <= limits.DESCRIPTION for page in pages)
