"""What the bot shows, as pure functions: records from the engine in, ``discord.Embed`` out.

Nothing here touches the network or the library, so every reply can be tested on its own.
Article and question text is untrusted: it is escaped so that its ``*``, ``_``, `` ` ``, ``>``
or ``[text](link)`` cannot format the reply or pass a link off as the bot's own, and its
mentions are broken so they cannot ping (``NO_MENTIONS`` is sent with every reply as well).
Long text is cut at a sentence, with an ellipsis, to fit Discord's limits, keeping the answering
sentence in view.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from urllib.parse import urlparse

import discord

from index import Answer, Article, Hit, IndexInfo, Passage, Span

NO_MENTIONS = discord.AllowedMentions.none()
"""Sent with every message: nothing the bot says may ping a user, a role or everyone."""

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_LIMIT = 6000
# The quote leaves room for context fields, title and footer within the 6,000 of a whole embed.
QUOTE_WITH_CONTEXT_LIMIT = 2800
SOURCES_PER_PAGE = 10

ANSWER_COLOUR = discord.Colour.blurple()
NO_ANSWER_COLOUR = discord.Colour.light_grey()

ELLIPSIS = "…"
# Private-use characters mark the answering sentence while the text is escaped; escaping
# leaves them alone and they become ``**`` afterwards.
_BOLD_OPEN, _BOLD_CLOSE = "\ue000", "\ue001"

# Short replies, in one place so every front door says the same thing.
APOLOGY = (
    "Sorry, something went wrong on my side while answering. It has been logged; please try again."
)
TOO_SLOW = "That is taking too long (the library is busy). Please try again in a moment."
UNAVAILABLE = "The library is not available right now; an owner needs to rebuild the index."
EMPTY_MENTION = "Ask me a question after the mention, e.g. `@citebot who signed the treaty?`"
DMS_OFF = "I don't answer direct messages here: ask me in a server channel."
VIEW_EXPIRED = "These buttons have expired: ask again to get fresh ones."
FEEDBACK_THANKS = "Thanks, your feedback was recorded."
ONLY_ASKER = "Only the person who asked can page this answer: ask your own with /ask."


def clean(text: str) -> str:
    """``text`` safe to show: Markdown escaped, masked links and mentions broken."""
    escaped = discord.utils.escape_markdown(text)
    # escape_markdown escapes one `[..](..)` per line; breaking every `](` stops them all.
    escaped = escaped.replace("](", "]\\(")
    return discord.utils.escape_mentions(escaped)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + ELLIPSIS


def quote(text: str, sentences: Sequence[Span], limit: int, bold: Span | None = None) -> str:
    """``text`` as a block quote of at most ``limit`` characters, ``bold`` sentence in bold.

    Cuts whole sentences, from the end first and then from the start, so the bold sentence
    stays in view; an ellipsis marks each cut. Only a bold sentence longer than the limit on
    its own is cut inside, at a word.
    """
    spans = list(sentences) or [Span(0, len(text))]
    focus = _focus(spans, bold)
    first, last = 0, len(spans) - 1
    while True:
        start = 0 if first == 0 else spans[first].start
        end = len(text) if last == len(spans) - 1 else spans[last].end
        rendered = _quoted(text, start, end, bold, first > 0, last < len(spans) - 1)
        if len(rendered) <= limit or first == last:
            break
        if focus is None or last - focus >= focus - first:
            last -= 1
        else:
            first += 1
    if len(rendered) <= limit:
        return rendered
    # One sentence alone is too long: keep its beginning, still bold when it is the answer.
    span = spans[first]
    piece = text[span.start : span.end]
    size = len(piece)
    while len(rendered) > limit and size > 1:
        size = size * 9 // 10
        short = cut(piece, size)
        marked = f"{_BOLD_OPEN}{short}{_BOLD_CLOSE}" if focus is not None else short
        rendered = _finish(marked, first > 0, last < len(spans) - 1)
    return rendered


def _focus(spans: list[Span], bold: Span | None) -> int | None:
    if bold is None:
        return None
    for index, span in enumerate(spans):
        if span.start <= bold.start < span.end or span == bold:
            return index
    return None


def _quoted(
    text: str, start: int, end: int, bold: Span | None, cut_before: bool, cut_after: bool
) -> str:
    if bold is not None and start <= bold.start and bold.end <= end:
        sentence = text[bold.start : bold.end]
        lead = sentence[: len(sentence) - len(sentence.lstrip())]
        trail = sentence[len(sentence.rstrip()) :]
        raw = (
            text[start : bold.start]
            + lead
            + _BOLD_OPEN
            + sentence.strip()
            + _BOLD_CLOSE
            + trail
            + text[bold.end : end]
        )
    else:
        raw = text[start:end]
    return _finish(raw, cut_before, cut_after)


def _finish(raw: str, cut_before: bool, cut_after: bool) -> str:
    """One quoted line: whitespace folded, escaped, bold marks made Markdown."""
    line = re.sub(r"\s+", " ", raw).strip()
    line = clean(line).replace(_BOLD_OPEN, "**").replace(_BOLD_CLOSE, "**")
    if cut_before:
        line = f"{ELLIPSIS} {line}"
    if cut_after:
        line = f"{line} {ELLIPSIS}"
    return f"> {line}"


def hits(answer: Answer) -> tuple[Hit, ...]:
    """The passages a user can page through: the best one, then the alternatives."""
    return (answer.best, *answer.alternatives) if answer.best else ()


def answer_embed(
    answer: Answer,
    page: int = 0,
    context: tuple[Sequence[Passage], Sequence[Passage]] | None = None,
) -> discord.Embed:
    """The reply to a question: the ``page``-th passage quoted, attributed, with confidence."""
    if not answer.answered or answer.best is None:
        return no_answer_embed(answer)
    found = hits(answer)
    hit = found[page % len(found)]
    limit = QUOTE_WITH_CONTEXT_LIMIT if context else DESCRIPTION_LIMIT
    embed = _article_embed(hit.article, ANSWER_COLOUR)
    embed.description = quote(hit.passage.text, hit.passage.sentences, limit, hit.sentence)
    embed.add_field(name="Source", value=attribution(hit), inline=False)
    if context:
        before, after = context
        for label, passages in (("Before", before), ("After", after)):
            if passages:
                name, value = _context_field(label, passages)
                embed.add_field(name=name, value=value, inline=False)
    footer = f"Confidence {confidence(hit.score)}"
    if len(found) > 1:
        footer += f" · source {page % len(found) + 1} of {len(found)}"
    embed.set_footer(text=footer)
    return embed


def no_answer_embed(answer: Answer) -> discord.Embed:
    """ "Not in the library", plainly; the closest passage only under a label that says so."""
    embed = discord.Embed(
        title="Not found in the library",
        colour=NO_ANSWER_COLOUR,
        description=(
            f"I found nothing in the library that answers “{clean(cut(answer.question, 300))}”."
        ),
    )
    closest = answer.best
    if closest is not None:
        passage = closest.passage
        text = quote(passage.text, passage.sentences, FIELD_LIMIT - 200)
        source = f"{clean(cut(closest.article.title, 200))}, {attribution(closest)}"
        embed.add_field(
            name="Closest passage (not a confident match)",
            value=cut(f"{text}\n— {source}", FIELD_LIMIT),
            inline=False,
        )
        embed.set_footer(text=f"Confidence {confidence(closest.score)}")
    return embed


def _context_field(label: str, passages: Sequence[Passage]) -> tuple[str, str]:
    """The paragraphs on one side of the answer as one quoted field, cut to fit."""
    where = ", ".join(str(n) for n in sorted({p.paragraph for p in passages}))
    text = " ".join(p.text for p in passages)
    spans = [
        Span(s.start + offset, s.end + offset)
        for passage, offset in _offsets(passages)
        for s in passage.sentences
    ]
    return f"{label} (paragraph {where})", quote(text, spans, FIELD_LIMIT)


def _offsets(passages: Sequence[Passage]) -> list[tuple[Passage, int]]:
    offsets: list[tuple[Passage, int]] = []
    position = 0
    for passage in passages:
        offsets.append((passage, position))
        position += len(passage.text) + 1
    return offsets


def attribution(hit: Hit) -> str:
    """ "author · date · source · paragraph N of M", leaving out what the article lacks."""
    article = hit.article
    parts = [clean(part) for part in (article.author, article.date, article.source) if part]
    parts.append(f"paragraph {hit.passage.paragraph} of {article.paragraph_count}")
    return cut(" · ".join(parts), FIELD_LIMIT)


def confidence(score: float) -> str:
    """The score as a percent with a word, so a reader can tell a guess from a match."""
    band = "high" if score >= 0.8 else "medium" if score >= 0.5 else "low"
    return f"{math.floor(score * 100)}% ({band})"


def sources_pages(count: int) -> int:
    return max(1, math.ceil(count / SOURCES_PER_PAGE))


def sources_embed(articles: Sequence[Article], page: int) -> discord.Embed:
    """One page of what is indexed: title (linked when it has a url), author and date."""
    pages = sources_pages(len(articles))
    page %= pages
    shown = articles[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]
    lines = []
    for number, article in enumerate(shown, start=page * SOURCES_PER_PAGE + 1):
        title = clean(cut(article.title, 150))
        url = safe_url(article.url)
        line = f"{number}. [{title}]({url})" if url else f"{number}. {title}"
        byline = " · ".join(clean(p) for p in (article.author, article.date) if p)
        lines.append(f"{line} — {cut(byline, 120)}" if byline else line)
    embed = discord.Embed(
        title="Sources in the library",
        colour=ANSWER_COLOUR,
        description="\n".join(lines) or "The library is empty.",
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {len(articles)} articles")
    return embed


def about_embed(info: IndexInfo, threshold: float) -> discord.Embed:
    """What the bot is, which model answers, how much it knows."""
    embed = discord.Embed(
        title="About citebot",
        colour=ANSWER_COLOUR,
        description=(
            "I answer questions about a library of articles by quoting the passage that answers "
            "them, with the answering sentence in bold and its source. When nothing in the "
            "library answers, I say so. Ask with `/ask`, by mentioning me, or with the "
            "*Ask citebot* message menu."
        ),
    )
    embed.add_field(name="Articles", value=f"{info.articles:,}")
    embed.add_field(name="Passages", value=f"{info.passages:,}")
    embed.add_field(name="Model", value=clean(cut(info.model, 200)))
    embed.add_field(name="Index built", value=clean(info.built_at))
    embed.add_field(name="Answers from", value=f"{math.floor(threshold * 100)}% confidence")
    return embed


def safe_url(url: str | None) -> str | None:
    """``url`` when Discord will accept it as a link (http or https, no spaces), else None."""
    if not url or len(url) > 2000 or any(c.isspace() for c in url) or ")" in url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def _article_embed(article: Article, colour: discord.Colour) -> discord.Embed:
    # Titles show plain text in Discord, but escaping keeps a stray `*` from bolding half of it.
    return discord.Embed(
        title=cut(clean(article.title), TITLE_LIMIT), url=safe_url(article.url), colour=colour
    )
