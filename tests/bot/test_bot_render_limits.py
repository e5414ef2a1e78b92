"""Every embed the bot renders is one Discord accepts, whatever the articles hold.

Hypothesis writes the articles: titles of ``*``, URLs that do not parse, spans outside the text,
megabyte-sized runs of Markdown, mentions, bidi overrides. Answers (answered and declined, every
page of the alternatives, with and without context) and every page of ``/sources`` must render
without raising and within each of Discord's limits, with nothing in them that pings, links
or reorders text on the article's behalf.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import discord_limits as limits
from bot import render
from bot.views import AnswerView, SourcesView
from guilds import SETTINGS, ServerSettings
from index import Answer, Article, Hit, Passage, Span
from insights import OUTCOMES, Report
from insights.report import ArticleVotes, PassageVotes

HOSTILE = [
    "*", "**", "_", "__", "`", "```", "~~", "||", ">", ">>> ", "# ", "- ", "1. ", "\\",
    "[a](https://evil.example)", "](", "@everyone", "@here", "<@123456789012345678>",
    "<@&123456789012345678>", "<#123456789012345678>", "</ask:123456789012345678>",
    "<t:1700000000:R>", "<:e:123456789012345678>", "\u202e", "\u2066", "\u200b", "\ue000",
    "\ue001", "\n", "\t", " ", "\x00", "\x85", "…", "https://x.example/a_b*c*", "é", "🤔",
]  # fmt: skip
BAD_URLS = [
    "http://[::1", "https://example.com\uff1a443/", "http://a:99999/", "javascript:alert(1)",
    "https://", "http://exa mple.com", "https://example.com/" + "a" * 3000, "ftp://x.example",
]  # fmt: skip

piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
# Long runs too: escaping doubles a run of `*`, and a title or URL may be any length.
run = st.builds(lambda text, times: text * times, piece, st.integers(1, 2500))
text = st.lists(st.one_of(piece, run), max_size=8).map("".join)
field = st.one_of(st.none(), text)
url = st.one_of(
    st.none(),
    st.sampled_from(BAD_URLS),
    st.builds(lambda path: "https://example.com/" + path, text),
    text,
)
number = st.integers(-(2**63), 2**63 - 1)  # what SQLite can hold
score = st.floats(allow_nan=True, allow_infinity=True)


@st.composite
def spans_into(draw: st.DrawFn, length: int, max_size: int = 12) -> list[Span]:
    """Spans as stored data may have them: mostly inside the text, some not."""
    position = st.one_of(st.integers(0, length), st.integers(-5, length + 5))
    return draw(st.lists(st.builds(Span, position, position), max_size=max_size))


@st.composite
def articles(draw: st.DrawFn) -> Article:
    return Article(
        id=draw(number),
        key=draw(text),
        path=draw(text),
        title=draw(text),
        author=draw(field),
        date=draw(field),
        source=draw(field),
        url=draw(url),
        content_hash="h",
        paragraph_count=draw(number),
        passage_count=draw(number),
    )


@st.composite
def passages(draw: st.DrawFn) -> Passage:
    body = draw(text)
    return Passage(
        draw(number), 1, draw(number), body, 0, len(body), tuple(draw(spans_into(len(body))))
    )


@st.composite
def hits(draw: st.DrawFn) -> Hit:
    passage = draw(passages())
    bold = draw(spans_into(len(passage.text), max_size=1))
    return Hit(passage, draw(articles()), draw(score), bold[0] if bold else Span(0, 0))


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    return Answer(
        draw(text),
        draw(st.booleans()),
        draw(st.one_of(st.none(), hits())),
        tuple(draw(st.lists(hits(), max_size=3))),
    )


FORBIDDEN = ["@everyone", "@here", "<@1", "<@&", "<#", "</", "<t:", "<:", "\u202e", "\u2066"]


def check(embed: discord.Embed, ours: re.Pattern[str] | None = None) -> None:
    """Discord's limits on one embed, and nothing in it that pings, links or reorders text
    (but for the markup ``ours`` matches: the bot's own mentions of channels and roles)."""
    assert len(embed) <= limits.EMBED_TOTAL  # discord.py counts the parts Discord adds up
    assert len(embed.title or "") <= limits.TITLE
    assert len(embed.description or "") <= limits.DESCRIPTION
    assert len(embed.footer.text or "") <= limits.FOOTER
    assert len(embed.author.name or "") <= limits.AUTHOR_NAME
    assert len(embed.fields) <= limits.FIELDS
    for item in embed.fields:
        # Discord refuses an empty (or blank) field name or value.
        assert item.name.strip() and len(item.name) <= limits.FIELD_NAME
        assert item.value.strip() and len(item.value) <= limits.FIELD_VALUE
    assert embed.url is None or (
        len(embed.url) <= limits.URL and urlsplit(embed.url).scheme in ("http", "https")
    )
    shown = [embed.title or "", embed.description or "", embed.footer.text or ""]
    shown += [f"{item.name}\n{item.value}" for item in embed.fields]
    for part in shown:
        part = ours.sub("", part) if ours else part
        for markup in FORBIDDEN:
            assert markup not in part, (markup, part)
    embed.to_dict()  # what discord.py sends


PROPERTY = settings(
    max_examples=100,
    deadline=None,  # two shared cores: wall time is not the property
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(answers(), st.lists(passages(), max_size=3), st.lists(passages(), max_size=3))
def test_every_answer_page_fits_discord(
    answer: Answer, before: list[Passage], after: list[Passage]
) -> None:
    for page in range(len(render.hits(answer)) or 1):
        check(render.answer_embed(answer, page))
        check(render.answer_embed(answer, page, context=(before, after)))
    check(render.no_answer_embed(answer))


@PROPERTY
@given(st.lists(articles(), max_size=25))
def test_every_sources_page_fits_discord(library: list[Article]) -> None:
    for page in range(render.sources_pages(len(library))):
        embed = render.sources_embed(library, page)
        check(embed)
        assert len(embed.description.splitlines()) <= render.SOURCES_PER_PAGE


count = st.integers(0, 10**12)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    """A report of a database that users and articles filled with whatever they liked."""
    votes = st.builds(PassageVotes, text, field, number, count, count, text)
    return Report(
        since_days=draw(st.integers(1, 365)),
        generated_at="2026-11-26T10:00:00+00:00",
        questions_logged=draw(st.booleans()),
        outcomes={outcome: draw(count) for outcome in OUTCOMES},
        days=(),
        confidence={"answered": (0,) * 10, "declined": (0,) * 10},
        threshold=0.25,
        votes={"up": draw(count), "down": draw(count)},
        articles=tuple(draw(st.lists(st.builds(ArticleVotes, text, field, count, count)))),
        passages=tuple(draw(st.lists(votes, max_size=10))),
        topics=(),
    )


@PROPERTY
@given(reports())
def test_every_stats_embed_fits_discord(report: Report) -> None:
    embed = render.stats_embed(report)
    check(embed)
    assert embed.image.url == f"attachment://{render.STATS_CHART}"


# Settings as the host's .env may have them (any number of channels, any role name) or a
# server's owners set them.
server_settings = st.builds(
    ServerSettings,
    channels=st.frozensets(st.integers(1, 2**64), max_size=300),
    threshold=st.floats(0, 1),
    cooldown=st.floats(0, allow_infinity=False),
    channel_limit=st.integers(0, 10**30),
    mentions=st.booleans(),
    owner_role=st.one_of(st.none(), text, st.integers(1, 2**64).map(str)),
)
MENTIONS = re.compile(r"<(#|@&)[0-9]+>")  # the bot's own, of the channels and the role set


@PROPERTY
@given(server_settings, st.frozensets(st.sampled_from(list(SETTINGS))))
def test_every_settings_embed_fits_discord(settings: ServerSettings, own: frozenset[str]) -> None:
    embed = render.settings_embed(settings, own)
    check(embed, ours=MENTIONS)
    assert [item.name for item in embed.fields] == list(SETTINGS)
    for name in SETTINGS:
        assert len(render.setting_changed(settings, name)) <= limits.CONTENT


@PROPERTY
@given(text)
def test_every_message_text_fits_discord(line: str) -> None:
    assert len(render.message_text(line)) <= limits.CONTENT


async def test_every_button_row_fits_discord() -> None:
    """The buttons are the bot's own words, but a longer label or one more button would make
    Discord refuse the whole answer, just as a long title would."""
    hit = Hit(
        Passage(1, 1, 1, "A.", 0, 2, ()),
        Article(1, "k", "p", "T", *[None] * 4, "h", 1, 1),
        1.0,
        Span(0, 2),
    )
    answer = Answer("q", True, hit, (hit,))
    articles = [hit.article] * (render.SOURCES_PER_PAGE + 1)
    views = [
        AnswerView(
            answer,
            library=None,
            guild_id=None,
            service=None,
            feedback=None,
            metrics=None,
            asker_id=1,
            timeout=1,
        ),
        SourcesView(articles, guild_id=None, timeout=1),
    ]
    for view in views:
        rows = view.to_components()
        assert rows and len(rows) <= limits.ROWS
        for row in rows:
            assert len(row["components"]) <= limits.COMPONENTS_PER_ROW
            for item in row["components"]:
                assert len(item.get("label", "")) <= limits.BUTTON_LABEL
                assert len(item.get("options", [])) <= limits.SELECT_OPTIONS
